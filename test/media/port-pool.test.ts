// The engine's pool of bound RTP/RTCP pairs: what createBridge hands out, how the pool refills on
// the media thread, and that closing the engine closes what the pool holds. A refill runs on the
// bridge's worker before any later command there, so awaiting a bridge's stats() waits for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { MediaEngine } from '../../src/media/engine.js';
import type { MediaBridge } from '../../src/media/bridge.js';
import { PortsExhaustedError } from '../../src/media/errors.js';
import { freeEvenPortBlock } from '../helpers/ports.js';

const LOOPBACK: [string, string] = ['127.0.0.1', '127.0.0.1'];
const openFds = () => readdirSync('/proc/self/fd').length;
const legPorts = (bridge: MediaBridge) => bridge.streams.flatMap((stream) => stream.legs.map((leg) => [leg.rtpPort, leg.rtcpPort] as const));

test('pooled and freshly bound legs alike get an even RTP port with RTCP = RTP + 1, never one in use', () => {
  const engine = new MediaEngine({ threads: 1 });
  try {
    // More pairs than the pool holds: some come from it, the rest are bound on the spot.
    const bridges = Array.from({ length: 100 }, () => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]));
    const rtpPorts = new Set<number>();
    for (const [rtp, rtcp] of bridges.flatMap(legPorts)) {
      assert.equal(rtp % 2, 0);
      assert.equal(rtcp, rtp + 1);
      rtpPorts.add(rtp);
    }
    assert.equal(rtpPorts.size, 200);
  } finally {
    engine.close();
  }
});

test('the pool refills on the media thread to the same size, and closing the engine closes it', async () => {
  const before = openFds();
  const engine = new MediaEngine({ threads: 1 });
  const engineOnly = openFds();
  const first = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
  await first.stats();
  const pooled = openFds() - engineOnly - 4;
  assert.ok(pooled > 0 && pooled % 2 === 0, `the pool holds pairs (${pooled} sockets)`);

  const more = Array.from({ length: pooled }, () => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]));
  await more.at(-1)!.stats();
  assert.equal(openFds(), engineOnly + 4 * (1 + more.length) + pooled, 'drained twice over, then refilled');
  await Promise.all([first, ...more].map((bridge) => bridge.close()));
  assert.equal(openFds(), engineOnly + pooled);

  engine.close();
  assert.equal(openFds(), before);
});

test('in a port range, no pair is handed out twice and a full range takes back what another address pooled', async () => {
  const base = await freeEvenPortBlock(8); // four pairs: two bridges
  const engine = new MediaEngine({ threads: 1, audioPorts: `${base}-${base + 7}` });
  try {
    const v4 = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    await v4.stats(); // the refill has pooled the two other pairs for 127.0.0.1
    const v6 = engine.createBridge([{ kind: 'audio', localAddresses: ['::1', '::1'] }]);
    const ports = [v4, v6].flatMap(legPorts).flat();
    assert.deepEqual([...ports].sort((a, b) => a - b), Array.from({ length: 8 }, (_, i) => base + i));
    assert.throws(() => engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]), PortsExhaustedError);

    await v4.close();
    const again = engine.createBridge([{ kind: 'audio', localAddresses: LOOPBACK }]);
    assert.deepEqual(
      [...[again, v6].flatMap(legPorts).flat()].sort((a, b) => a - b),
      Array.from({ length: 8 }, (_, i) => base + i),
    );
  } finally {
    engine.close();
  }
});
