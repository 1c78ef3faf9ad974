// The daemon's pino logger: level changeable at runtime (SIGHUP), JSON or pretty, secrets redacted.
import { pino, type Logger as PinoLogger } from 'pino';
import { prettyStream } from './pretty.js';
import { redactText, redactValue } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Defaults to stdout (journald captures it under systemd). */
  readonly out?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): PinoLogger {
  const out = options.out ?? process.stdout;
  const destination = options.format === 'pretty' ? prettyStream(out) : out;
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      hooks: {
        // Messages are strings built by callers (they may quote SDP): redact them too.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
