// Human-readable rendering of pino's JSON lines (`log-format=pretty`), without a worker thread.
import { Writable } from 'node:stream';

const FIXED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function formatPrettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = String(record.level ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(record)
    .filter(([name]) => !FIXED.has(name))
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, level, String(record.msg ?? ''), ...fields].filter((part) => part !== '').join(' ');
}

/** A stream pino writes JSON lines into; it writes the pretty form to `out`. */
export function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') out.write(`${formatPrettyLine(line)}\n`);
      }
      done();
    },
  });
}
