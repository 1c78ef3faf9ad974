// Entry point of the `b2bua` command (bin/b2bua.js). Exit codes: 0 clean stop, 1 bad configuration
// or failed startup, 2 bad arguments.
import { createB2buaCore } from '../b2bua/factory.js';
import { ConfigError } from '../config/errors.js';
import { dumpDefaultConfig } from '../config/dump.js';
import type { LoadedConfig } from '../config/load.js';
import { createLogger } from '../log/factory.js';
import { parseArguments, USAGE, type Arguments } from './args.js';
import { configLoader } from './config-source.js';
import { Daemon } from './daemon.js';
import { ArgumentError } from './errors.js';
import { packageVersion, versionText } from './version.js';

const EXIT_OK = 0;
const EXIT_BAD_CONFIG = 1;
const EXIT_BAD_ARGUMENTS = 2;

export async function main(argv: string[]): Promise<void> {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (err) {
    if (!(err instanceof ArgumentError)) throw err;
    process.stderr.write(`b2bua: ${err.message}\nTry 'b2bua --help'.\n`);
    process.exitCode = EXIT_BAD_ARGUMENTS;
    return;
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`${await versionText()}\n`);
      return;
    case 'dump-default':
      process.stdout.write(dumpDefaultConfig(packageVersion()));
      return;
    case 'run':
      // Explicit exit: a daemon must not linger on a forgotten handle once stopped.
      process.exit(await run(args));
  }
}

async function run(args: Arguments): Promise<number> {
  const loadConfig = configLoader(args);
  let config: LoadedConfig;
  try {
    config = loadConfig();
  } catch (err) {
    return failStartup(err);
  }
  const daemonKeys = config.values['b2bua-daemon'];
  const logger = createLogger({ level: daemonKeys['log-level'], format: daemonKeys['log-format'] });
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ config, loadConfig, logger, version: packageVersion(), coreFactory: createB2buaCore });
  } catch (err) {
    return failStartup(err);
  }
  const stop = () => void daemon.drain();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => void daemon.reload());
  await daemon.stopped;
  return EXIT_OK;
}

function failStartup(err: unknown): number {
  const message = err instanceof ConfigError ? err.message : `startup failed: ${(err as Error).message}`;
  process.stderr.write(`b2bua: ${message}\n`);
  return EXIT_BAD_CONFIG;
}
