// Drives the C++ load generator (bench/native/loadgen.cc) over its line protocol: spawn it pinned,
// read its two ports, hand it one line per call, start the traffic and read its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { buildTool } from './build.js';
import { launcher } from './launcher.js';
import { LineReader, stopChild, type CallKeys } from './relay.js';

export interface LoadGeneratorOptions {
  calls: number;
  durationS: number;
  warmupS: number;
  /** SDES suite of what the generator exchanges on its leg-A socket, and on its leg-B socket. */
  suiteA: string;
  suiteB: string;
  /** The process whose CPU is reported as the relay's, and the prefix of its counted threads ('' = all). */
  relayPid: number;
  relayThread: string;
  cpu: number;
  realtime: boolean;
}

/** What loadgen prints on its `result` line. */
export interface LoadResult {
  calls: number;
  sent: number;
  received: number;
  lost: number;
  authFailures: number;
  corrupt: number;
  duplicates: number;
  reordered: number;
  unknownSource: number;
  sendErrors: number;
  generatorOverruns: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  forwardedPps: number;
  relayCpuPercent: number;
  generatorCpuPercent: number;
}

/** Every packet arrived once, authentic and intact. */
export const lossless = (result: LoadResult): boolean =>
  result.lost === 0 && result.authFailures === 0 && result.corrupt === 0 && result.duplicates === 0;

export class LoadGenerator {
  private constructor(
    private readonly child: ChildProcess,
    private readonly output: LineReader,
    /** Where the generator sends leg-A traffic from and expects it back; leg B likewise. */
    readonly portA: number,
    readonly portB: number,
    private readonly durationS: number,
  ) {}

  static async start(options: LoadGeneratorOptions): Promise<LoadGenerator> {
    const [command, ...prefix] = launcher(options.cpu, options.realtime);
    const child = spawn(
      command,
      [...prefix, buildTool('loadgen'), '--calls', String(options.calls), '--duration', String(options.durationS),
        '--warmup', String(options.warmupS), '--suite', options.suiteA, '--suite-b', options.suiteB,
        '--relay-pid', String(options.relayPid), '--relay-thread', options.relayThread],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const output = new LineReader(child, 'loadgen');
    try {
      const [portA, portB] = (await output.next('ports ')).split(' ').map(Number);
      return new LoadGenerator(child, output, portA, portB, options.durationS);
    } catch (error) {
      await stopChild(child);
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** One call: the relay's port facing each of our sockets, and the four keys (see CallKeys). */
  addCall(relayA: number, relayB: number, keys: CallKeys): void {
    this.child.stdin!.write(`call ${relayA} ${relayB} ${keys.aTx} ${keys.aRx} ${keys.bTx} ${keys.bRx}\n`);
  }

  /** Sends every call's media for the configured duration; resolves with what came back. */
  async run(): Promise<LoadResult> {
    this.child.stdin!.write('go\n');
    // A generator starved off its CPU would otherwise hang the benchmark: a missing result fails the step.
    const watchdog = setTimeout(() => this.child.kill('SIGKILL'), (this.durationS + 60) * 1000);
    try {
      return JSON.parse(await this.output.next('result ')) as LoadResult;
    } finally {
      clearTimeout(watchdog);
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
