// Which configuration the daemon reads, at startup and again on each SIGHUP.
import { existsSync } from 'node:fs';
import { loadConfigFile, loadEmbeddedDefault, type LoadedConfig, type Override } from '../config/load.js';
import type { Arguments } from './args.js';

export const DEFAULT_CONFIG_PATH = '/etc/flexisip/flexisip.conf';

/** Loads the configuration the arguments designate; call it again to reload the same source. */
export type ConfigLoader = () => LoadedConfig;

export function configLoader(args: Arguments, env: NodeJS.ProcessEnv = process.env): ConfigLoader {
  // --debug is an override, so a reload keeps it.
  const overrides: Override[] = [...args.overrides];
  if (args.debug) overrides.push({ section: 'b2bua-daemon', key: 'log-level', value: 'debug' });
  if (args.configPath !== undefined) {
    const path = args.configPath;
    return () => loadConfigFile(path, overrides);
  }
  const defaultPath = env.B2BUA_CONFIG || DEFAULT_CONFIG_PATH;
  // Decided once: a file appearing later does not replace the embedded default on reload.
  if (existsSync(defaultPath)) return () => loadConfigFile(defaultPath, overrides);
  return () => loadEmbeddedDefault(overrides);
}
