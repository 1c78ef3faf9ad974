// Hold directions across the bridge (RFC 3264 §6, reference §3.7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import type { MediaDirection } from '../../../src/media/bridge.js';
import { buildLegAAnswer, buildLegBOffer } from '../../../src/sdp/bridge-sdp.js';
import { bridgedAnswerDirection, offererDirection } from '../../../src/sdp/direction.js';
import { linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT } from './sdp-fixtures.js';

const legB = localLeg('127.0.0.1', 50000);
const answerOptions = { local: localLeg('127.0.0.1', 40000), dtlsFingerprint: OUR_FINGERPRINT };

function withDirection(sdp: string, direction: MediaDirection): string {
  return `${sdp}a=${direction}\r\n`;
}

/** Leg A offers `offered`, leg B answers `answered`: what each leg's SDP and engine direction become. */
function bridge(offered: MediaDirection, answered: MediaDirection) {
  const offerA = withDirection(linphoneOffer('srtp'), offered);
  const offerB = buildLegBOffer(offerA, { mode: 'zrtp', local: legB, dtlsFingerprint: OUR_FINGERPRINT });
  const answerA = buildLegAAnswer(offerA, offerB, withDirection(linphoneAnswer('zrtp'), answered), answerOptions);
  const [settingsA, settingsB] = answerA.streams[0]!.legs;
  return {
    offeredToB: parse(offerB.sdp).media[0]!.direction,
    answeredToA: parse(answerA.sdp).media[0]!.direction,
    legA: settingsA.direction,
    legB: settingsB.direction,
  };
}

test('A holds with sendonly, B accepts with recvonly: A is answered recvonly', () => {
  assert.deepEqual(bridge('sendonly', 'recvonly'), { offeredToB: 'sendonly', answeredToA: 'recvonly', legA: 'recvonly', legB: 'sendonly' });
});

test('A holds with inactive: inactive everywhere', () => {
  assert.deepEqual(bridge('inactive', 'inactive'), { offeredToB: 'inactive', answeredToA: 'inactive', legA: 'inactive', legB: 'inactive' });
});

test('B answers a hold with inactive: A gets inactive too (nothing will come from B)', () => {
  assert.deepEqual(bridge('sendonly', 'inactive'), { offeredToB: 'sendonly', answeredToA: 'inactive', legA: 'inactive', legB: 'inactive' });
});

test('B answers a sendrecv offer with sendonly (holds on its side): A is answered sendonly', () => {
  assert.deepEqual(bridge('sendrecv', 'sendonly'), { offeredToB: 'sendrecv', answeredToA: 'sendonly', legA: 'sendonly', legB: 'recvonly' });
});

test('A resumes from a double hold with recvonly: offered on as recvonly', () => {
  assert.deepEqual(bridge('recvonly', 'sendonly'), { offeredToB: 'recvonly', answeredToA: 'sendonly', legA: 'sendonly', legB: 'recvonly' });
});

test('a session-level direction applies to lines without their own; the core may override the direction', () => {
  const offerA = linphoneOffer('none').replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
  assert.equal(parse(buildLegBOffer(offerA, { mode: 'none', local: legB, dtlsFingerprint: OUR_FINGERPRINT }).sdp).media[0]!.direction, 'sendonly');
  const overridden = buildLegBOffer(offerA, { mode: 'none', local: legB, dtlsFingerprint: OUR_FINGERPRINT, direction: 'inactive' });
  assert.equal(parse(overridden.sdp).media[0]!.direction, 'inactive');
});

test('direction algebra: every offered/answered pair', () => {
  const mirror: Record<MediaDirection, MediaDirection> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
  const reverse = (direction: MediaDirection) => mirror[direction];
  for (const offered of Object.keys(mirror) as MediaDirection[]) {
    // An answerer that mirrors the offer leaves the offerer with what it offered.
    assert.equal(offererDirection(offered, reverse(offered)), offered);
    assert.equal(offererDirection(offered, 'inactive'), 'inactive');
    assert.equal(bridgedAnswerDirection(offered, 'sendrecv'), reverse(offered));
    assert.equal(bridgedAnswerDirection(offered, 'inactive'), 'inactive');
  }
});
