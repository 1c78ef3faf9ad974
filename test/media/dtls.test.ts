// DTLS-SRTP on an engine leg against an independent peer (openssl s_client / s_server): both roles,
// keys cross-checked through openssl's own EXTRACTOR-dtls_srtp export and the node:crypto SRTP
// oracle, and the failures: fingerprint mismatch, no common profile, a ClientHello flood.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { MediaEngine } from '../../src/media/engine.js';
import type { DtlsConnectedEvent, HandshakeFailedEvent, MediaBridge } from '../../src/media/bridge.js';
import { killAllPeers } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { SrtpContext } from '../helpers/srtp-oracle.js';
import { Endpoint, UdpPeer, assertForwards, configureLeg, legStats, statsWhen } from './harness.js';
import {
  PROFILES, exportedKeys, makeCertificate, removeTemporaryFiles, startClient, startServer, temporaryDirectory,
  type PeerCertificate, type ProfileName,
} from './openssl-peer.js';

let engine: MediaEngine;
let peerCertificate: PeerCertificate;
const peers: UdpPeer[] = [];
const bridges: MediaBridge[] = [];

before(async () => {
  engine = new MediaEngine({ threads: 2, handshakeTimeoutMs: 1500 });
  peerCertificate = await makeCertificate();
});
after(async () => {
  await killAllPeers();
  for (const peer of peers) peer.close();
  await Promise.all(bridges.map((bridge) => bridge.close()));
  engine.close();
  removeTemporaryFiles();
});

async function openPeer(): Promise<UdpPeer> {
  const peer = await UdpPeer.open();
  peers.push(peer);
  return peer;
}

/** A bridge whose leg 1 is a plain RTP peer; leg 0 is left to the test. */
async function bridgeWithPlainCallee() {
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridges.push(bridge);
  const callee = configureLeg(bridge, 0, 1, await openPeer(), { security: { mode: 'none' } });
  return { bridge, callee, port: bridge.streams[0]!.legs[0].rtpPort };
}

/** Media both ways between a node socket holding the exported keys and the plain callee. */
async function assertMediaWithKeys(bridge: MediaBridge, callee: Endpoint, profile: ProfileName, send: Buffer, receive: Buffer) {
  const suite = PROFILES[profile].suite;
  const ports = bridge.streams[0]!.legs[0];
  // An SRTP leg latches onto whatever source authenticates: this socket stands in for openssl's.
  const caller = new Endpoint(await openPeer(), ports.rtpPort, ports.rtcpPort, new SrtpContext(suite, send), new SrtpContext(suite, receive));
  await assertForwards(caller, callee, 3, assert.deepEqual);
  await assertForwards(callee, caller, 3, assert.deepEqual);
}

for (const profile of ['SRTP_AES128_CM_SHA1_80', 'SRTP_AEAD_AES_256_GCM'] as const) {
  test(`passive leg (DTLS server) against openssl s_client, ${profile}`, async () => {
    const { bridge, callee, port } = await bridgeWithPlainCallee();
    const connected = once(bridge, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
    bridge.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint: peerCertificate.fingerprint } });
    const client = startClient(port, peerCertificate, profile);
    const [event] = await connected;
    assert.deepEqual(event, { stream: 0, leg: 0, role: 'server', profile });
    const keys = await exportedKeys(client, profile);
    // The client protects with client_key||client_salt; the engine, as server, with the server's.
    await assertMediaWithKeys(bridge, callee, profile, keys.client, keys.server);
    await client.kill();
  });
}

for (const profile of ['SRTP_AES128_CM_SHA1_32', 'SRTP_AEAD_AES_128_GCM'] as const) {
  test(`active leg (DTLS client) against openssl s_server, ${profile}`, async () => {
    const { bridge, callee } = await bridgeWithPlainCallee();
    const serverPort = await freePort();
    const server = await startServer(serverPort, peerCertificate, profile);
    const connected = once(bridge, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
    bridge.updateLeg(0, 0, {
      mode: 'dtls',
      dtls: { setup: 'active', fingerprint: peerCertificate.fingerprint.toLowerCase() }, // SDP hex may be either case
      remote: { address: '127.0.0.1', rtpPort: serverPort },
    });
    const [event] = await connected;
    assert.deepEqual(event, { stream: 0, leg: 0, role: 'client', profile });
    const keys = await exportedKeys(server, profile);
    await assertMediaWithKeys(bridge, callee, profile, keys.server, keys.client);
    await server.kill();
  });
}

test('before its keys, a DTLS leg passes nothing in the clear, either way', async () => {
  const { bridge, callee } = await bridgeWithPlainCallee();
  const caller = await openPeer();
  bridge.updateLeg(0, 0, {
    mode: 'dtls',
    dtls: { setup: 'passive', fingerprint: peerCertificate.fingerprint },
    remote: { address: '127.0.0.1', rtpPort: caller.port },
  });
  await callee.sendRtp();
  await new Endpoint(caller, bridge.streams[0]!.legs[0].rtpPort, 0, undefined, undefined).sendRtp();
  const stats = await statsWhen(bridge, (s) => legStats(s, 0).droppedNotKeyed === 2);
  assert.equal(legStats(stats, 0).packetsOut, 0);
  assert.equal(legStats(stats, 1).packetsOut, 0);
  assert.equal(caller.queued, 0);
});

test('a certificate that does not match the SDP fingerprint fails the handshake', async () => {
  const { bridge, port } = await bridgeWithPlainCallee();
  const failed = once(bridge, 'dtls-failed') as Promise<[HandshakeFailedEvent]>;
  const other = await makeCertificate();
  bridge.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint: other.fingerprint } });
  startClient(port, peerCertificate, 'SRTP_AES128_CM_SHA1_80');
  const [event] = await failed;
  assert.deepEqual(event, { stream: 0, leg: 0, reason: 'fingerprint mismatch' });
  const stats = await bridge.stats();
  assert.equal(legStats(stats, 0).handshakeFailures, 1);
});

test('a handshake without a common SRTP profile is a failure, though OpenSSL completes it', async () => {
  const { bridge, port } = await bridgeWithPlainCallee();
  const failed = once(bridge, 'dtls-failed') as Promise<[HandshakeFailedEvent]>;
  bridge.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint: peerCertificate.fingerprint } });
  const client = startClient(port, peerCertificate, undefined);
  const [event] = await failed;
  assert.deepEqual(event, { stream: 0, leg: 0, reason: 'no common SRTP profile' });
  await client.waitFor('New, TLSv1.2'); // openssl itself saw a successful handshake
  assert.equal(legStats(await bridge.stats(), 0).handshakeFailures, 1);
});

test('a ClientHello flood on one leg fails that leg alone, with counters; another call connects', async () => {
  // The flood: genuine ClientHellos (from an engine client leg) replayed from many sockets.
  const { bridge: victim, port: victimPort } = await bridgeWithPlainCallee();
  const failed = once(victim, 'dtls-failed') as Promise<[HandshakeFailedEvent]>;
  victim.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint: peerCertificate.fingerprint } });
  const { bridge: source } = await bridgeWithPlainCallee();
  const capture = await openPeer();
  source.updateLeg(0, 0, {
    mode: 'dtls',
    dtls: { setup: 'active', fingerprint: peerCertificate.fingerprint },
    remote: { address: '127.0.0.1', rtpPort: capture.port },
  });
  const clientHello = await capture.receive();
  assert.equal(clientHello[0], 22, 'a DTLS handshake record');
  const flooders = await Promise.all(Array.from({ length: 8 }, () => openPeer()));
  for (let round = 0; round < 25; round++) {
    for (const flooder of flooders) await flooder.send(clientHello, victimPort);
  }
  // Meanwhile another call on the same engine completes its handshake.
  const { bridge: bystander, callee, port } = await bridgeWithPlainCallee();
  const connected = once(bystander, 'dtls-connected');
  bystander.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint: peerCertificate.fingerprint } });
  const client = startClient(port, peerCertificate, 'SRTP_AES128_CM_SHA1_80');
  await connected;
  const keys = await exportedKeys(client, 'SRTP_AES128_CM_SHA1_80');
  await assertMediaWithKeys(bystander, callee, 'SRTP_AES128_CM_SHA1_80', keys.client, keys.server);

  // The victim answered one source only, then gave up when its handshake deadline passed.
  const [event] = await failed;
  assert.equal(event.reason, 'handshake timed out');
  const stats = legStats(await victim.stats(), 0);
  assert.equal(stats.handshakeDropped, 7 * 25, 'every other source dropped');
  assert.equal(stats.handshakePackets, 25);
  assert.equal(stats.handshakeFailures, 1);
});

test('engines that share a data directory share one certificate; without one each has its own', () => {
  const dir = temporaryDirectory('b2bua-data-');
  const first = new MediaEngine({ threads: 1, dataDirectory: dir });
  const fingerprint = first.dtlsFingerprint;
  first.close();
  const file = join(dir, 'dtls-identity.pem');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the private key is not world-readable');
  assert.equal(new X509Certificate(readFileSync(file)).fingerprint256, fingerprint);
  assert.equal(new X509Certificate(readFileSync(file)).publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const second = new MediaEngine({ threads: 1, dataDirectory: dir });
  assert.equal(second.dtlsFingerprint, fingerprint, 'survives a restart');
  second.close();
  const ephemeral = new MediaEngine({ threads: 1 });
  assert.notEqual(ephemeral.dtlsFingerprint, fingerprint);
  assert.match(ephemeral.dtlsFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  ephemeral.close();
});

test('a re-INVITE with new setup roles restarts the handshake; media flows before, during and after', async () => {
  const x = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  const y = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridges.push(x, y);
  const caller = configureLeg(x, 0, 0, await openPeer(), { security: { mode: 'none' } });
  const callee = configureLeg(y, 0, 1, await openPeer(), { security: { mode: 'none' } });
  const fingerprint = engine.dtlsFingerprint;
  const xRemote = { address: '127.0.0.1', rtpPort: y.streams[0]!.legs[0].rtpPort };
  const yRemote = { address: '127.0.0.1', rtpPort: x.streams[0]!.legs[1].rtpPort };
  const connectedX = once(x, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
  const connectedY = once(y, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
  y.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'passive', fingerprint }, remote: yRemote });
  x.updateLeg(0, 1, { mode: 'dtls', dtls: { setup: 'active', fingerprint }, remote: xRemote });
  assert.equal((await connectedX)[0].role, 'client');
  assert.equal((await connectedY)[0].role, 'server');
  await assertForwards(caller, callee, 3, assert.deepEqual);

  const againX = once(x, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
  const againY = once(y, 'dtls-connected') as Promise<[DtlsConnectedEvent]>;
  x.updateLeg(0, 1, { mode: 'dtls', dtls: { setup: 'passive', fingerprint }, remote: xRemote });
  await assertForwards(caller, callee, 3, assert.deepEqual); // old keys while the new handshake waits
  y.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: 'active', fingerprint }, remote: yRemote });
  assert.equal((await againX)[0].role, 'server');
  assert.equal((await againY)[0].role, 'client');
  await assertForwards(caller, callee, 3, assert.deepEqual);
  await assertForwards(callee, caller, 3, assert.deepEqual);
  const stats = legStats(await x.stats(), 1);
  assert.equal(stats.authFailures, 0);
  assert.equal(stats.droppedNotKeyed, 0);
});
