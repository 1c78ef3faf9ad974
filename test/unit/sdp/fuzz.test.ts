// Damaged bodies never escape as anything but an SdpError (the core maps those to 400/488).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildLegAAnswer, buildLegBOffer } from '../../../src/sdp/bridge-sdp.js';
import { SdpError } from '../../../src/sdp/errors.js';
import { damaged, fixture, LINPHONE_MODES, linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT } from './sdp-fixtures.js';

const modes = ['none', 'sdes', 'zrtp', 'dtls-srtp'] as const;

function onlySdpErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SdpError, `${(error as Error).stack}`);
  }
}

test('damaged leg A offers: built into a leg B offer, or refused with an SdpError', () => {
  fc.assert(
    fc.property(damaged([...LINPHONE_MODES.map(linphoneOffer), fixture('baresip-1.0-dtls-offer.sdp')]), fc.constantFrom(...modes), (body, mode) => {
      onlySdpErrors(() => buildLegBOffer(body, { mode, local: localLeg('127.0.0.1', 50000, 8), dtlsFingerprint: OUR_FINGERPRINT }));
    }),
    { numRuns: 3000, seed: 5151 }, // a fixed seed keeps the suite deterministic
  );
});

test('damaged leg B answers: built into a leg A answer, or refused with an SdpError', () => {
  const offerA = linphoneOffer('none');
  fc.assert(
    fc.property(fc.constantFrom(...LINPHONE_MODES), damaged([...LINPHONE_MODES.map(linphoneAnswer), fixture('baresip-1.0-dtls-answer.sdp')]), (bMode, answer) => {
      const mode = ({ none: 'none', srtp: 'sdes', zrtp: 'zrtp', dtls: 'dtls-srtp' } as const)[bMode];
      const offerB = buildLegBOffer(offerA, { mode, local: localLeg('127.0.0.1', 50000), dtlsFingerprint: OUR_FINGERPRINT });
      onlySdpErrors(() => buildLegAAnswer(offerA, offerB, answer, { local: localLeg('127.0.0.1', 40000), dtlsFingerprint: OUR_FINGERPRINT }));
    }),
    { numRuns: 3000, seed: 5151 }, // a fixed seed keeps the suite deterministic
  );
});
