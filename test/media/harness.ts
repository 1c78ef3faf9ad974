// Test rig for the media engine: real UDP peers on loopback, each speaking SRTP through the
// independent oracle (test/helpers/srtp-oracle.ts) or plain RTP, on either side of a bridge.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MediaBridge, LegIndex, LegStats, BridgeStats } from '../../src/media/bridge.js';
import { makeRtpPacket, makeRtcpPacket, parseRtp, randomMasterKeySalt, SrtpContext, type SuiteName } from '../helpers/srtp-oracle.js';

/** A UDP socket that queues what it receives; `receive()` awaits the next datagram. */
export class UdpPeer {
  readonly #queue: { data: Buffer; port: number }[] = [];
  readonly #waiters: ((item: { data: Buffer; port: number }) => void)[] = [];

  private constructor(
    readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('message', (data, remote) => {
      const item = { data, port: remote.port };
      const waiter = this.#waiters.shift();
      if (waiter) waiter(item);
      else this.#queue.push(item);
    });
  }

  static async open(address = '127.0.0.1'): Promise<UdpPeer> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new UdpPeer(socket, address);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get queued(): number {
    return this.#queue.length;
  }

  send(data: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, this.address, (error) => (error ? reject(error) : resolve())));
  }

  /** The next datagram, with the port it came from. Rejects if none comes within 5 s, so a lost
   * packet fails its test with a message instead of hanging the run. */
  receiveFrom(): Promise<{ data: Buffer; port: number }> {
    const item = this.#queue.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no datagram reached ${this.address}:${this.port} within 5 s`));
      }, 5000);
      const waiter = (received: { data: Buffer; port: number }) => {
        clearTimeout(guard);
        resolve(received);
      };
      this.#waiters.push(waiter);
    });
  }

  async receive(): Promise<Buffer> {
    return (await this.receiveFrom()).data;
  }

  async receiveMany(count: number): Promise<Buffer[]> {
    const all: Buffer[] = [];
    while (all.length < count) all.push(await this.receive());
    return all;
  }

  close(): void {
    this.socket.close();
  }
}

export type LegSecurity = { mode: 'none' } | { mode: 'srtp'; suite: SuiteName };

/** One side of a bridge: the peer socket and what it uses to speak to the bridge. */
export class Endpoint {
  seq: number;
  timestamp = 0;
  readonly ssrc: number;
  constructor(
    readonly peer: UdpPeer,
    readonly bridgePort: number,
    readonly bridgeRtcpPort: number,
    public sender: SrtpContext | undefined, // protects what this peer sends (bridge's receiveKey)
    public receiver: SrtpContext | undefined, // opens what the bridge sends here (bridge's sendKey)
    firstSeq = 1000,
  ) {
    this.seq = firstSeq;
    this.ssrc = randomBytes(4).readUInt32BE(0);
  }

  /** A G.711-sized RTP packet; returns the plain packet sent. */
  async sendRtp(payload: Buffer = randomBytes(160), ssrc = this.ssrc): Promise<Buffer> {
    const plain = makeRtpPacket({ ssrc, seq: this.seq & 0xffff, timestamp: this.timestamp >>> 0, payloadType: 0, payload });
    this.seq++;
    this.timestamp += 160;
    await this.peer.send(this.sender ? this.sender.protectRtp(plain) : plain, this.bridgePort);
    return plain;
  }

  async sendRtcp(toPort = this.bridgeRtcpPort): Promise<Buffer> {
    const plain = makeRtcpPacket({ ssrc: this.ssrc, payload: randomBytes(20) });
    await this.peer.send(this.sender ? this.sender.protectRtcp(plain) : plain, toPort);
    return plain;
  }

  /** The next RTP packet the bridge sent here, unprotected by the oracle. */
  async receiveRtp(): Promise<Buffer> {
    const data = await this.peer.receive();
    return this.receiver ? this.receiver.unprotectRtp(data) : data;
  }

  async receiveRtcp(): Promise<Buffer> {
    const data = await this.peer.receive();
    return this.receiver ? this.receiver.unprotectRtcp(data) : data;
  }
}

export interface LegOptions {
  security: LegSecurity;
  rtcpMux?: boolean;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  address?: string;
}

export interface Keys {
  sendKey: Buffer;
  receiveKey: Buffer;
}

export function keysFor(security: LegSecurity): Keys | undefined {
  if (security.mode === 'none') return undefined;
  return { sendKey: randomMasterKeySalt(security.suite), receiveKey: randomMasterKeySalt(security.suite) };
}

/** Points a bridge leg at `peer` and returns the endpoint that speaks to it. */
export function configureLeg(bridge: MediaBridge, stream: number, leg: LegIndex, peer: UdpPeer, options: LegOptions): Endpoint {
  const keys = keysFor(options.security);
  const ports = bridge.streams[stream]!.legs[leg];
  bridge.updateLeg(stream, leg, {
    mode: options.security.mode,
    direction: options.direction ?? 'sendrecv',
    rtcpMux: options.rtcpMux ?? false,
    remote: { address: peer.address, rtpPort: peer.port, rtcpPort: peer.port }, // one socket per peer
    ...(options.security.mode === 'srtp' && keys ? { srtp: { suite: options.security.suite, ...keys } } : {}),
  });
  const suite = options.security.mode === 'srtp' ? options.security.suite : undefined;
  return new Endpoint(
    peer,
    ports.rtpPort,
    options.rtcpMux ? ports.rtpPort : ports.rtcpPort,
    suite && keys ? new SrtpContext(suite, keys.receiveKey) : undefined,
    suite && keys ? new SrtpContext(suite, keys.sendKey) : undefined,
  );
}

/** Asks for stats until `accept` holds (each request is a round trip through the media thread);
 * gives up after 5 s with the last stats, so a wrong expectation fails instead of hanging. */
export async function statsWhen(bridge: MediaBridge, accept: (stats: BridgeStats) => boolean): Promise<BridgeStats> {
  const giveUp = Date.now() + 5000;
  for (;;) {
    const stats = await bridge.stats();
    if (accept(stats)) return stats;
    if (Date.now() > giveUp) throw new Error(`stats never matched; last: ${JSON.stringify(stats)}`);
    await nextTurn();
  }
}

export function legStats(stats: BridgeStats, leg: LegIndex, stream = 0): LegStats {
  return stats.streams[stream]!.legs[leg];
}

/** Sends `count` RTP packets from `from` and checks `to` gets each payload intact and in order. */
export async function assertForwards(from: Endpoint, to: Endpoint, count: number, equal: (a: unknown, b: unknown) => void): Promise<void> {
  const sent: Buffer[] = [];
  for (let i = 0; i < count; i++) sent.push(await from.sendRtp());
  for (let i = 0; i < count; i++) {
    const got = parseRtp(await to.receiveRtp());
    const want = parseRtp(sent[i]!);
    equal({ seq: got.seq, ssrc: got.ssrc, payload: got.payload.toString('hex') }, { seq: want.seq, ssrc: want.ssrc, payload: want.payload.toString('hex') });
  }
}
