// Interop with a real Linphone (linphone-daemon 5.1): it calls a minimal SIP answerer built on our
// stack (TransportLayer + UserAgent) whose media leg is an engine bridge leg running DTLS-SRTP or
// ZRTP against Linphone; the other leg is a plain RTP socket here. Linphone plays a wav file, so
// RTP arriving here in the clear proves the keys; for ZRTP both ends must show the same SAS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MediaEngine } from '../../src/media/engine.js';
import { answerSetup, dtlsRole, type SetupAttribute } from '../../src/media/dtls-setup.js';
import type { DtlsConnectedEvent, MediaBridge, ZrtpSecureEvent } from '../../src/media/bridge.js';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import { Linphone, stopAllLinphones } from '../helpers/linphone.js';
import { freePort } from '../helpers/ports.js';
import { killAllPeers } from '../helpers/processes.js';
import { UdpPeer } from './harness.js';

let engine: MediaEngine;
let transports: TransportLayer;
let ua: UserAgent;
let sipPort: number;
const bridges: MediaBridge[] = [];
const sockets: UdpPeer[] = [];

before(async () => {
  engine = new MediaEngine({ threads: 1 });
  transports = new TransportLayer();
  sipPort = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port: sipPort });
  ua = new UserAgent({ transports, contactUser: 'b2bua', userAgentHeader: 'b2bua-test' });
});
after(async () => {
  await stopAllLinphones();
  await killAllPeers();
  await ua.close();
  await transports.close();
  for (const socket of sockets) socket.close();
  await Promise.all(bridges.map((bridge) => bridge.close()));
  engine.close();
});

type Encryption = 'dtls' | 'zrtp';

function sdpValue(sdp: string, pattern: RegExp): string {
  const match = pattern.exec(sdp);
  assert.ok(match, `offer has ${pattern}:\n${sdp}`);
  return match[1]!;
}

/** Answers the next INVITE: leg 0 of a new bridge toward Linphone, leg 1 toward `plain`. */
function answerNextCall(encryption: Encryption, plain: UdpPeer): Promise<MediaBridge> {
  return new Promise((resolve) => {
    ua.once('invite', (session) => {
      const offer = session.request.body.toString();
      const address = sdpValue(offer, /c=IN IP4 (\S+)/);
      const rtpPort = Number(sdpValue(offer, /m=audio (\d+)/));
      const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
      bridges.push(bridge);
      const ours = bridge.streams[0]!.legs[0].rtpPort;
      const common = ['v=0', 'o=b2bua 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
      let media: string[];
      if (encryption === 'dtls') {
        const fingerprint = sdpValue(offer, /a=fingerprint:sha-256 (\S+)/i);
        const offered = sdpValue(offer, /a=setup:(\w+)/) as SetupAttribute; // Linphone: actpass
        const setup = answerSetup(offered);
        media = [`m=audio ${ours} UDP/TLS/RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', `a=setup:${setup}`, `a=fingerprint:sha-256 ${engine.dtlsFingerprint}`];
        bridge.updateLeg(0, 0, { mode: 'dtls', dtls: { setup: dtlsRole(setup, offered)!, fingerprint }, remote: { address, rtpPort } });
      } else {
        const peerHelloHash = sdpValue(offer, /a=zrtp-hash:(.+?)\r?\n/);
        media = [`m=audio ${ours} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', `a=zrtp-hash:${bridge.zrtpHelloHash(0, 0)}`];
        bridge.updateLeg(0, 0, { mode: 'zrtp', zrtp: { peerHelloHash }, remote: { address, rtpPort } });
      }
      bridge.updateLeg(0, 1, { mode: 'none', remote: { address: '127.0.0.1', rtpPort: plain.port } });
      void session.accept({ body: [...common, ...media, ''].join('\r\n') });
      resolve(bridge);
    });
  });
}

async function linphoneCall(encryption: Encryption) {
  const linphone = await Linphone.start({ user: 'alice', encryption });
  const plain = await UdpPeer.open();
  sockets.push(plain);
  const answered = answerNextCall(encryption, plain);
  try {
    await linphone.call(`sip:b2bua@127.0.0.1:${sipPort}`);
  } catch (error) {
    // Otherwise this answer would take the next test's INVITE, and that test would wait for ever.
    ua.removeAllListeners('invite');
    throw error;
  }
  return { linphone, plain, bridge: await answered };
}

/** The first RTP from Linphone, decrypted by the engine and forwarded in the clear. */
async function assertClearRtp(plain: UdpPeer) {
  const packet = await plain.receive();
  assert.equal(packet[0]! >> 6, 2, 'RTP version 2');
  assert.equal(packet[1]! & 0x7f, 0, 'PCMU, readable: the SRTP was opened with the negotiated keys');
}

test('Linphone calls with DTLS-SRTP: the handshake completes and its audio arrives decrypted', async () => {
  const { linphone, plain, bridge } = await linphoneCall('dtls');
  const [event] = (await once(bridge, 'dtls-connected')) as [DtlsConnectedEvent];
  assert.equal(event.role, 'client');
  await assertClearRtp(plain);
  await linphone.kill();
  assert.match(linphone.logSince(), /DTLS Handshake on RTP channel successful/);
});

test('Linphone calls with ZRTP: both ends show the same SAS and its audio arrives decrypted', async () => {
  const { linphone, plain, bridge } = await linphoneCall('zrtp');
  const [event] = (await once(bridge, 'zrtp-secure')) as [ZrtpSecureEvent];
  await assertClearRtp(plain);
  await linphone.kill();
  const token = /ZRTP secrets on: SAS is (\S+) /.exec(linphone.logSince());
  assert.ok(token, 'Linphone logged its SAS');
  assert.equal(token[1], event.sas);
});
