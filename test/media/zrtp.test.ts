// ZRTP between two engine legs (each bridge's leg runs its own bzrtp context): the SAS both sides
// show, media end to end under the negotiated keys, a wrong a=zrtp-hash, and a lossy, reordering
// path for the handshake packets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MediaEngine } from '../../src/media/engine.js';
import type { HandshakeFailedEvent, MediaBridge, ZrtpSecureEvent } from '../../src/media/bridge.js';
import { UdpPeer, assertForwards, configureLeg, legStats } from './harness.js';

let engine: MediaEngine;
const peers: UdpPeer[] = [];
const bridges: MediaBridge[] = [];
before(() => {
  engine = new MediaEngine({ threads: 2, handshakeTimeoutMs: 10000 });
});
after(async () => {
  for (const peer of peers) peer.close();
  await Promise.all(bridges.map((bridge) => bridge.close()));
  engine.close();
});

async function openPeer(): Promise<UdpPeer> {
  const peer = await UdpPeer.open();
  peers.push(peer);
  return peer;
}

/**
 * Two bridges joined by a ZRTP trunk: plain caller -> bridge A leg 0, A leg 1 <-ZRTP-> B leg 0,
 * B leg 1 -> plain callee. `path` gives the ports each trunk leg sends to (direct or a relay).
 */
async function zrtpTrunk() {
  const a = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  const b = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridges.push(a, b);
  const caller = configureLeg(a, 0, 0, await openPeer(), { security: { mode: 'none' } });
  const callee = configureLeg(b, 0, 1, await openPeer(), { security: { mode: 'none' } });
  return { a, b, caller, callee, aPort: a.streams[0]!.legs[1].rtpPort, bPort: b.streams[0]!.legs[0].rtpPort };
}

/** The leg's zrtp-secure event; a zrtp-failed one rejects instead of leaving the test hanging. */
function secure(bridge: MediaBridge) {
  return new Promise<[ZrtpSecureEvent]>((resolve, reject) => {
    bridge.once('zrtp-secure', (event) => resolve([event]));
    bridge.once('zrtp-failed', (event) => reject(new Error(`zrtp failed: ${event.reason}`)));
  });
}

test('two engine legs agree on keys and SAS; media crosses the ZRTP trunk both ways', async () => {
  const { a, b, caller, callee, aPort, bPort } = await zrtpTrunk();
  const hashA = a.zrtpHelloHash(0, 1);
  const hashB = b.zrtpHelloHash(0, 0);
  assert.match(hashA, /^1\.10 [0-9a-f]{64}$/);
  assert.equal(a.zrtpHelloHash(0, 1), hashA, 'stable, so it can go into SDP');
  const secureA = secure(a);
  const secureB = secure(b);
  a.updateLeg(0, 1, { mode: 'zrtp', zrtp: { peerHelloHash: hashB }, remote: { address: '127.0.0.1', rtpPort: bPort } });
  b.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashA }, remote: { address: '127.0.0.1', rtpPort: aPort } });
  const [[eventA], [eventB]] = await Promise.all([secureA, secureB]);
  assert.equal(eventA.sas, eventB.sas, 'both ends of one ZRTP session show the same SAS');
  assert.match(eventA.sas, /^[a-z0-9]{4}$/, 'B32 rendering');
  assert.equal(eventA.profile, eventB.profile);
  assert.deepEqual([eventA.leg, eventB.leg], [1, 0]);
  await assertForwards(caller, callee, 5, assert.deepEqual);
  await assertForwards(callee, caller, 5, assert.deepEqual);
  const trunk = legStats(await a.stats(), 1);
  assert.equal(trunk.authFailures, 0);
  assert.ok(trunk.handshakePackets >= 4);
});

test('the peer Hello not matching its a=zrtp-hash fails the handshake', async () => {
  const { a, b, aPort, bPort } = await zrtpTrunk();
  const hashA = a.zrtpHelloHash(0, 1);
  const wrong = `1.10 ${'0'.repeat(64)}`;
  const failed = once(a, 'zrtp-failed') as Promise<[HandshakeFailedEvent]>;
  a.updateLeg(0, 1, { mode: 'zrtp', zrtp: { peerHelloHash: wrong }, remote: { address: '127.0.0.1', rtpPort: bPort } });
  b.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashA }, remote: { address: '127.0.0.1', rtpPort: aPort } });
  const [event] = await failed;
  assert.deepEqual(event, { stream: 0, leg: 1, reason: 'zrtp-hash mismatch' });
  const stats = legStats(await a.stats(), 1);
  assert.equal(stats.handshakeFailures, 1);
  assert.equal(stats.packetsOut, 0);
});

/**
 * A UDP middlebox between two ports. Per direction it loses the 2nd and 5th packets and swaps the
 * 3rd and 4th: early Hellos, HelloACKs and Commits are what gets lost or reordered.
 */
async function lossyRelay(aPort: number, bPort: number) {
  const towardA = await openPeer(); // B sends here; forwarded to A
  const towardB = await openPeer(); // A sends here; forwarded to B
  let dropped = 0;
  let reordered = 0;
  const pipe = (from: UdpPeer, via: UdpPeer, to: number) => {
    let count = 0;
    let held: Buffer | undefined;
    from.socket.removeAllListeners('message');
    from.socket.on('message', (data) => {
      count++;
      if (count === 2 || count === 5) {
        dropped++;
        return;
      }
      if (count === 3) {
        held = data;
        return;
      }
      void via.send(data, to);
      if (held) {
        void via.send(held, to);
        held = undefined;
        reordered++;
      }
    });
  };
  pipe(towardB, towardA, bPort); // A -> relay(towardB) -> sent from towardA to B
  pipe(towardA, towardB, aPort);
  return { towardA, towardB, dropped: () => dropped, reordered: () => reordered };
}

test('the handshake survives lost and reordered ZRTP packets', async () => {
  const { a, b, caller, callee, aPort, bPort } = await zrtpTrunk();
  const relay = await lossyRelay(aPort, bPort);
  const hashA = a.zrtpHelloHash(0, 1);
  const hashB = b.zrtpHelloHash(0, 0);
  const secureA = secure(a);
  const secureB = secure(b);
  a.updateLeg(0, 1, { mode: 'zrtp', zrtp: { peerHelloHash: hashB }, remote: { address: '127.0.0.1', rtpPort: relay.towardB.port } });
  b.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashA }, remote: { address: '127.0.0.1', rtpPort: relay.towardA.port } });
  const [[eventA], [eventB]] = await Promise.all([secureA, secureB]);
  assert.equal(eventA.sas, eventB.sas);
  assert.equal(relay.dropped(), 4, 'packets were lost on the way');
  assert.equal(relay.reordered(), 2, 'and reordered');
  await assertForwards(caller, callee, 3, assert.deepEqual); // past its 5th packet, the relay is lossless
});

test('the offerer learns the peer hash only from the answer; the check still applies', async () => {
  const { a, b, aPort, bPort } = await zrtpTrunk();
  const hashA = a.zrtpHelloHash(0, 1);
  const hashB = b.zrtpHelloHash(0, 0);
  const secureA = secure(a);
  const secureB = secure(b);
  // Offer: A starts without the peer's hash; the answer brings it with a re-applied update.
  a.updateLeg(0, 1, { mode: 'zrtp', remote: { address: '127.0.0.1', rtpPort: bPort } });
  a.updateLeg(0, 1, { mode: 'zrtp', zrtp: { peerHelloHash: hashB }, remote: { address: '127.0.0.1', rtpPort: bPort } });
  b.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashA }, remote: { address: '127.0.0.1', rtpPort: aPort } });
  const [[eventA], [eventB]] = await Promise.all([secureA, secureB]);
  assert.equal(eventA.sas, eventB.sas);
});

test('video joins the audio ZRTP session in multistream mode; both streams carry media', async () => {
  const streams = [
    { kind: 'audio' as const, localAddresses: ['127.0.0.1', '127.0.0.1'] as [string, string] },
    { kind: 'video' as const, localAddresses: ['127.0.0.1', '127.0.0.1'] as [string, string] },
  ];
  const a = engine.createBridge(streams);
  const b = engine.createBridge(streams);
  bridges.push(a, b);
  // Both streams' hashes go into one SDP, before either leg is configured.
  const hashes = [0, 1].map((s) => ({ a: a.zrtpHelloHash(s, 1), b: b.zrtpHelloHash(s, 0) }));
  const secured: ZrtpSecureEvent[] = [];
  const allSecure = new Promise<void>((resolve, reject) => {
    for (const bridge of [a, b]) {
      bridge.on('zrtp-secure', (event) => {
        secured.push(event);
        if (secured.length === 4) resolve();
      });
      bridge.on('zrtp-failed', (event) => reject(new Error(`zrtp failed: ${event.reason}`)));
    }
  });
  const ends = [];
  for (const s of [0, 1]) {
    ends.push({
      caller: configureLeg(a, s, 0, await openPeer(), { security: { mode: 'none' } }),
      callee: configureLeg(b, s, 1, await openPeer(), { security: { mode: 'none' } }),
    });
    a.updateLeg(s, 1, { mode: 'zrtp', zrtp: { peerHelloHash: hashes[s]!.b }, remote: { address: '127.0.0.1', rtpPort: b.streams[s]!.legs[0].rtpPort } });
    b.updateLeg(s, 0, { mode: 'zrtp', zrtp: { peerHelloHash: hashes[s]!.a }, remote: { address: '127.0.0.1', rtpPort: a.streams[s]!.legs[1].rtpPort } });
  }
  await allSecure;
  assert.deepEqual(secured.map((e) => e.stream).sort(), [0, 0, 1, 1]);
  assert.equal(new Set(secured.map((e) => e.sas)).size, 1, 'one session, one SAS, on every stream');
  assert.match(secured[0]!.sas, /^[a-z0-9]{4}$/);
  for (const { caller, callee } of ends) {
    await assertForwards(caller, callee, 3, assert.deepEqual);
    await assertForwards(callee, caller, 3, assert.deepEqual);
  }
});
