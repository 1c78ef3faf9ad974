// MediaBridge behaviour on real loopback sockets: directions, latching, rtcp-mux, key rotation,
// SSRC change, ROC wrap, hostile input, stats and events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MediaEngine } from '../../src/media/engine.js';
import type { MediaBridge } from '../../src/media/bridge.js';
import { SrtpContext, makeRtpPacket, parseRtp, randomMasterKeySalt } from '../helpers/srtp-oracle.js';
import { Endpoint, UdpPeer, assertForwards, configureLeg, legStats, statsWhen, type LegOptions } from './harness.js';

let engine: MediaEngine;
const open: { peers: UdpPeer[]; bridges: MediaBridge[] } = { peers: [], bridges: [] };
before(() => {
  engine = new MediaEngine({ threads: 1 });
});
after(async () => {
  for (const peer of open.peers) peer.close();
  await Promise.all(open.bridges.map((b) => b.close()));
  engine.close();
});

const SRTP: LegOptions['security'] = { mode: 'srtp', suite: 'AES_CM_128_HMAC_SHA1_80' };
const PLAIN: LegOptions['security'] = { mode: 'none' };

async function call(a: LegOptions, b: LegOptions, addresses: [string, string] = ['127.0.0.1', '127.0.0.1']) {
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: addresses }]);
  const peerA = await UdpPeer.open(a.address ?? addresses[0]);
  const peerB = await UdpPeer.open(b.address ?? addresses[1]);
  open.peers.push(peerA, peerB);
  open.bridges.push(bridge);
  return { bridge, peerA, peerB, A: configureLeg(bridge, 0, 0, peerA, a), B: configureLeg(bridge, 0, 1, peerB, b) };
}

// Keys an endpoint's leg was configured with, kept so re-INVITEs can repeat them.
const legKeys = new WeakMap<Endpoint, { suite: 'AES_CM_128_HMAC_SHA1_80'; sendKey: Buffer; receiveKey: Buffer }>();
function keysOf(endpoint: Endpoint) {
  const keys = legKeys.get(endpoint);
  assert.ok(keys, 'keys recorded');
  return keys;
}
/** Configures an SRTP leg with known keys (so a later update can repeat or rotate them). */
function srtpLeg(bridge: MediaBridge, leg: 0 | 1, peer: UdpPeer, keys = { sendKey: randomMasterKeySalt('AES_CM_128_HMAC_SHA1_80'), receiveKey: randomMasterKeySalt('AES_CM_128_HMAC_SHA1_80') }, firstSeq = 1000) {
  const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
  bridge.updateLeg(0, leg, { mode: 'srtp', remote: { address: peer.address, rtpPort: peer.port, rtcpPort: peer.port }, srtp: { suite, ...keys } });
  const ports = bridge.streams[0]!.legs[leg];
  const endpoint = new Endpoint(peer, ports.rtpPort, ports.rtcpPort, new SrtpContext(suite, keys.receiveKey), new SrtpContext(suite, keys.sendKey), firstSeq);
  legKeys.set(endpoint, { suite, ...keys });
  return endpoint;
}

async function srtpCall(firstSeq = 1000) {
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  const [peerA, peerB] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
  open.peers.push(peerA, peerB);
  open.bridges.push(bridge);
  return { bridge, peerA, peerB, A: srtpLeg(bridge, 0, peerA, undefined, firstSeq), B: srtpLeg(bridge, 1, peerB, undefined, firstSeq) };
}

test('directions decide what is forwarded; dropped packets are counted, not sent', async () => {
  const { bridge, A, B, peerA } = await srtpCall();
  const update = (leg: 0 | 1, endpoint: Endpoint, direction: 'sendrecv' | 'recvonly' | 'inactive') =>
    bridge.updateLeg(0, leg, { mode: 'srtp', direction, remote: { address: '127.0.0.1', rtpPort: endpoint.peer.port, rtcpPort: endpoint.peer.port }, srtp: keysOf(endpoint) });
  // Leg A recvonly (we only receive from A): A -> B flows, B -> A is dropped.
  update(0, A, 'recvonly');
  await assertForwards(A, B, 5, assert.deepEqual);
  for (let i = 0; i < 5; i++) await B.sendRtp();
  const stats = await statsWhen(bridge, (s) => legStats(s, 1).droppedDirection === 5);
  assert.equal(legStats(stats, 0).packetsOut, 0);
  await assertForwards(A, B, 1, assert.deepEqual); // A's path still works after the drops
  assert.equal(peerA.queued, 0);

  // Inactive on B: no RTP either way, but RTCP still flows both ways (RFC 3264 §5.1).
  update(1, B, 'inactive');
  await A.sendRtp();
  await B.sendRtp();
  await statsWhen(bridge, (s) => legStats(s, 0).droppedDirection === 1 && legStats(s, 1).droppedDirection === 6);
  const report = await B.sendRtcp();
  assert.deepEqual(await A.receiveRtcp(), report);
  const back = await A.sendRtcp();
  assert.deepEqual(await B.receiveRtcp(), back);
  // Then sendrecv on both (re-INVITE) restores both directions.
  update(0, A, 'sendrecv');
  update(1, B, 'sendrecv');
  await assertForwards(B, A, 3, assert.deepEqual);
  await assertForwards(A, B, 3, assert.deepEqual);
  assert.equal(peerA.queued, 0);
});

test('key rotation on re-INVITE: the old key still passes until the new one is used, nothing is lost', async () => {
  const { bridge, A, B, peerA, peerB } = await srtpCall();
  await assertForwards(A, B, 5, assert.deepEqual);
  // New keys on both legs. Peer A has not switched yet: it still sends under its old key.
  const newA = srtpLeg(bridge, 0, peerA, undefined, A.seq);
  const newB = srtpLeg(bridge, 1, peerB, undefined, B.seq);
  const late = await A.sendRtp();
  newA.seq = A.seq;
  // Forwarded under B's new outbound key.
  assert.deepEqual(parseRtp(newB.receiver!.unprotectRtp(await peerB.receive())), parseRtp(late));
  // Peer A switches: the new key authenticates and the old one is retired.
  await assertForwards(newA, newB, 5, assert.deepEqual);
  await assertForwards(newB, newA, 5, assert.deepEqual);
  await A.sendRtp(); // old key after the switch: refused
  const stats = await statsWhen(bridge, (s) => legStats(s, 0).authFailures === 1);
  assert.equal(legStats(stats, 0).packetsIn, 11);
  assert.equal(legStats(stats, 1).packetsOut, 11);
});

test('a re-INVITE repeating the same keys keeps the SRTP state (no replay or ROC reset)', async () => {
  const { bridge, A, B } = await srtpCall(65530);
  await assertForwards(A, B, 10, assert.deepEqual); // crosses the sequence wrap: ROC 1
  bridge.updateLeg(0, 0, { mode: 'srtp', remote: { address: '127.0.0.1', rtpPort: A.peer.port }, srtp: keysOf(A) });
  bridge.updateLeg(0, 1, { mode: 'srtp', remote: { address: '127.0.0.1', rtpPort: B.peer.port }, srtp: keysOf(B) });
  await assertForwards(A, B, 5, assert.deepEqual);
  await assertForwards(B, A, 15, assert.deepEqual);
});

test('sequence number wrap (ROC) and SSRC change are followed on both sides', async () => {
  const { bridge, A, B } = await srtpCall(65500);
  await assertForwards(A, B, 100, assert.deepEqual); // 65500 .. 65535, 0 .. 63
  assert.equal(B.receiver!.rolloverCounter(A.ssrc), 1);
  // New SSRC (e.g. the caller's device switched streams): a new crypto stream on both sides.
  const newSsrc = randomBytes(4).readUInt32BE(0);
  const plain = await A.sendRtp(randomBytes(160), newSsrc);
  assert.deepEqual(parseRtp(await B.receiveRtp()), parseRtp(plain));
  const stats = await bridge.stats();
  assert.equal(legStats(stats, 0).ssrc, newSsrc);
  assert.equal(legStats(stats, 0).rtpLost, 0);
});

test('rtcp-mux: RTP and RTCP share the RTP port, on one leg or both', async () => {
  const { A, B } = await call({ security: SRTP, rtcpMux: true }, { security: PLAIN });
  assert.equal(A.bridgeRtcpPort, A.bridgePort);
  const rtcp = await A.sendRtcp();
  assert.deepEqual(await B.receiveRtcp(), rtcp); // B not muxed: arrives from B's RTCP port
  const back = await B.sendRtcp();
  assert.deepEqual(await A.receiveRtcp(), back);
  await assertForwards(A, B, 3, assert.deepEqual);
});

test('plain RTP latches to the first source, then only the signalled address can move it', async () => {
  const { bridge, A, B, peerA } = await call({ security: PLAIN }, { security: PLAIN });
  // A's packets come from another port than signalled (a NAT): the first one latches.
  const natted = await UdpPeer.open();
  open.peers.push(natted);
  const viaNat = new Endpoint(natted, A.bridgePort, A.bridgeRtcpPort, undefined, undefined);
  await assertForwards(viaNat, B, 2, assert.deepEqual);
  await assertForwards(B, new Endpoint(natted, 0, 0, undefined, undefined), 2, assert.deepEqual);
  assert.equal(peerA.queued, 0);
  // A third address is ignored and moves nothing.
  const intruder = await UdpPeer.open();
  open.peers.push(intruder);
  await new Endpoint(intruder, A.bridgePort, A.bridgeRtcpPort, undefined, undefined).sendRtp();
  await statsWhen(bridge, (s) => legStats(s, 0).droppedAddress === 1);
  await assertForwards(B, new Endpoint(natted, 0, 0, undefined, undefined), 1, assert.deepEqual);
  // The signalled address may take it back.
  await assertForwards(A, B, 1, assert.deepEqual);
  await assertForwards(B, A, 1, assert.deepEqual);
});

test('SRTP latching moves only on a packet that authenticates', async () => {
  const { bridge, A, B } = await srtpCall();
  await assertForwards(A, B, 2, assert.deepEqual);
  const roaming = await UdpPeer.open();
  open.peers.push(roaming);
  // Forged (unauthenticated) packets from a new address: dropped, latch unchanged.
  await roaming.send(makeRtpPacket({ ssrc: A.ssrc, seq: A.seq, timestamp: 0, payloadType: 0, payload: randomBytes(170) }), A.bridgePort);
  await statsWhen(bridge, (s) => legStats(s, 0).authFailures === 1);
  await assertForwards(B, A, 1, assert.deepEqual);
  // The real peer, now from the new address (it roamed): authenticates, so the latch follows.
  const moved = new Endpoint(roaming, A.bridgePort, A.bridgeRtcpPort, A.sender, A.receiver, A.seq);
  await assertForwards(moved, B, 2, assert.deepEqual);
  await assertForwards(B, moved, 2, assert.deepEqual);
});

test('a garbage flood on a leg port never disturbs the call: every real packet arrives intact', async () => {
  const { bridge, A, B } = await srtpCall();
  const attacker = await UdpPeer.open();
  open.peers.push(attacker);
  const replayed: Buffer[] = [];
  const junk = (i: number): Buffer => {
    switch (i % 7) {
      case 0: return Buffer.alloc(0);
      case 1: return randomBytes(5);
      case 2: return Buffer.concat([Buffer.from([0x40]), randomBytes(171)]); // RTP version 1
      case 3: return Buffer.concat([Buffer.from([0x80, 0x00]), randomBytes(170)]); // unauthenticated
      case 4: return replayed[0] ?? randomBytes(12);
      case 5: return Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd]), randomBytes(60)]); // DTLS-looking
      default: return randomBytes(1400);
    }
  };
  // Each round: ten junk datagrams, then one real packet, awaited at B (the socket queue stays
  // short, so only the engine's handling is tested, never the kernel's buffer size).
  for (let i = 0; i < 200; i++) {
    for (let j = 0; j < 10; j++) await attacker.send(junk(i * 10 + j), A.bridgePort);
    const plain = makeRtpPacket({ ssrc: A.ssrc, seq: A.seq++, timestamp: (A.timestamp += 160), payloadType: 0, payload: randomBytes(160) });
    const wire = A.sender!.protectRtp(plain);
    if (i === 0) replayed.push(wire);
    await A.peer.send(wire, A.bridgePort);
    assert.deepEqual(parseRtp(await B.receiveRtp()), parseRtp(plain));
  }
  const stats = await statsWhen(bridge, (s) => {
    const a = legStats(s, 0);
    return a.droppedGarbage + a.authFailures + a.replayFailures + a.droppedUnsupported === 2000;
  });
  const a = legStats(stats, 0);
  assert.equal(a.packetsIn, 200);
  assert.ok(a.replayFailures > 0 && a.authFailures > 0 && a.droppedGarbage > 0 && a.droppedUnsupported > 0);
  assert.equal(legStats(stats, 1).packetsOut, 200);
  assert.equal(legStats(stats, 0).latched, true);
  assert.equal(legStats(stats, 0).remotePort, A.peer.port);
});

test('stats count loss from sequence gaps and report jitter, last packet time and the remote', async () => {
  const { bridge, A, B } = await call({ security: PLAIN }, { security: PLAIN });
  const before = Date.now();
  for (let i = 0; i < 10; i++) {
    if (i === 3 || i === 7) A.seq++; // two packets "lost" before the bridge
    await A.sendRtp();
  }
  await B.peer.receiveMany(10);
  const stats = await statsWhen(bridge, (s) => legStats(s, 1).packetsOut === 10);
  const a = legStats(stats, 0);
  assert.equal(a.rtpLost, 2);
  assert.ok(Number.isFinite(a.jitterMs) && a.jitterMs >= 0);
  assert.ok(a.lastPacketTimeMs >= before - 1 && a.lastPacketTimeMs <= Date.now() + 1);
  assert.equal(a.remoteAddress, '127.0.0.1');
  assert.equal(a.bytesIn, 10 * 172);
  assert.equal(legStats(stats, 1).bytesOut, 10 * 172);
});

test('first-packet events, once per leg, with the source address', async () => {
  const { bridge, A, B } = await call({ security: SRTP }, { security: PLAIN });
  const events: unknown[] = [];
  bridge.on('first-packet', (event) => events.push(event));
  const firstA = new Promise((resolve) => bridge.once('first-packet', resolve));
  await assertForwards(A, B, 3, assert.deepEqual);
  assert.deepEqual(await firstA, { stream: 0, leg: 0, address: '127.0.0.1', port: A.peer.port });
  const firstB = new Promise((resolve) => bridge.once('first-packet', resolve));
  await assertForwards(B, A, 3, assert.deepEqual);
  assert.deepEqual(await firstB, { stream: 0, leg: 1, address: '127.0.0.1', port: B.peer.port });
  await bridge.stats(); // any late duplicate event would have been delivered by now
  assert.equal(events.length, 2);
});

test('IPv6 on one leg, IPv4 on the other', async () => {
  const { A, B } = await call({ security: SRTP }, { security: { mode: 'srtp', suite: 'AEAD_AES_256_GCM' } }, ['::1', '127.0.0.1']);
  await assertForwards(A, B, 5, assert.deepEqual);
  await assertForwards(B, A, 5, assert.deepEqual);
});

test('video streams beside audio are bridged independently', async () => {
  const bridge = engine.createBridge([
    { kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] },
    { kind: 'video', localAddresses: ['127.0.0.1', '127.0.0.1'] },
  ]);
  open.bridges.push(bridge);
  const peers = await Promise.all([UdpPeer.open(), UdpPeer.open(), UdpPeer.open(), UdpPeer.open()]);
  open.peers.push(...peers);
  const audio = [configureLeg(bridge, 0, 0, peers[0]!, { security: SRTP }), configureLeg(bridge, 0, 1, peers[1]!, { security: PLAIN })];
  const video = [configureLeg(bridge, 1, 0, peers[2]!, { security: PLAIN }), configureLeg(bridge, 1, 1, peers[3]!, { security: SRTP })];
  await assertForwards(video[0]!, video[1]!, 5, assert.deepEqual);
  await assertForwards(audio[1]!, audio[0]!, 5, assert.deepEqual);
  const stats = await bridge.stats();
  assert.deepEqual(stats.streams.map((s) => s.kind), ['audio', 'video']);
  assert.equal(stats.streams[1]!.legs[1].packetsOut, 5);
});
