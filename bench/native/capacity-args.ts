// The arguments the two B2 capacity benchmarks share (media-only and end to end): call-count steps,
// media duration, SDES suites per leg, the p99 limit and the scheduling switch.
import { isSrtpSuiteName } from '../../src/media/suites.js';

export interface CapacitySettings {
  /** Call counts to try; undefined = the benchmark's own search. */
  steps: number[] | undefined;
  /** Sending time per step, warm-up included, and the warm-up left out of latency and CPU. */
  durationS: number;
  warmupS: number;
  /** SDES suite on leg A and on leg B. */
  suiteA: string;
  suiteB: string;
  p99LimitUs: number;
  /** SCHED_FIFO for the pinned processes (see launcher.ts); --no-realtime = nice -10. */
  realtime: boolean;
}

/** Leg A and leg B use different suites: rtpengine would otherwise pass the keys through (rtpengine.ts). */
export const DEFAULT_CAPACITY_SETTINGS: CapacitySettings = {
  steps: undefined,
  durationS: 6,
  warmupS: 1,
  suiteA: 'AES_CM_128_HMAC_SHA1_80',
  suiteB: 'AES_CM_128_HMAC_SHA1_32',
  p99LimitUs: 1000,
  realtime: true,
};

/**
 * Reads `--calls a,b`, `--duration s`, `--warmup s`, `--suite S`, `--suite-b S`, `--p99-us N` and
 * `--no-realtime`; any other flag goes to `extra` with its value, which returns false for a flag it
 * does not know either.
 */
export function parseCapacityArgs(args: string[], extra: (flag: string, value: string) => boolean = () => false): CapacitySettings {
  const settings = { ...DEFAULT_CAPACITY_SETTINGS };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--no-realtime') {
      settings.realtime = false;
      continue;
    }
    const value = args[++i] ?? '';
    if (flag === '--calls') settings.steps = value.split(',').map(Number);
    else if (flag === '--duration') settings.durationS = Number(value);
    else if (flag === '--warmup') settings.warmupS = Number(value);
    else if (flag === '--suite') settings.suiteA = value;
    else if (flag === '--suite-b') settings.suiteB = value;
    else if (flag === '--p99-us') settings.p99LimitUs = Number(value);
    else if (!extra(flag, value)) throw new TypeError(`unknown option ${flag}`);
  }
  for (const suite of [settings.suiteA, settings.suiteB]) if (!isSrtpSuiteName(suite)) throw new TypeError(`unknown suite ${suite}`);
  return settings;
}
