// Engine and bridge lifecycle: port ranges, argument checking, timeouts, leaks, shutdown paths.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { MediaEngine } from '../../src/media/engine.js';
import { loadAddon } from '../../src/native/addon.js';
import { EngineClosedError, PortsExhaustedError, UnknownBridgeError } from '../../src/media/errors.js';
import { freeEvenPortBlock } from '../helpers/ports.js';
import { killAllPeers, startPeer } from '../helpers/processes.js';
import { collectGarbage } from '../helpers/gc.js';
import { UdpPeer, configureLeg } from './harness.js';

after(killAllPeers);
const LOOPBACK: [string, string] = ['127.0.0.1', '127.0.0.1'];
const openFds = () => readdirSync('/proc/self/fd').length;
const { nativeHeapInUse, liveObjects } = loadAddon();

test('a port range hands out even RTP ports with RTCP = RTP + 1, and says clearly when it is full', async () => {
  const base = await freeEvenPortBlock(4);
  // Room for two pairs = one bridge (two legs). Another process may hold a port in it: then fewer.
  const engine = new MediaEngine({ threads: 1, audioPorts: `${base}-${base + 3}` });
  try {
    const bridge = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    const ports = bridge.streams[0]!.legs.map((l) => [l.rtpPort, l.rtcpPort]);
    assert.deepEqual(ports.flat().sort(), [base, base + 1, base + 2, base + 3]);
    for (const [rtp, rtcp] of ports) {
      assert.equal(rtp! % 2, 0);
      assert.equal(rtcp, rtp! + 1);
    }
    assert.throws(() => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]), (error: unknown) => {
      assert.ok(error instanceof PortsExhaustedError);
      assert.match(error.message, new RegExp(`no free RTP/RTCP port pair in range ${base}-${base + 3}`));
      return true;
    });
    await bridge.close();
    const again = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    assert.deepEqual(again.streams[0]!.legs.flatMap((l) => [l.rtpPort, l.rtcpPort]).sort(), [base, base + 1, base + 2, base + 3]);
  } finally {
    engine.close();
  }
});

test('the video range is separate from the audio range', async () => {
  const audio = await freeEvenPortBlock(4);
  let video = await freeEvenPortBlock(4);
  while (Math.abs(video - audio) < 4) video = await freeEvenPortBlock(4);
  const engine = new MediaEngine({ threads: 1, audioPorts: `${audio}-${audio + 3}`, videoPorts: `${video}-${video + 3}` });
  try {
    const bridge = engine.createBridge([
      { kind: 'audio', localAddresses: LOOPBACK },
      { kind: 'video', localAddresses: LOOPBACK },
    ]);
    assert.equal(Math.min(...bridge.streams[0]!.legs.map((l) => l.rtpPort)), audio);
    assert.equal(Math.min(...bridge.streams[1]!.legs.map((l) => l.rtpPort)), video);
  } finally {
    engine.close();
  }
});

test('bad arguments throw TypeError and leave the engine working', async () => {
  assert.throws(() => new MediaEngine({ audioPorts: '20000-' }), TypeError);
  assert.throws(() => new MediaEngine({ audioPorts: '70000' }), TypeError);
  assert.throws(() => new MediaEngine({ threads: 0 }), TypeError);
  const engine = new MediaEngine({ threads: 1 });
  try {
    const create = engine.createBridge.bind(engine) as (streams: unknown) => unknown;
    assert.throws(() => create('audio'), TypeError);
    assert.throws(() => create([]), TypeError);
    assert.throws(() => create([{ kind: 'text', localAddresses: LOOPBACK }]), TypeError);
    assert.throws(() => create([{ kind: 'audio', localAddresses: ['localhost', '127.0.0.1'] }]), TypeError);
    const bridge = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    const update = bridge.updateLeg.bind(bridge) as (stream: unknown, leg: unknown, settings: unknown) => void;
    const key30 = Buffer.alloc(30, 1);
    assert.throws(() => update(0, 2, { mode: 'none' }), TypeError);
    assert.throws(() => update(-1, 0, { mode: 'none' }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'dtls' }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'none', direction: 'both' }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'srtp' }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'srtp', srtp: { suite: 'NULL_CIPHER', sendKey: key30, receiveKey: key30 } }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'srtp', srtp: { suite: 'AEAD_AES_128_GCM', sendKey: key30, receiveKey: key30 } }), /28 bytes/);
    assert.throws(() => update(0, 0, { mode: 'none', remote: { address: '::1', rtpPort: 4000 } }), /address family/);
    assert.throws(() => update(0, 0, { mode: 'none', remote: { address: '127.0.0.1', rtpPort: 70000 } }), TypeError);
    assert.throws(() => update(0, 0, { mode: 'none', rtcpMux: 'yes' }), TypeError);
    assert.throws(() => update(1, 0, { mode: 'none' }), UnknownBridgeError);
    // Still alive and forwarding.
    const [a, b] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
    const A = configureLeg(bridge, 0, 0, a, { security: { mode: 'none' } });
    const B = configureLeg(bridge, 0, 1, b, { security: { mode: 'srtp', suite: 'AES_256_CM_HMAC_SHA1_32' } });
    const sent = await A.sendRtp();
    assert.deepEqual(await B.receiveRtp(), sent);
    a.close();
    b.close();
    await bridge.close();
    assert.throws(() => bridge.updateLeg(0, 0, { mode: 'none' }), UnknownBridgeError);
    await assert.rejects(bridge.stats(), UnknownBridgeError);
  } finally {
    engine.close();
  }
  assert.throws(() => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]), EngineClosedError);
});

test('rtp-timeout fires for a silent leg that should receive, and not for one that should not', async () => {
  const engine = new MediaEngine({ threads: 1, rtpTimeoutMs: 300 });
  try {
    const bridge = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    const [a, b] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
    configureLeg(bridge, 0, 0, a, { security: { mode: 'none' }, direction: 'sendonly' }); // we never receive from A
    const B = configureLeg(bridge, 0, 1, b, { security: { mode: 'none' } });
    const timeouts: unknown[] = [];
    const first = new Promise((resolve) => bridge.once('rtp-timeout', resolve));
    bridge.on('rtp-timeout', (event) => timeouts.push(event));
    await B.sendRtp(); // B is not silent yet; it goes quiet after this
    assert.deepEqual(await first, { stream: 0, leg: 1 });
    await bridge.stats();
    assert.deepEqual(timeouts, [{ stream: 0, leg: 1 }]); // once, and never for the sendonly leg
    a.close();
    b.close();
  } finally {
    engine.close();
  }
});

test('2,000 bridges created and closed leave no file descriptor and no native memory behind', async () => {
  const engine = new MediaEngine({ threads: 2 });
  try {
    const cycle = async (count: number) => {
      const bridges = [];
      for (let i = 0; i < count; i++) {
        const bridge = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
        bridge.updateLeg(0, 0, { mode: 'srtp', srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', sendKey: Buffer.alloc(30, i), receiveKey: Buffer.alloc(30, i + 1) } });
        bridge.updateLeg(0, 1, { mode: 'srtp', srtp: { suite: 'AEAD_AES_128_GCM', sendKey: Buffer.alloc(28, i), receiveKey: Buffer.alloc(28, i + 2) } });
        bridges.push(bridge);
      }
      await Promise.all(bridges.map((b) => b.close()));
    };
    await cycle(2000); // warm up: the allocators keep what a first peak took
    collectGarbage(); // key Buffers live in the native heap until V8 collects them
    const fds = openFds();
    const rss = process.memoryUsage.rss();
    const heap = nativeHeapInUse();
    await cycle(2000);
    collectGarbage();
    assert.equal(openFds(), fds);
    assert.equal(engine.bridgeCount, 0);
    // Every bridge and libsrtp session is gone (exact), and memory came back: 2,000 open bridges
    // hold ~32 MB of native memory. Node's own malloc use and the arenas move by a few MB between
    // samples, hence the allowances; libsrtp's internals are leak-checked by scripts/native-asan.sh.
    assert.deepEqual(liveObjects(), { bridges: 0, srtpSessions: 0 });
    const grown = nativeHeapInUse() - heap;
    assert.ok(grown < 8 * 1024 * 1024, `native heap grew by ${grown} bytes`);
    assert.ok(process.memoryUsage.rss() - rss < 16 * 1024 * 1024, `RSS grew by ${process.memoryUsage.rss() - rss} bytes`);
  } finally {
    engine.close();
  }
});

test('closing the engine with bridges open closes their sockets and settles their promises', async () => {
  const fds = openFds();
  const engine = new MediaEngine({ threads: 3 });
  const bridges = Array.from({ length: 20 }, () => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]));
  assert.ok(openFds() >= fds + 80);
  const pendingStats = bridges[0]!.stats();
  engine.close();
  await assert.rejects(pendingStats, EngineClosedError);
  await Promise.all(bridges.map((b) => b.close()));
  assert.equal(openFds(), fds);
});

test('in a worker_thread: the addon loads, bridges, and the thread exits cleanly without close()', async () => {
  const script = fileURLToPath(new URL('./fixtures/engine-in-worker.js', import.meta.url));
  for (const terminate of [false, true]) {
    const worker = new Worker(script, { workerData: { terminate } });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const message = await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(message, 'forwarded');
    if (terminate) await worker.terminate();
    assert.equal(await exited, terminate ? 1 : 0);
  }
});

test('a process that exits with an engine and bridges still open neither hangs nor crashes', async () => {
  const script = fileURLToPath(new URL('./fixtures/engine-in-worker.js', import.meta.url));
  const child = startPeer(process.execPath, [script]);
  assert.equal(await child.exited, 0);
  assert.match(child.output(), /forwarded/);
});
