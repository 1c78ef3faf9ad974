import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import { SdpNotAcceptableError } from '../../../src/sdp/errors.js';
import { chooseSdesAnswer, mediaSecurity, protocolFor, rtpProfile } from '../../../src/sdp/media-security.js';
import { fixture, LINPHONE_MODES, linphoneOffer } from './sdp-fixtures.js';

const detect = (sdp: string) => {
  const session = parse(sdp);
  return mediaSecurity(session, session.media[0]!);
};

test('the mode of Linphone 5.1 offers and answers, and of a baresip DTLS-SRTP (SAVPF) offer', () => {
  const expected = { none: 'none', srtp: 'sdes', zrtp: 'zrtp', dtls: 'dtls-srtp' } as const;
  for (const mode of LINPHONE_MODES) {
    assert.equal(detect(linphoneOffer(mode)), expected[mode], mode);
    assert.equal(detect(fixture(`linphone-5.1-${mode}-answer.sdp`)), expected[mode], `${mode} answer`);
  }
  assert.equal(detect(fixture('baresip-1.0-dtls-offer.sdp')), 'dtls-srtp');
  assert.deepEqual(rtpProfile('UDP/TLS/RTP/SAVPF'), { dtls: true, secure: true, feedback: true });
});

test('a=crypto on RTP/AVP is best-effort SDES; a fingerprint may sit at session level; a DTLS profile needs one', () => {
  assert.equal(detect(linphoneOffer('srtp').replace('RTP/SAVP', 'RTP/AVP')), 'sdes');
  const sessionLevel = linphoneOffer('dtls').replace(/a=fingerprint:(.*)\r\n/, '').replace('t=0 0\r\n', `t=0 0\r\n${/a=fingerprint:.*\r\n/.exec(linphoneOffer('dtls'))![0]}`);
  assert.equal(detect(sessionLevel), 'dtls-srtp');
  assert.throws(() => detect(linphoneOffer('dtls').replace(/a=fingerprint:.*\r\n/, '')), SdpNotAcceptableError);
  assert.throws(() => detect(linphoneOffer('none').replace('RTP/AVP', 'TCP/MSRP')), /TCP\/MSRP is not supported/);
});

test('profiles per mode keep the offered feedback flavour', () => {
  assert.deepEqual(
    (['none', 'sdes', 'dtls-srtp', 'zrtp'] as const).map((mode) => [protocolFor(mode, false), protocolFor(mode, true)]),
    [
      ['RTP/AVP', 'RTP/AVPF'],
      ['RTP/SAVP', 'RTP/SAVPF'],
      ['UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF'],
      ['RTP/AVP', 'RTP/AVPF'],
    ],
  );
});

test('SDES answer: the first offered suite that is allowed, in the offerer order; unusable lines skipped', () => {
  const media = parse(linphoneOffer('srtp')).media[0]!;
  assert.equal(chooseSdesAnswer(media, ['AES_256_CM_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80']).tag, 1);
  assert.equal(chooseSdesAnswer(media, ['AES_256_CM_HMAC_SHA1_80']).tag, 3);
  assert.throws(() => chooseSdesAnswer(media, ['AEAD_AES_128_GCM']), (error: SdpNotAcceptableError) => error.status === 488);
  const withUnusable = parse(
    linphoneOffer('srtp').replace('a=crypto:1 AES_CM_128_HMAC_SHA1_80', 'a=crypto:1 F8_128_HMAC_SHA1_80').replace(/(a=crypto:2 \S+ \S+)/, '$1|2^31|1:4'),
  ).media[0]!;
  assert.equal(chooseSdesAnswer(withUnusable, ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AES_256_CM_HMAC_SHA1_80']).tag, 3);
  const broken = parse(linphoneOffer('srtp').replace(/(a=crypto:1 \S+ inline:)\S+/, '$1AAAA')).media[0]!;
  assert.throws(() => chooseSdesAnswer(broken, ['AES_CM_128_HMAC_SHA1_80']), (error: SdpNotAcceptableError) => error.status === 400);
});
