// The bench process's handle on the phones' engine (bench/calls-phone-host.ts, a pinned child):
// one request per call to open its bridge, one to connect it to the daemon's leg A.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launcher } from './native/launcher.js';
import { RelayProcessError, stopChild } from './native/relay.js';
import type { ConnectReply, ConnectRequest, OpenReply, OpenRequest } from './calls-phone-host.js';

const HOST = fileURLToPath(new URL('./calls-phone-host.js', import.meta.url));

/** The phones' side of a leg A handshake failed (DTLS or ZRTP), or the call is unknown to the host. */
export class PhoneConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhoneConnectError';
  }
}

interface Pending {
  resolve(reply: OpenReply & ConnectReply): void;
  reject(error: Error): void;
}

export class PhoneSide {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[phones] ${chunk.toString()}`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as OpenReply & ConnectReply;
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    child.once('exit', () => {
      for (const { reject } of this.pending.values()) reject(new RelayProcessError('the phones host exited'));
      this.pending.clear();
    });
  }

  /** Pinned to `cpu` at normal priority (nice -10), like the daemon (see raiseHelperThreads). */
  static start(cpu: number): PhoneSide {
    const [command, ...prefix] = launcher(cpu, false);
    return new PhoneSide(spawn(command, [...prefix, process.execPath, HOST], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** A new phone bridge; its id is the reply's `id`. */
  open(request: Omit<OpenRequest, 'op' | 'id'>): Promise<OpenReply> {
    return this.send({ op: 'open', id: this.nextId++, ...request });
  }

  /** Resolves once the phone's leg toward the daemon has its keys in use. */
  async connect(id: number, port: number, security: ConnectRequest['security']): Promise<void> {
    const reply = await this.send({ op: 'connect', id, port, security });
    if (reply.error) throw new PhoneConnectError(reply.error);
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  private send(request: OpenRequest | ConnectRequest): Promise<OpenReply & ConnectReply> {
    if (this.child.exitCode !== null) return Promise.reject(new RelayProcessError('the phones host exited'));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }
}
