// What the capacity benchmark needs from a relay under test, and the line-protocol adapter shared
// by the bare C++ relay and the engine host (both read `call ...` lines and answer `ports a b`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Base64 master key||salt per direction: *Tx = what the generator sends with, *Rx = what the relay sends with. */
export interface CallKeys {
  aTx: string;
  aRx: string;
  bTx: string;
  bRx: string;
}

export interface CallPorts {
  relayA: number;
  relayB: number;
  /** Keys the relay protects with towards each leg (chosen by the relay, or echoed back). */
  aRx: string;
  bRx: string;
}

export interface RelayUnderTest {
  readonly name: string;
  readonly pid: number;
  /** Prefix of the thread names whose CPU counts as the relay's ('' = the whole process). */
  readonly threadPrefix: string;
  setupCall(generatorA: number, generatorB: number, keys: CallKeys): Promise<CallPorts>;
  /** Called once every call is set up, before traffic starts; may report native bytes per call. */
  start?(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export class RelayProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayProcessError';
  }
}

/** Reads a child's stdout line by line; `next(prefix)` waits for the next line starting with it. */
export class LineReader {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(child: ChildProcess, private readonly label: string) {
    const reader = createInterface({ input: child.stdout! });
    reader.on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
    reader.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  async next(prefix: string): Promise<string> {
    for (;;) {
      const index = this.lines.findIndex((line) => line.startsWith(prefix));
      if (index >= 0) return this.lines.splice(0, index + 1)[index].slice(prefix.length).trim();
      if (this.closed) throw new RelayProcessError(`${this.label} exited before printing "${prefix}"`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** A relay process speaking the `call`/`ports`/`go`/`running` line protocol on stdin/stdout. */
export class LineProtocolRelay implements RelayUnderTest {
  private readonly reader: LineReader;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly threadPrefix: string,
  ) {
    this.reader = new LineReader(child, name);
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  }

  static spawn(name: string, command: string, args: string[], threadPrefix: string): LineProtocolRelay {
    return new LineProtocolRelay(name, spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }), threadPrefix);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async setupCall(generatorA: number, generatorB: number, keys: CallKeys): Promise<CallPorts> {
    this.child.stdin!.write(`call ${generatorA} ${generatorB} ${keys.aTx} ${keys.aRx} ${keys.bTx} ${keys.bRx}\n`);
    const [relayA, relayB] = (await this.reader.next('ports ')).split(' ').map(Number);
    return { relayA, relayB, aRx: keys.aRx, bRx: keys.bRx };
  }

  async start(): Promise<number | undefined> {
    this.child.stdin!.write('go\n');
    const reported = await this.reader.next('running');
    return reported ? Number(reported) : undefined;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
