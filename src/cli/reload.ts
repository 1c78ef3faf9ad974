// SIGHUP: which keys changed, which of them apply now, and the configuration that results.
import { isDeepStrictEqual } from 'node:util';
import type { LoadedConfig } from '../config/load.js';
import { OWNED_SECTIONS, type ConfigValues } from '../config/schema.js';

export interface ReloadPlan {
  /** The running configuration after the reload: new values for reloadable keys, old ones elsewhere. */
  readonly config: LoadedConfig;
  /** `section/key` of changed reloadable keys (applied). */
  readonly applied: string[];
  /** `section/key` of changed keys that need a restart (ignored until then). */
  readonly needRestart: string[];
}

export function planReload(running: LoadedConfig, next: LoadedConfig): ReloadPlan {
  const applied: string[] = [];
  const needRestart: string[] = [];
  const values: Record<string, Record<string, unknown>> = {};
  for (const spec of OWNED_SECTIONS.values()) {
    const before = running.values[spec.name as keyof ConfigValues] as Record<string, unknown>;
    const after = next.values[spec.name as keyof ConfigValues] as Record<string, unknown>;
    const merged: Record<string, unknown> = {};
    for (const [name, keySpec] of Object.entries(spec.keys)) {
      const changed = !isDeepStrictEqual(before[name], after[name]);
      if (changed) (keySpec.reloadable ? applied : needRestart).push(`${spec.name}/${name}`);
      merged[name] = keySpec.reloadable ? after[name] : before[name];
    }
    values[spec.name] = merged;
  }
  return { config: { ...next, values: values as unknown as ConfigValues }, applied, needRestart };
}
