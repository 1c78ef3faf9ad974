// Bodies the core must refuse, and the status it refuses them with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLegAAnswer, buildLegBOffer } from '../../../src/sdp/bridge-sdp.js';
import { SdpError, SdpNotAcceptableError, SdpSyntaxError } from '../../../src/sdp/errors.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT } from './sdp-fixtures.js';

const legB = localLeg('127.0.0.1', 50000);
const offerOptions = { mode: 'sdes' as const, local: legB, dtlsFingerprint: OUR_FINGERPRINT };
const answerOptions = { local: localLeg('127.0.0.1', 40000), dtlsFingerprint: OUR_FINGERPRINT };

function refusal(run: () => unknown): { status: number; reason: string } {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SdpError, String(error));
    return { status: error.status, reason: error.reason };
  }
  assert.fail('accepted');
}

test('syntax errors are 400', () => {
  const none = linphoneOffer('none');
  const cases: [string, RegExp][] = [
    ['', /v=0/],
    ['hello world', /v=0/],
    [none.replace('v=0', 'v=1'), /v=0/],
    [none.replace(/o=.*\r\n/, ''), /o= line/],
    [none.replace('m=audio 27141 RTP/AVP', 'm=audio port RTP/AVP'), /bad media line/],
    [none.replace('m=audio 27141 RTP/AVP', 'm=audio 99999 RTP/AVP'), /port 99999/],
    [none.replace('m=audio 27141 RTP/AVP 96 97 98 0 8 18 99 100 101', 'm=audio 27141 RTP/AVP'), /bad media line/],
    [none.replace('c=IN IP4 127.0.0.1', 'c=IN IP4'), /bad connection line/],
    [none.replace('c=IN IP4 127.0.0.1\r\n', ''), /no c= line/],
    [none.replace('s=Talk', 'Talk'), /<type>=<value>/],
  ];
  for (const [body, reason] of cases) {
    const refused = refusal(() => buildLegBOffer(body, offerOptions));
    assert.equal(refused.status, 400, body);
    assert.match(refused.reason, reason);
    assert.throws(() => parseSdp(body), SdpSyntaxError);
  }
  assert.equal(refusal(() => buildLegBOffer(linphoneOffer('srtp').replace(/(a=crypto:1 \S+ inline:)\S+/, '$1AAAA'), offerOptions)).status, 400);
});

test('what we understand but cannot take is 488, refused before leg B is called', () => {
  const cases: [string, RegExp][] = [
    [linphoneOffer('srtp').replace(/a=crypto:.*\r\n/g, ''), /no offered a=crypto/],
    [linphoneOffer('srtp').replaceAll('AES_CM_128_HMAC_SHA1', 'F8_128_HMAC_SHA1').replaceAll(/a=crypto:[34].*\r\n/g, ''), /no offered a=crypto/],
    [linphoneOffer('dtls').replace('a=fingerprint:SHA-256', 'a=fingerprint:SHA-1'), /sha-256/],
    [linphoneOffer('dtls').replace(/a=fingerprint:.*\r\n/, ''), /without a=fingerprint/],
    [linphoneOffer('none').replace('m=audio 27141', 'm=audio 0'), /no audio or video line/],
    [linphoneOffer('none').replace('m=audio', 'm=application').replace('RTP/AVP', 'UDP/BFCP'), /no audio or video line/],
  ];
  for (const [body, reason] of cases) {
    const refused = refusal(() => buildLegBOffer(body, offerOptions));
    assert.equal(refused.status, 488, body);
    assert.match(refused.reason, reason);
  }
});

test("leg B's answer that does not fit our offer is 488 (leg B is then hung up by the core)", () => {
  const offerA = linphoneOffer('none');
  const offerB = buildLegBOffer(offerA, offerOptions);
  const answer = (body: string) => refusal(() => buildLegAAnswer(offerA, offerB, body, answerOptions));
  assert.match(answer(linphoneAnswer('srtp').replace('a=crypto:1 AES_CM_128_HMAC_SHA1_80', 'a=crypto:9 AES_CM_128_HMAC_SHA1_80')).reason, /no a=crypto matching/);
  assert.match(answer(linphoneAnswer('srtp').replace('a=crypto:1 AES_CM_128_HMAC_SHA1_80', 'a=crypto:1 AES_CM_128_HMAC_SHA1_32')).reason, /no a=crypto matching/);
  assert.match(answer(linphoneAnswer('none')).reason, /no a=crypto matching/);
  assert.match(answer(`${linphoneAnswer('srtp')}m=video 0 RTP/AVP 96\r\n`).reason, /2 media lines to an offer of 1/);
  assert.match(answer(linphoneAnswer('srtp').replace('RTP/SAVP 96 97 98 0 8 18 99 100 101', 'RTP/SAVP 120')).reason, /did not offer/);
  assert.match(answer(linphoneAnswer('srtp').replace('m=audio 27181', 'm=audio 0')).reason, /no media line was accepted/);
  assert.equal(answer('v=0\r\n').status, 400);
  const offerDtls = buildLegBOffer(offerA, { ...offerOptions, mode: 'dtls-srtp' });
  const dtlsAnswer = (body: string) => refusal(() => buildLegAAnswer(offerA, offerDtls, body, answerOptions));
  assert.match(dtlsAnswer(linphoneAnswer('dtls').replace('a=setup:active', 'a=setup:actpass')).reason, /actpass/);
  assert.match(dtlsAnswer(linphoneAnswer('srtp')).reason, /RTP\/SAVP to a DTLS-SRTP offer/);
  assert.ok(new SdpNotAcceptableError('x') instanceof SdpError);
});
