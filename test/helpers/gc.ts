// A full garbage collection on demand (no --expose-gc on the test runner's command line), to check
// that what a long-lived object no longer needs is let go.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
export const collectGarbage = runInNewContext('gc') as () => void;

/** Whether `ref`'s target is gone after a full collection. */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef's target stays alive until the job that created or read it ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return ref.deref() === undefined;
}
