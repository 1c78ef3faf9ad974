// Command-line arguments, with Flexisip's spellings where they exist (`--server b2bua`, `-c`, `--set`).
import type { Override } from '../config/load.js';
import { ArgumentError } from './errors.js';

export type Command = 'run' | 'help' | 'version' | 'dump-default';

export interface Arguments {
  readonly command: Command;
  /** `-c/--config`; absent = the default path if it exists, else the embedded default. */
  readonly configPath?: string;
  readonly overrides: readonly Override[];
  readonly debug: boolean;
}

export const USAGE = `Usage: b2bua [options]
       b2bua --server b2bua [options]      (Flexisip's spelling)

Options:
  -c, --config FILE          flexisip.conf to read (default: $B2BUA_CONFIG or
                             /etc/flexisip/flexisip.conf if it exists, else the embedded default)
      --set SECTION/KEY=VALUE
                             override a configuration key (repeatable)
      --dump-default         print the default configuration and exit
  -d, --debug                log at debug level
  -v, --version              print versions (b2bua, node, libsrtp, OpenSSL, bzrtp) and exit
  -h, --help                 print this help and exit

Signals: SIGTERM/SIGINT drain calls then exit; SIGHUP reloads the reloadable keys.
Exit codes: 0 clean stop, 1 bad configuration, 2 bad arguments.`;

/** `section/key=value`: the section may contain `::`, never `/`. */
export function parseOverride(text: string): Override {
  const slash = text.indexOf('/');
  const equals = text.indexOf('=', slash);
  if (slash <= 0 || equals < 0 || equals === slash + 1) {
    throw new ArgumentError(`--set expects SECTION/KEY=VALUE, got '${text}'`);
  }
  return { section: text.slice(0, slash), key: text.slice(slash + 1, equals), value: text.slice(equals + 1) };
}

export function parseArguments(argv: readonly string[]): Arguments {
  let command: Command = 'run';
  let configPath: string | undefined;
  let debug = false;
  const overrides: Override[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new ArgumentError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '-c':
      case '--config':
        configPath = value();
        break;
      case '--set':
        overrides.push(parseOverride(value()));
        break;
      case '--server': {
        const server = value();
        if (server !== 'b2bua') throw new ArgumentError(`this program only runs the b2bua server, not '${server}'`);
        break;
      }
      case '-d':
      case '--debug':
        debug = true;
        break;
      case '--dump-default':
        command = 'dump-default';
        break;
      case '-v':
      case '--version':
        command = 'version';
        break;
      case '-h':
      case '--help':
        command = 'help';
        break;
      default:
        throw new ArgumentError(`unknown argument '${arg}'`);
    }
  }
  return { command, overrides, debug, ...(configPath === undefined ? {} : { configPath }) };
}
