// ICE-lite on an engine leg: a node dgram STUN client sends Binding requests and checks the answers
// byte by byte, with MESSAGE-INTEGRITY (HMAC-SHA1, RFC 5389 §15.4) and FINGERPRINT (CRC-32,
// §15.5) computed here with node:crypto and node:zlib, never with the engine's code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { MediaEngine } from '../../src/media/engine.js';
import type { MediaBridge } from '../../src/media/bridge.js';
import { iceLiteAttributes, newIceCredentials } from '../../src/media/ice.js';
import { UdpPeer, configureLeg, legStats, statsWhen } from './harness.js';

const COOKIE = 0x2112a442;
const UFRAG = 'b2bu';
const PWD = 'a-22-character-secret!';

let engine: MediaEngine;
const peers: UdpPeer[] = [];
const bridges: MediaBridge[] = [];
before(() => {
  engine = new MediaEngine({ threads: 1 });
});
after(async () => {
  for (const peer of peers) peer.close();
  await Promise.all(bridges.map((bridge) => bridge.close()));
  engine.close();
});

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** A Binding request as an ICE agent sends it, integrity and fingerprint included. */
function bindingRequest(transaction: Buffer, username: string, password: string, useCandidate: boolean): Buffer {
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(0x6e0001ff, 0);
  const controlling = randomBytes(8);
  let body = Buffer.concat([
    attribute(0x0006, Buffer.from(username)),
    attribute(0x0024, priority),
    attribute(0x802a, controlling),
    ...(useCandidate ? [attribute(0x0025, Buffer.alloc(0))] : []),
  ]);
  const header = (length: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(COOKIE, 4);
    transaction.copy(h, 8);
    return h;
  };
  const mac = createHmac('sha1', password).update(Buffer.concat([header(body.length + 24), body])).digest();
  body = Buffer.concat([body, attribute(0x0008, mac)]);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0, 0);
  body = Buffer.concat([body, attribute(0x8028, fingerprint)]);
  return Buffer.concat([header(body.length), body]);
}

/** Checks every byte of a Binding success response and returns its mapped port. */
function checkResponse(response: Buffer, transaction: Buffer, client: UdpPeer): void {
  assert.equal(response.readUInt16BE(0), 0x0101, 'Binding success response');
  assert.equal(response.readUInt16BE(2), response.length - 20, 'length');
  assert.equal(response.readUInt32BE(4), COOKIE);
  assert.deepEqual(response.subarray(8, 20), transaction);
  // Exactly three attributes, in this order.
  assert.equal(response.readUInt16BE(20), 0x0020, 'XOR-MAPPED-ADDRESS');
  assert.equal(response.readUInt16BE(22), 8);
  assert.equal(response[25], 0x01, 'IPv4');
  assert.equal(response.readUInt16BE(26) ^ (COOKIE >>> 16), client.port);
  assert.equal((response.readUInt32BE(28) ^ COOKIE) >>> 0, 0x7f000001);
  assert.equal(response.readUInt16BE(32), 0x0008, 'MESSAGE-INTEGRITY');
  assert.equal(response.readUInt16BE(34), 20);
  const signed = Buffer.from(response.subarray(0, 32));
  signed.writeUInt16BE(32 + 24 - 20, 2);
  assert.deepEqual(response.subarray(36, 56), createHmac('sha1', PWD).update(signed).digest(), 'HMAC-SHA1 with our password');
  assert.equal(response.readUInt16BE(56), 0x8028, 'FINGERPRINT');
  assert.equal(response.readUInt16BE(58), 4);
  assert.equal(response.readUInt32BE(60), (crc32(response.subarray(0, 56)) ^ 0x5354554e) >>> 0);
  assert.equal(response.length, 64);
}

async function iceBridge() {
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridges.push(bridge);
  const signalled = await UdpPeer.open();
  const other = await UdpPeer.open();
  peers.push(signalled, other);
  // Leg 0's SDP named `signalled`; the checks will come from elsewhere (a NAT-mapped address).
  bridge.updateLeg(0, 0, { mode: 'none', remote: { address: '127.0.0.1', rtpPort: signalled.port }, ice: { ufrag: UFRAG, pwd: PWD } });
  const callee = configureLeg(bridge, 0, 1, other, { security: { mode: 'none' } });
  return { bridge, signalled, callee, port: bridge.streams[0]!.legs[0].rtpPort };
}

test('Binding requests are answered with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT', async () => {
  const { bridge, port } = await iceBridge();
  const client = await UdpPeer.open();
  peers.push(client);
  const transaction = randomBytes(12);
  await client.send(bindingRequest(transaction, `${UFRAG}:peer`, PWD, false), port);
  checkResponse(await client.receive(), transaction, client);
  assert.equal(legStats(await bridge.stats(), 0).stunAnswered, 1);
});

test('USE-CANDIDATE moves the media to the checked address', async () => {
  const { bridge, signalled, callee, port } = await iceBridge();
  const client = await UdpPeer.open();
  peers.push(client);
  const transaction = randomBytes(12);
  await client.send(bindingRequest(transaction, `${UFRAG}:peer`, PWD, true), port);
  checkResponse(await client.receive(), transaction, client);
  const sent = await callee.sendRtp();
  assert.deepEqual(await client.receive(), sent, 'media goes to the nominated address');
  assert.equal(signalled.queued, 0);
  const stats = legStats(await bridge.stats(), 0);
  assert.equal(stats.remotePort, client.port);
});

test('wrong credentials get no answer and count as rejected; media keeps its address', async () => {
  const { bridge, signalled, callee, port } = await iceBridge();
  const client = await UdpPeer.open();
  peers.push(client);
  await client.send(bindingRequest(randomBytes(12), `${UFRAG}:peer`, 'not-the-right-password!!', true), port);
  await client.send(bindingRequest(randomBytes(12), `other:peer`, PWD, true), port);
  await statsWhen(bridge, (s) => legStats(s, 0).stunRejected === 2);
  const sent = await callee.sendRtp();
  assert.deepEqual(await signalled.receive(), sent);
  assert.equal(client.queued, 0);
});

test('a leg without ICE counts STUN as unsupported and keeps latching', async () => {
  const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
  bridges.push(bridge);
  const a = await UdpPeer.open();
  const b = await UdpPeer.open();
  peers.push(a, b);
  const caller = configureLeg(bridge, 0, 0, a, { security: { mode: 'none' } });
  const callee = configureLeg(bridge, 0, 1, b, { security: { mode: 'none' } });
  await a.send(bindingRequest(randomBytes(12), `${UFRAG}:peer`, PWD, true), caller.bridgePort);
  await statsWhen(bridge, (s) => legStats(s, 0).droppedUnsupported === 1);
  const sent = await caller.sendRtp();
  assert.deepEqual(await callee.receiveRtp(), sent);
});

test('SDP side: credentials in the ice-char set, host and nat-addresses candidates per component', () => {
  const credentials = newIceCredentials();
  assert.match(credentials.ufrag, /^[A-Za-z0-9+/]{8}$/);
  assert.match(credentials.pwd, /^[A-Za-z0-9+/]{24}$/);
  assert.notEqual(newIceCredentials().pwd, credentials.pwd);
  const lines = iceLiteAttributes(credentials, { hostAddress: '10.0.0.5', rtpPort: 40000, rtcpPort: 40001, natAddresses: ['203.0.113.7'] });
  // Priorities by RFC 8445 §5.1.2.1: 2^24 * type preference + 2^8 * 65535 + (256 - component).
  assert.deepEqual(lines, [
    `ice-ufrag:${credentials.ufrag}`,
    `ice-pwd:${credentials.pwd}`,
    'candidate:1 1 UDP 2130706431 10.0.0.5 40000 typ host',
    'candidate:2 1 UDP 1694498815 203.0.113.7 40000 typ srflx raddr 10.0.0.5 rport 40000',
    'candidate:1 2 UDP 2130706430 10.0.0.5 40001 typ host',
    'candidate:2 2 UDP 1694498814 203.0.113.7 40001 typ srflx raddr 10.0.0.5 rport 40001',
  ]);
  assert.equal(iceLiteAttributes(credentials, { hostAddress: '::1', rtpPort: 5000 }).length, 3, 'rtcp-mux: one component');
});
