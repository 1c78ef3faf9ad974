// rtpengine (Debian's rtpengine-daemon) as a relay under test: installed on demand, started on
// loopback in userspace only (no kernel table), and driven over its ng control protocol to bridge
// each call SDES<->SDES exactly like the other relays.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { bdecode, bencode, type BValue } from './bencode.js';
import { stopChild, type CallKeys, type CallPorts, type RelayUnderTest } from './relay.js';

const BINARY = '/usr/bin/rtpengine';

export class RtpengineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RtpengineError';
  }
}

/** Installs rtpengine-daemon with apt if the binary is missing (the benchmark may run on a fresh machine). */
export function ensureRtpengineInstalled(): void {
  if (existsSync(BINARY)) return;
  console.error('rtpengine not found: apt-get install -y rtpengine-daemon');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'rtpengine-daemon'], { stdio: 'inherit', env }).status === 0;
  // A fresh machine may not have package lists yet.
  if (!install() && spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status === 0) install();
  if (!existsSync(BINARY)) throw new RtpengineError('could not install rtpengine-daemon');
}

/** Minimal ng client: one request in flight per cookie, replies matched by cookie. */
class NgClient {
  private readonly socket: Socket = createSocket('udp4');
  private readonly pending = new Map<string, (reply: { [key: string]: BValue }) => void>();
  private next = 0;

  constructor(private readonly port: number) {
    this.socket.on('message', (message) => {
      const space = message.indexOf(0x20);
      const cookie = message.subarray(0, space).toString();
      const resolve = this.pending.get(cookie);
      if (!resolve) return;
      this.pending.delete(cookie);
      resolve(bdecode(message.subarray(space + 1)) as { [key: string]: BValue });
    });
  }

  request(command: { [key: string]: BValue }, timeoutMs = 5000): Promise<{ [key: string]: BValue }> {
    const cookie = `c${this.next++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new RtpengineError(`ng ${String(command.command)} timed out`));
      }, timeoutMs);
      this.pending.set(cookie, (reply) => {
        clearTimeout(timer);
        if (reply.result !== 'ok' && reply.result !== 'pong') reject(new RtpengineError(`ng ${String(command.command)}: ${JSON.stringify(reply)}`));
        else resolve(reply);
      });
      this.socket.send(Buffer.concat([Buffer.from(`${cookie} `), bencode(command)]), this.port, '127.0.0.1');
    });
  }

  close(): void {
    this.socket.close();
  }
}

function sdp(port: number, suite: string, tag: number, key: string): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/SAVP 0`,
    'a=rtpmap:0 PCMU/8000',
    `a=crypto:${tag} ${suite} inline:${key}`,
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The media port and the crypto line rtpengine chose for `suite` in an SDP it produced. */
function parseRelaySdp(text: string, suite: string): { port: number; tag: number; key: string } {
  const media = /^m=audio (\d+) /m.exec(text);
  const crypto = new RegExp(`^a=crypto:(\\d+) ${suite} inline:([A-Za-z0-9+/=]+)`, 'm').exec(text);
  if (!media || !crypto) throw new RtpengineError(`no ${suite} audio in rtpengine's SDP:\n${text}`);
  return { port: Number(media[1]), tag: Number(crypto[1]), key: crypto[2] };
}

/**
 * rtpengine bridges SDES to SDES by passing the offerer's key through when the answerer picks the
 * offerer's suite (no crypto at all). Leg B therefore answers with a different suite, one that
 * rtpengine offered with a key of its own; rtpengine then answers leg A with a fresh key too, and
 * must decrypt and re-encrypt every packet both ways, like the relays it is compared with.
 */
export class Rtpengine implements RelayUnderTest {
  readonly name = 'rtpengine (userspace)';
  readonly threadPrefix = '';
  private constructor(
    private readonly child: ChildProcess,
    private readonly ng: NgClient,
    private readonly suiteA: string,
    private readonly suiteB: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts rtpengine with one worker thread, userspace forwarding only. `launcher` is the command
   * prefix that pins and prioritises it like the other relays (e.g. nice + taskset); it must exec.
   */
  static async start(options: { ngPort: number; launcher: string[]; suiteA: string; suiteB: string }): Promise<Rtpengine> {
    if (options.suiteA === options.suiteB) {
      throw new RtpengineError('rtpengine passes the keys through when both legs use the same suite; give --suite-b another one');
    }
    ensureRtpengineInstalled();
    const [command, ...prefix] = options.launcher;
    const args = [
      ...prefix, BINARY,
      '--config-file=none', '--foreground', '--log-stderr', '--log-level=3',
      '--table=-1', '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${options.ngPort}`,
      '--port-min=10000', '--port-max=29999', '--num-threads=1', '--timeout=600',
    ];
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const ng = new NgClient(options.ngPort);
    const engine = new Rtpengine(child, ng, options.suiteA, options.suiteB);
    for (let attempt = 0; ; attempt++) {
      try {
        await ng.request({ command: 'ping' }, 200);
        return engine;
      } catch (error) {
        if (child.exitCode !== null || attempt > 50) {
          await engine.stop();
          throw new RtpengineError(`rtpengine did not answer ng ping: ${String(error)}\n${log}`);
        }
      }
    }
  }

  async setupCall(generatorA: number, generatorB: number, keys: Pick<CallKeys, 'aTx' | 'bTx'>): Promise<CallPorts> {
    const callId = randomBytes(8).toString('hex');
    const common = { 'call-id': callId, 'from-tag': 'a', ICE: 'remove', DTLS: 'off' };
    const offer = await this.ng.request({ ...common, command: 'offer', sdp: sdp(generatorA, this.suiteA, 1, keys.aTx) });
    const towardsB = parseRelaySdp(String(offer.sdp), this.suiteB);
    const answer = await this.ng.request({
      ...common,
      command: 'answer',
      'to-tag': 'b',
      sdp: sdp(generatorB, this.suiteB, towardsB.tag, keys.bTx),
    });
    const towardsA = parseRelaySdp(String(answer.sdp), this.suiteA);
    if (towardsA.key === keys.aTx || towardsB.key === keys.aTx) throw new RtpengineError('rtpengine passed the SDES keys through');
    return { relayA: towardsA.port, relayB: towardsB.port, aRx: towardsA.key, bRx: towardsB.key };
  }

  async stop(): Promise<void> {
    this.ng.close();
    await stopChild(this.child);
  }
}
