// The engine settings built from SDP, applied to a real media engine: every mode pair is accepted,
// and SDES keys taken from the SDP bodies carry RTP both ways between real UDP peers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EncryptionMode } from '../../../src/config/trenscrypter-lists.js';
import type { MediaBridge } from '../../../src/media/bridge.js';
import { MediaEngine } from '../../../src/media/engine.js';
import { buildLegAAnswer, buildLegBOffer, type LocalLeg } from '../../../src/sdp/bridge-sdp.js';
import { parseCryptoAttribute } from '../../../src/sdp/crypto-attribute.js';
import { cryptoLinesOf, zrtpHashOf } from '../../../src/sdp/media-security.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { SrtpContext, type SuiteName } from '../../helpers/srtp-oracle.js';
import { assertForwards, Endpoint, UdpPeer } from '../../media/harness.js';
import { LINPHONE_MODES, linphoneAnswer, linphoneOffer } from './sdp-fixtures.js';

const MODE_OF = { none: 'none', srtp: 'sdes', zrtp: 'zrtp', dtls: 'dtls-srtp' } as const;

let engine: MediaEngine;
before(() => {
  engine = new MediaEngine({ threads: 1 });
});
after(() => engine.close());

function localLegOf(bridge: MediaBridge, leg: 0 | 1, zrtp: boolean): LocalLeg {
  const local: LocalLeg = { address: '127.0.0.1', ports: [bridge.streams[0]!.legs[leg]] };
  // Asked before the leg's first zrtp update, as the engine requires.
  if (zrtp) local.zrtpHelloHashes = [bridge.zrtpHelloHash(0, leg)];
  return local;
}

/** Linphone's body with its audio port replaced by a test peer's. */
function atPort(sdp: string, port: number): string {
  return sdp.replace(/m=audio \d+/, `m=audio ${port}`);
}

for (const aMode of LINPHONE_MODES) {
  test(`Linphone ${aMode} caller: the settings for every leg B mode are taken by the engine`, async () => {
    for (const bMode of LINPHONE_MODES) {
      const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
      try {
        const legA = localLegOf(bridge, 0, aMode === 'zrtp');
        const legB = localLegOf(bridge, 1, bMode === 'zrtp');
        const offerB = buildLegBOffer(linphoneOffer(aMode), { mode: MODE_OF[bMode], local: legB, dtlsFingerprint: engine.dtlsFingerprint });
        const answerA = buildLegAAnswer(linphoneOffer(aMode), offerB, linphoneAnswer(bMode), { local: legA, dtlsFingerprint: engine.dtlsFingerprint });
        const [settingsA, settingsB] = answerA.streams[0]!.legs;
        bridge.updateLeg(0, 0, settingsA);
        bridge.updateLeg(0, 1, settingsB);
        if (aMode === 'zrtp') assert.equal(zrtpHashOf(parseSdp(answerA.sdp).media[0]!), bridge.zrtpHelloHash(0, 0));
        if (bMode === 'zrtp') assert.equal(zrtpHashOf(parseSdp(offerB.sdp).media[0]!), bridge.zrtpHelloHash(0, 1));
      } finally {
        await bridge.close();
      }
    }
  });
}

/** The key||salt of the only (or `tag`) a=crypto of a body. */
function keyOf(sdp: string, tag?: number): { suite: SuiteName; keySalt: Buffer } {
  const cryptos = cryptoLinesOf(parseSdp(sdp).media[0]!).map(parseCryptoAttribute);
  const crypto = tag === undefined ? cryptos[0]! : cryptos.find((c) => c.tag === tag)!;
  return { suite: crypto.suite, keySalt: crypto.keySalt };
}

const flows: { a: 'srtp' | 'none'; b: EncryptionMode; suites?: SuiteName[] }[] = [
  { a: 'srtp', b: 'sdes' },
  { a: 'srtp', b: 'none' },
  { a: 'none', b: 'sdes', suites: ['AEAD_AES_256_GCM'] },
];

for (const { a, b, suites } of flows) {
  test(`RTP flows both ways with the keys of the SDP: Linphone ${a} caller, ${b} callee${suites ? ` (${suites})` : ''}`, async () => {
    const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
    const [peerA, peerB] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
    try {
      const offerA = atPort(linphoneOffer(a), peerA.port);
      const offerB = buildLegBOffer(offerA, { mode: b, srtpSuites: suites, local: localLegOf(bridge, 1, false), dtlsFingerprint: engine.dtlsFingerprint });
      let answerB = atPort(linphoneAnswer(b === 'sdes' ? 'srtp' : 'none'), peerB.port);
      if (suites) answerB = answerB.replace(/a=crypto:.*/, `a=crypto:1 AEAD_AES_256_GCM inline:${Buffer.alloc(44, 9).toString('base64')}`);
      const answerA = buildLegAAnswer(offerA, offerB, answerB, { local: localLegOf(bridge, 0, false), dtlsFingerprint: engine.dtlsFingerprint });
      const [settingsA, settingsB] = answerA.streams[0]!.legs;
      bridge.updateLeg(0, 0, settingsA);
      bridge.updateLeg(0, 1, settingsB);

      // Each peer protects with the key it put in its SDP and opens with the one the B2BUA gave it.
      const ports = bridge.streams[0]!.legs;
      const context = (key: { suite: SuiteName; keySalt: Buffer }) => new SrtpContext(key.suite, key.keySalt);
      const endpointA =
        a === 'srtp'
          ? new Endpoint(peerA, ports[0].rtpPort, ports[0].rtcpPort, context(keyOf(offerA, 1)), context(keyOf(answerA.sdp)))
          : new Endpoint(peerA, ports[0].rtpPort, ports[0].rtcpPort, undefined, undefined);
      const endpointB =
        b === 'sdes'
          ? new Endpoint(peerB, ports[1].rtpPort, ports[1].rtcpPort, context(keyOf(answerB)), context(keyOf(offerB.sdp, 1)))
          : new Endpoint(peerB, ports[1].rtpPort, ports[1].rtcpPort, undefined, undefined);
      await assertForwards(endpointA, endpointB, 5, (x, y) => assert.deepEqual(x, y));
      await assertForwards(endpointB, endpointA, 5, (x, y) => assert.deepEqual(x, y));
    } finally {
      peerA.close();
      peerB.close();
      await bridge.close();
    }
  });
}
