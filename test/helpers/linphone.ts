// Linphone (Debian linphone-cli 5.1, linphone-daemon) run headless: one HOME per agent, a
// linphonerc on allocated ports, the control socket /tmp/<pipe>, events read from its stdout and the
// negotiated media read from its liblinphone log (the daemon has no command that reports them).
// Traps it avoids are in the comments of `linphonerc`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, freePorts } from './ports.js';
import { startPeer, type Peer } from './processes.js';

const LINPHONE_DAEMON = '/usr/bin/linphone-daemon';

/** linphonerc `media_encryption` values; `dtls` cannot be set through the daemon, only here. */
export type LinphoneEncryption = 'none' | 'srtp' | 'zrtp' | 'dtls';

export interface LinphoneOptions {
  /** User part of its SIP identity. */
  user: string;
  /** Its policy, mandatory for an encryption: it refuses calls in another mode. */
  encryption: LinphoneEncryption;
  autoAnswer?: boolean;
  /** Registers `sip:<user>@127.0.0.1:<port>` to this registrar (127.0.0.1), which is also its outbound proxy. */
  registrarPort?: number;
}

export class DaemonCommandError extends Error {
  constructor(readonly command: string, readonly answer: string) {
    super(`linphone-daemon refused '${command}': ${answer.trim()}`);
    this.name = 'DaemonCommandError';
  }
}

/** One block the daemon prints on stdout: `Event-type: call-state-changed`, `Event: LinphoneCall…`, `Id: 1`. */
export interface DaemonEvent {
  readonly type: string;
  readonly event: string;
  readonly id: string | undefined;
}

const agents = new Set<Linphone>();

const START_ATTEMPTS = 5;

export class Linphone {
  private readonly events: DaemonEvent[] = [];
  private eventWaiters = new Set<() => void>();
  private pending = '';
  private parsing: { type: string; event?: string; id?: string } | undefined;
  /** Commands are serialised: the daemon takes one client at a time. */
  private commandQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly options: LinphoneOptions,
    readonly daemon: Peer,
    readonly home: string,
    readonly pipe: string,
    readonly logPath: string,
    readonly sipPort: number,
  ) {
    daemon.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk.toString('utf8')));
    daemon.exited.then(() => this.wakeEventWaiters());
  }

  /**
   * Starts a daemon on newly allocated ports. An allocated port can still be taken by another
   * process before the daemon binds it (parallel test files bind ephemeral ports too), and the daemon
   * then runs on without a SIP listening point: such a start is retried on other ports.
   */
  static async start(options: LinphoneOptions): Promise<Linphone> {
    for (let attempt = 1; ; attempt++) {
      const agent = await Linphone.startOnce(options);
      if (!agent.readLog().toString('utf8').includes(`bind() failed for 127.0.0.1 port ${agent.sipPort}`)) return agent;
      await agent.stop();
      if (attempt === START_ATTEMPTS) throw new Error(`linphone-daemon found its SIP port taken ${START_ATTEMPTS} times`);
    }
  }

  private static async startOnce(options: LinphoneOptions): Promise<Linphone> {
    const home = mkdtempSync(join(tmpdir(), `b2bua-linphone-${options.user}-`));
    // The DTLS certificate and the ZRTP cache go there; without it the first DTLS call aborts the daemon.
    mkdirSync(join(home, '.local/share/linphone'), { recursive: true });
    const sipPort = await freePort();
    const [rtpPort] = await freePorts(1, { even: true });
    const rc = join(home, 'linphonerc');
    writeFileSync(rc, linphonerc(options, home, sipPort, rtpPort!));
    const pipeName = `b2bua-lp-${process.pid}-${sipPort}`;
    const logPath = join(home, 'linphone.log');
    const args = ['--config', rc, '--log', logPath, '--pipe', pipeName, ...(options.autoAnswer ? ['--auto-answer'] : [])];
    const daemon = startPeer(LINPHONE_DAEMON, args, { env: { ...process.env, HOME: home } });
    const agent = new Linphone(options, daemon, home, `/tmp/${pipeName}`, logPath, sipPort);
    agents.add(agent);
    // PCMU only: a codec every peer has, so both legs of a B2BUA carry the same payload.
    await agent.command('audio-codec-disable ALL');
    await agent.command('audio-codec-enable PCMU/8000/1');
    return agent;
  }

  /** Its address of record at the registrar, or its own address when it has none. */
  get uri(): string {
    return `sip:${this.options.user}@127.0.0.1:${this.options.registrarPort ?? this.sipPort}`;
  }

  /** Resolves once its registration is accepted (polled: the daemon emits no registration event). */
  async registered(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.command('register-status ALL');
      if (/State: LinphoneRegistrationOk/.test(answer)) return;
      if (/State: LinphoneRegistrationFailed/.test(answer) || Date.now() > deadline) {
        throw new Error(`${this.options.user} did not register: ${answer.trim()}`);
      }
      await sleep(50);
    }
  }

  /** Sends one command; resolves with the answer, throws DaemonCommandError on `Status: Error`. */
  command(line: string): Promise<string> {
    const run = this.commandQueue.then(() => this.send(line));
    this.commandQueue = run.catch(() => undefined);
    return run.then((answer) => {
      if (!/^Status: Ok/m.test(answer)) throw new DaemonCommandError(line, answer);
      return answer;
    });
  }

  /** Places a call; resolves with its call id. */
  async call(uri: string): Promise<string> {
    return field(await this.command(`call ${uri}`), 'Id');
  }

  /** The number of events so far: pass it as `after` to wait for an event that comes later. */
  mark(): number {
    return this.events.length;
  }

  /**
   * Resolves with the first call-state event named `state` (`StreamsRunning`, `Paused`…, without
   * the `LinphoneCall` prefix) after event number `after`, for call `id` if given.
   */
  waitForCallState(state: string, options: { id?: string; after?: number; timeoutMs?: number } = {}): Promise<DaemonEvent> {
    const wanted = `LinphoneCall${state}`;
    return this.waitForEvent(
      (event) => event.type === 'call-state-changed' && event.event === wanted && (options.id === undefined || event.id === options.id),
      `${this.options.user}: call${options.id ? ` ${options.id}` : ''} ${state}`,
      options.after ?? 0,
      options.timeoutMs,
    );
  }

  /** The call ids whose last state is not Released: what the daemon still holds. */
  liveCalls(): string[] {
    const last = new Map<string, string>();
    for (const event of this.events) if (event.type === 'call-state-changed' && event.id) last.set(event.id, event.event);
    return [...last].filter(([, state]) => state !== 'LinphoneCallReleased').map(([id]) => id);
  }

  /** Ends every call it still holds (clean-up after a failed test) and waits until they are released. */
  async hangUpAll(): Promise<void> {
    await Promise.all(
      this.liveCalls().map(async (id) => {
        await this.command(`terminate ${id}`).catch(() => undefined); // it may be ending already
        await this.waitForCallState('Released', { id });
      }),
    );
  }

  /** Byte length of its log now: what a call logs comes after it. */
  logOffset(): number {
    return this.readLog().length;
  }

  /** Its log from `offset` on (bytes, as `logOffset`). */
  logSince(offset = 0): string {
    return this.readLog().subarray(offset).toString('utf8');
  }

  /** Kills the daemon by PID, keeping its HOME (and log) for reading. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    return this.daemon.kill(signal);
  }

  /** Kills the daemon and removes its HOME. */
  async stop(): Promise<void> {
    await this.kill();
    agents.delete(this);
    rmSync(this.home, { recursive: true, force: true });
    rmSync(this.pipe, { force: true });
  }

  private readLog(): Buffer {
    try {
      return readFileSync(this.logPath);
    } catch {
      return Buffer.alloc(0); // not written yet
    }
  }

  private waitForEvent(matches: (event: DaemonEvent) => boolean, what: string, after: number, timeoutMs = 15_000): Promise<DaemonEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(after).find(matches);
        if (found || this.daemon.child.exitCode !== null || this.daemon.child.signalCode !== null) {
          this.eventWaiters.delete(check);
          clearTimeout(timer);
          if (found) resolve(found);
          else reject(new Error(`linphone-daemon exited before ${what}; events: ${this.describeEvents()}`));
        }
      };
      const timer = setTimeout(() => {
        this.eventWaiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; events: ${this.describeEvents()}`));
      }, timeoutMs);
      this.eventWaiters.add(check);
      check();
    });
  }

  private describeEvents(): string {
    return this.events.map((event) => `${event.id ?? '-'}:${event.event}`).join(' ') || '(none)';
  }

  /**
   * Events come out on stdout whenever no client holds the control socket, as
   * `Event-type: T`, a blank line, `Event: E`, other fields (`Id: N`), then blank lines.
   */
  private onStdout(text: string): void {
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      const [key, value] = splitField(line);
      if (key === 'Event-type') this.parsing = { type: value };
      else if (!this.parsing) continue;
      else if (key === 'Event') this.parsing.event = value;
      else if (key === 'Id') this.parsing.id = value;
      else if (key === undefined && this.parsing.event !== undefined) {
        this.events.push({ type: this.parsing.type, event: this.parsing.event, id: this.parsing.id });
        this.parsing = undefined;
      }
    }
    this.wakeEventWaiters();
  }

  private wakeEventWaiters(): void {
    for (const check of [...this.eventWaiters]) check();
  }

  private async send(line: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await exchange(this.pipe, line);
      } catch (error) {
        if (attempt > 100 || this.daemon.child.exitCode !== null) throw error;
        await sleep(50); // the socket is not there yet, or another client holds it: no event tells when it is free
      }
    }
  }
}

/** Stops every agent still running and removes their HOMEs (call from an `after` hook). */
export async function stopAllLinphones(): Promise<void> {
  await Promise.all([...agents].map((agent) => agent.stop()));
}

/** One line on the control socket; the answer is complete once its Status line and fields are in. */
function exchange(pipe: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(pipe);
    let answer = '';
    socket.once('error', reject);
    // A daemon that never answers fails the command rather than hanging the test.
    socket.setTimeout(10_000, () => socket.destroy(new Error(`linphone-daemon did not answer '${line}' within 10 s`)));
    // Refused while another client held the socket: retried by the caller.
    socket.once('close', () => reject(new Error(`linphone-daemon closed ${pipe} without answering '${line}'`)));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      // The daemon writes the whole answer at once: Status, optional Reason, blank line, fields.
      if (/^Status: (Ok|Error)/m.test(answer)) {
        socket.end();
        resolve(answer);
      }
    });
    socket.once('connect', () => socket.write(`${line}\n`));
  });
}

/**
 * oRTP's counters of the first audio session in a log excerpt: printed when the stream stops, so
 * undefined while it runs.
 */
export function rtpStatistics(log: string): { sent: number; received: number } | undefined {
  const statistics = log.split("AUDIO SESSION'S RTP STATISTICS")[1];
  if (statistics === undefined) return undefined;
  const count = (label: string) => Number(new RegExp(`-${label} +(\\d+) packets`).exec(statistics)?.[1]);
  return { sent: count('sent'), received: count('received') };
}

/** `Key: value` as [key, value]; [undefined, ''] for a line that is not a field. */
function splitField(line: string): [string | undefined, string] {
  const match = /^([A-Za-z-]+): ?(.*)$/.exec(line.trim());
  return match ? [match[1], match[2]!.trim()] : [undefined, ''];
}

/** A `Key: value` field of a daemon answer. */
export function field(answer: string, key: string): string {
  const value = new RegExp(`^${key}: (.+)$`, 'm').exec(answer)?.[1];
  if (value === undefined) throw new Error(`no ${key} in the daemon's answer: ${answer.trim()}`);
  return value.trim();
}

function linphonerc(options: LinphoneOptions, home: string, sipPort: number, rtpPort: number): string {
  const { user, encryption } = options;
  // Mandatory with none would make it drop every RTP packet it sends.
  const mandatory = encryption !== 'none';
  const lines = [
    '[sip]',
    `sip_port=${sipPort}`,
    'sip_tcp_port=0', // -1 would mean a random port, not disabled
    'sip_tls_port=0',
    'bind_address=127.0.0.1',
    `contact="${user}" <sip:${user}@127.0.0.1:${sipPort}>`,
    'guess_hostname=0', // else From/Contact carry the eth0 address
    'use_ipv6=0',
    `media_encryption=${encryption}`,
    `media_encryption_mandatory=${mandatory ? 1 : 0}`,
    `default_proxy=${options.registrarPort === undefined ? -1 : 0}`,
    'inc_timeout=60',
    '[rtp]',
    `audio_rtp_port=${rtpPort}`,
    'bind_address=127.0.0.1', // also the c= address of its SDP
    '[video]', 'enabled=0', 'capture=0', 'display=0', 'automatically_initiate=0', 'automatically_accept=0',
    '[sound]',
    // Without a sound card this file is the microphone; Debian's default path does not exist (no RTP then).
    'hold_music=/usr/share/sounds/linphone/toy-mono.wav',
    'echocancellation=0',
    '[storage]', `uri=${join(home, 'linphone.db')}`,
    '[misc]', 'max_calls=10',
  ];
  if (options.registrarPort !== undefined) {
    const registrar = `sip:127.0.0.1:${options.registrarPort};transport=udp`;
    lines.push(
      '[proxy_0]',
      `reg_proxy=<${registrar}>`,
      `reg_route=<${registrar};lr>`,
      `reg_identity="${user}" <sip:${user}@127.0.0.1:${options.registrarPort}>`,
      'reg_expires=3600',
      'reg_sendregister=1',
      'publish=0',
    );
  }
  return `${lines.join('\n')}\n`;
}
