// Every SDES suite pair through a bridge, checked end to end by the independent oracle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MediaEngine } from '../../src/media/engine.js';
import { isSrtpSuiteName, srtpSuite, srtpSuites } from '../../src/media/suites.js';
import { SUITE_NAMES, SUITES, type SuiteName } from '../helpers/srtp-oracle.js';
import { UdpPeer, assertForwards, configureLeg, type LegSecurity } from './harness.js';

let engine: MediaEngine;
before(() => {
  engine = new MediaEngine({ threads: 2 });
});
after(() => engine.close());

test('the addon and the oracle describe the same eight suites', () => {
  const fromAddon = srtpSuites().map(({ name, keyLength, saltLength, rtpTagLength, rtcpTagLength }) => ({ name, keyLength, saltLength, rtpTagLength, rtcpTagLength }));
  const fromOracle = SUITE_NAMES.map((name) => {
    const { keyLength, saltLength, rtpTagLength, rtcpTagLength } = SUITES[name];
    return { name, keyLength, saltLength, rtpTagLength, rtcpTagLength };
  });
  assert.deepEqual(fromAddon, fromOracle);
  assert.equal(srtpSuite('AEAD_AES_256_GCM')?.keyLength, 32);
  assert.equal(srtpSuite('F8_128_HMAC_SHA1_80'), undefined);
  assert.ok(isSrtpSuiteName('AES_192_CM_HMAC_SHA1_32') && !isSrtpSuiteName('aes_cm_128_hmac_sha1_80'));
});

const securities: LegSecurity[] = [{ mode: 'none' }, ...SUITE_NAMES.map((suite: SuiteName) => ({ mode: 'srtp' as const, suite }))];
const label = (s: LegSecurity) => (s.mode === 'none' ? 'plain RTP' : s.suite);

for (const a of securities) {
  test(`${label(a)} <-> every leg B: RTP both ways, intact, in order, none lost; SRTCP too`, async () => {
    for (const b of securities) {
      const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
      const [peerA, peerB] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
      try {
        const A = configureLeg(bridge, 0, 0, peerA, { security: a });
        const B = configureLeg(bridge, 0, 1, peerB, { security: b });
        await assertForwards(A, B, 10, (x, y) => assert.deepEqual(x, y, `${label(a)} -> ${label(b)}`));
        await assertForwards(B, A, 10, (x, y) => assert.deepEqual(x, y, `${label(b)} -> ${label(a)}`));
        const rtcp = await A.sendRtcp();
        assert.deepEqual(await B.receiveRtcp(), rtcp, `SRTCP ${label(a)} -> ${label(b)}`);
        const rtcpBack = await B.sendRtcp();
        assert.deepEqual(await A.receiveRtcp(), rtcpBack, `SRTCP ${label(b)} -> ${label(a)}`);
      } finally {
        peerA.close();
        peerB.close();
        await bridge.close();
      }
    }
  });
}
