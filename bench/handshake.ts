// `npm run bench -- handshake [--seconds S] [--calls N]`: key-exchange cost, side by side in one run.
//   1. Handshakes per second on one core, both ends in one thread (native/tools/handshake_bench.cc):
//      the engine's DTLS-SRTP beside a bare OpenSSL DTLS 1.2 loop (same certificate type, memory
//      BIOs), and ZRTP through bzrtp with DH3k and with X25519.
//   2. Time from the first handshake packet to the first decrypted RTP packet, p50/p99, through the
//      real engine on loopback: bridge X's leg 1 and bridge Y's leg 0 run DTLS (or ZRTP) with each
//      other; a plain RTP sender on X leg 0 and a receiver on Y leg 1 close the path. The clock starts
//      when the leg that speaks first is configured and stops when the receiver has the packet.
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MediaEngine } from '../src/media/engine.js';
import type { MediaBridge } from '../src/media/bridge.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tool = `${root}build/tools/handshake_bench`;

async function runRates(seconds: number): Promise<void> {
  if (!existsSync(tool)) throw new Error(`${tool} is missing: run \`npm run build:native\` first`);
  const { stdout } = await promisify(execFile)(tool, [String(seconds)]);
  const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as { case: string; median: number; best: number });
  const row = (name: string) => rows.find((r) => r.case === name) ?? { median: NaN, best: NaN };
  console.log(`\nHandshakes per second on one core, both ends in the same thread (${seconds} s per case, 5 interleaved rounds)\n`);
  console.log(`${'case'.padEnd(46)}${'median / best'.padStart(16)}${'vs bare'.padStart(10)}`);
  const line = (label: string, name: string, bare?: number) => {
    const { median, best } = row(name);
    const ratio = bare ? `${((median / bare) * 100).toFixed(0)}%` : '';
    console.log(`${label.padEnd(46)}${`${median.toFixed(0)} / ${best.toFixed(0)}`.padStart(16)}${ratio.padStart(10)}`);
  };
  line('DTLS 1.2, bare OpenSSL loop (memory BIOs)', 'dtls-bare-openssl');
  line('DTLS-SRTP, engine (DtlsSession)', 'dtls-engine', row('dtls-bare-openssl').median);
  line('ZRTP DH3k, engine (bzrtp)', 'zrtp-dh3k');
  line('ZRTP X25519, engine (bzrtp)', 'zrtp-x25519');
}

async function udp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function rtpPacket(seq: number): Buffer {
  const packet = Buffer.alloc(172);
  packet[0] = 0x80;
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(0x5eed, 8);
  return packet;
}

type Mode = 'dtls' | 'zrtp';

/** One call: handshake between X leg 1 and Y leg 0, then one RTP packet end to end. Returns ms. */
async function oneCall(engine: MediaEngine, mode: Mode, sender: Socket, receiver: Socket, seq: number): Promise<number> {
  const x = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  const y = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  const xPort = x.streams[0]!.legs[1].rtpPort;
  const yPort = y.streams[0]!.legs[0].rtpPort;
  x.updateLeg(0, 0, { mode: 'none', remote: { address: '127.0.0.1', rtpPort: sender.address().port } });
  y.updateLeg(0, 1, { mode: 'none', remote: { address: '127.0.0.1', rtpPort: receiver.address().port } });
  const ready = (bridge: MediaBridge) =>
    new Promise<void>((resolve, reject) => {
      const fail = (event: { reason: string }) => reject(new Error(event.reason));
      if (mode === 'dtls') bridge.once('dtls-connected', () => resolve()).once('dtls-failed', fail);
      else bridge.once('zrtp-secure', () => resolve()).once('zrtp-failed', fail);
    });
  const both = Promise.all([ready(x), ready(y)]);
  const arrived = once(receiver, 'message');
  const fingerprint = engine.dtlsFingerprint;
  let start: bigint;
  if (mode === 'dtls') {
    y.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint }, remote: { address: '127.0.0.1', rtpPort: xPort } });
    start = process.hrtime.bigint();
    x.updateLeg(0, 1, { mode: 'dtls', dtls: { setup: 'active', fingerprint }, remote: { address: '127.0.0.1', rtpPort: yPort } });
  } else {
    const hashX = x.zrtpHelloHash(0, 1);
    const hashY = y.zrtpHelloHash(0, 0);
    start = process.hrtime.bigint();
    x.updateLeg(0, 1, { mode: 'zrtp', zrtp: { peerHelloHash: hashY }, remote: { address: '127.0.0.1', rtpPort: yPort } });
    y.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashX }, remote: { address: '127.0.0.1', rtpPort: xPort } });
  }
  await both;
  sender.send(rtpPacket(seq), x.streams[0]!.legs[0].rtpPort, '127.0.0.1');
  await arrived;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  await Promise.all([x.close(), y.close()]);
  return elapsed;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runLatency(calls: number): Promise<void> {
  const engine = new MediaEngine({ threads: 1 });
  const sender = await udp();
  const receiver = await udp();
  console.log(`\nFirst handshake packet to first decrypted RTP packet, through the engine on loopback (${calls} calls each, one at a time)\n`);
  console.log(`${'mode'.padEnd(30)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`);
  try {
    for (const mode of ['dtls', 'zrtp'] as const) {
      const times: number[] = [];
      for (let i = 0; i < calls; i++) times.push(await oneCall(engine, mode, sender, receiver, i));
      times.sort((a, b) => a - b);
      const label = mode === 'dtls' ? 'DTLS-SRTP (engine to engine)' : 'ZRTP (engine to engine)';
      console.log(`${label.padEnd(30)}${percentile(times, 50).toFixed(2).padStart(10)}${percentile(times, 99).toFixed(2).padStart(10)}${times[times.length - 1]!.toFixed(2).padStart(10)}`);
    }
  } finally {
    sender.close();
    receiver.close();
    engine.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  await runRates(option('--seconds', 2));
  await runLatency(option('--calls', 200));
}
