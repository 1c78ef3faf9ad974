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
  engine = new MediaEngine({ threads: 2, handshakeTimeoutMs: 2000 });
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

function secure(bridge: MediaBridge) {
  return once(bridge, 'zrtp-secure') as Promise<[ZrtpSecureEvent]>;
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

/** A UDP middlebox between two ports that drops and reorders by a fixed pattern, per direction. */
async function lossyRelay(aPort: number, bPort: number) {
  const towardA = await openPeer(); // B sends here; forwarded to A
  const towardB = await openPeer(); // A sends here; forwarded to B
  let dropped = 0;
  const pipe = (from: UdpPeer, via: UdpPeer, to: number) => {
    let count = 0;
    let held: Buffer | undefined;
    from.socket.removeAllListeners('message');
    from.socket.on('message', (data) => {
      count++;
      if (count % 3 === 2) {
        dropped++; // every third packet, starting with the second, is lost
        return;
      }
      if (count % 4 === 1 && !held) {
        held = data; // held back and sent after the next one: reordered
        return;
      }
      void via.send(data, to);
      if (held) {
        void via.send(held, to);
        held = undefined;
      }
    });
  };
  pipe(towardB, towardA, bPort); // A -> relay(towardB) -> sent from towardA to B
  pipe(towardA, towardB, aPort);
  return { towardA, towardB, dropped: () => dropped };
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
  assert.ok(relay.dropped() > 0, 'packets were lost on the way');
  // Media through the same lossy path: send until the callee has seen some (losses are the relay's).
  for (let i = 0; i < 6; i++) await caller.sendRtp();
  const got = await callee.receiveRtp();
  assert.equal(got[0]! >> 6, 2, 'a decrypted RTP packet');
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
