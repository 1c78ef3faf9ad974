// Leg A offer -> leg B offer -> leg B answer -> leg A answer, with Linphone 5.1's own offers and
// answers, for every pair of modes; then AVPF (baresip), rtcp-mux, ICE and what is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, write, type MediaDescription } from 'sdp-transform';
import type { EncryptionMode } from '../../../src/config/trenscrypter-lists.js';
import { buildLegAAnswer, buildLegBOffer, DEFAULT_SRTP_SUITES, offerMode, type LegBOfferOptions } from '../../../src/sdp/bridge-sdp.js';
import { parseCryptoAttribute } from '../../../src/sdp/crypto-attribute.js';
import { cryptoLinesOf, zrtpHashOf } from '../../../src/sdp/media-security.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { fixture, LINPHONE_MODES, linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT, type LinphoneMode } from './sdp-fixtures.js';

const MODE_OF: Record<LinphoneMode, EncryptionMode> = { none: 'none', srtp: 'sdes', zrtp: 'zrtp', dtls: 'dtls-srtp' };
const PROTOCOL_OF: Record<EncryptionMode, string> = { none: 'RTP/AVP', sdes: 'RTP/SAVP', zrtp: 'RTP/AVP', 'dtls-srtp': 'UDP/TLS/RTP/SAVP' };
const ENGINE_MODE_OF: Record<EncryptionMode, string> = { none: 'none', sdes: 'srtp', zrtp: 'zrtp', 'dtls-srtp': 'dtls' };

const legA = localLeg('127.0.0.1', 40000);
const legB = localLeg('127.0.0.1', 50000);
const optionsB = (mode: EncryptionMode, extra: Partial<LegBOfferOptions> = {}): LegBOfferOptions => ({ mode, local: legB, dtlsFingerprint: OUR_FINGERPRINT, ...extra });
const answerOptions = { local: legA, dtlsFingerprint: OUR_FINGERPRINT };

function audio(sdp: string): MediaDescription {
  return parseSdp(sdp).media[0]!;
}

/** Our text survives sdp-transform's parse/write unchanged, and our own parser accepts it. */
function assertRoundTrips(sdp: string): void {
  assert.equal(write(parse(sdp)), sdp);
  parseSdp(sdp);
}

/** The encryption attributes of a line written in `mode`, by the B2BUA. */
function assertOurSecurity(media: MediaDescription, mode: EncryptionMode, setup: string, zrtpHash: string): void {
  assert.equal(media.protocol, PROTOCOL_OF[mode]);
  assert.equal(media.fingerprint?.hash, mode === 'dtls-srtp' ? OUR_FINGERPRINT : undefined);
  assert.equal(media.setup, mode === 'dtls-srtp' ? setup : undefined);
  assert.equal(zrtpHashOf(media), mode === 'zrtp' ? zrtpHash : undefined);
  if (mode !== 'sdes') assert.equal(media.crypto, undefined);
}

for (const aMode of LINPHONE_MODES) {
  for (const bMode of LINPHONE_MODES) {
    test(`Linphone ${aMode} caller -> Linphone ${bMode} callee: offer, answer and engine settings`, () => {
      const modeA = MODE_OF[aMode];
      const modeB = MODE_OF[bMode];
      const offerA = linphoneOffer(aMode);
      assert.equal(offerMode(offerA), modeA);

      const offerB = buildLegBOffer(offerA, optionsB(modeB));
      assertRoundTrips(offerB.sdp);
      const mediaOfferB = audio(offerB.sdp);
      assertOurSecurity(mediaOfferB, modeB, 'actpass', legB.zrtpHelloHashes![0]!);
      assert.equal(mediaOfferB.payloads, audio(offerA).payloads, 'payload types forwarded as offered');
      assert.deepEqual(mediaOfferB.rtp, audio(offerA).rtp);
      assert.deepEqual(mediaOfferB.fmtp, audio(offerA).fmtp);
      assert.equal(mediaOfferB.port, 50000);
      assert.equal(mediaOfferB.rtcp?.port, 50001);
      assert.equal(mediaOfferB.rtcpMux, undefined, 'Linphone offered no rtcp-mux');
      const offeredCryptos = cryptoLinesOf(mediaOfferB).map(parseCryptoAttribute);
      assert.deepEqual(
        offeredCryptos.map(({ tag, suite }) => [tag, suite]),
        modeB === 'sdes' ? DEFAULT_SRTP_SUITES.map((suite, index) => [index + 1, suite]) : [],
      );

      const answerB = linphoneAnswer(bMode);
      const answerA = buildLegAAnswer(offerA, offerB, answerB, answerOptions);
      assertRoundTrips(answerA.sdp);
      assert.equal(answerA.legAMode, modeA);
      const mediaAnswerA = audio(answerA.sdp);
      assertOurSecurity(mediaAnswerA, modeA, 'active', legA.zrtpHelloHashes![0]!);
      assert.equal(mediaAnswerA.payloads, audio(answerB).payloads);
      assert.equal(mediaAnswerA.port, 40000);
      assert.equal(parse(answerA.sdp).connection?.ip, '127.0.0.1');

      assert.equal(answerA.streams.length, 1);
      const [stream] = answerA.streams;
      assert.equal(stream!.line, 0);
      assert.equal(stream!.kind, 'audio');
      const [settingsA, settingsB] = stream!.legs;
      assert.equal(settingsA.mode, ENGINE_MODE_OF[modeA]);
      assert.equal(settingsB.mode, ENGINE_MODE_OF[modeB]);
      assert.equal(settingsA.direction, 'sendrecv');
      assert.equal(settingsB.direction, 'sendrecv');
      assert.equal(settingsA.clockRate, 48000, 'opus, the first answered codec');
      assert.deepEqual(settingsA.remote, { address: '127.0.0.1', rtpPort: audio(offerA).port, rtcpPort: audio(offerA).port + 1 });
      assert.deepEqual(settingsB.remote, { address: '127.0.0.1', rtpPort: audio(answerB).port, rtcpPort: audio(answerB).port + 1 });

      const theirA = audio(offerA);
      if (modeA === 'sdes') {
        const [ours] = cryptoLinesOf(mediaAnswerA).map(parseCryptoAttribute);
        const theirs = parseCryptoAttribute(cryptoLinesOf(theirA)[0]!);
        assert.equal(cryptoLinesOf(mediaAnswerA).length, 1);
        assert.equal(ours!.tag, 1);
        assert.equal(ours!.suite, 'AES_CM_128_HMAC_SHA1_80');
        assert.deepEqual(settingsA.srtp, { suite: 'AES_CM_128_HMAC_SHA1_80', sendKey: ours!.keySalt, receiveKey: theirs.keySalt });
        assert.notDeepEqual(ours!.keySalt, theirs.keySalt);
      } else assert.equal(settingsA.srtp, undefined);
      assert.deepEqual(settingsA.dtls, modeA === 'dtls-srtp' ? { setup: 'active', fingerprint: theirA.fingerprint!.hash } : undefined);
      assert.deepEqual(settingsA.zrtp, modeA === 'zrtp' ? { peerHelloHash: zrtpHashOf(theirA) } : undefined);

      const theirB = audio(answerB);
      if (modeB === 'sdes') {
        assert.deepEqual(settingsB.srtp, {
          suite: 'AES_CM_128_HMAC_SHA1_80',
          sendKey: offeredCryptos[0]!.keySalt,
          receiveKey: parseCryptoAttribute(cryptoLinesOf(theirB)[0]!).keySalt,
        });
      } else assert.equal(settingsB.srtp, undefined);
      assert.deepEqual(settingsB.dtls, modeB === 'dtls-srtp' ? { setup: 'passive', fingerprint: theirB.fingerprint!.hash } : undefined);
      assert.deepEqual(settingsB.zrtp, modeB === 'zrtp' ? { peerHelloHash: zrtpHashOf(theirB) } : undefined);
    });
  }
}

test("what is not forwarded is dropped: a=rtcp-xr, a=ssrc, a=mid, a=label, a=tool, a=rtcp-rsize, b=", () => {
  for (const offer of [linphoneOffer('dtls'), fixture('baresip-1.0-dtls-offer.sdp')]) {
    const { sdp } = buildLegBOffer(offer, optionsB('none'));
    for (const dropped of ['a=rtcp-xr', 'a=ssrc', 'a=mid', 'a=label', 'a=tool', 'a=rtcp-rsize', 'b=AS']) {
      assert.ok(!sdp.includes(dropped), `${dropped} in\n${sdp}`);
    }
    assert.ok(sdp.includes('a=rtcp-fb:') || !offer.includes('a=rtcp-fb:'));
  }
  const offer = buildLegBOffer(linphoneOffer('none'), optionsB('none')).sdp;
  assert.match(offer, /a=rtcp-fb:\* trr-int 5000\r\na=rtcp-fb:\* ccm tmmbr/);
  assert.match(buildLegBOffer(fixture('baresip-1.0-dtls-offer.sdp'), optionsB('none')).sdp, /a=ptime:20/);
});

test('baresip DTLS-SRTP (UDP/TLS/RTP/SAVPF + rtcp-mux) caller: AVPF and rtcp-mux carried to every leg B mode', () => {
  const offerA = fixture('baresip-1.0-dtls-offer.sdp');
  const feedbackProtocol = { none: 'RTP/AVPF', sdes: 'RTP/SAVPF', zrtp: 'RTP/AVPF', 'dtls-srtp': 'UDP/TLS/RTP/SAVPF' } as const;
  for (const bMode of LINPHONE_MODES) {
    const modeB = MODE_OF[bMode];
    const offerB = buildLegBOffer(offerA, optionsB(modeB));
    const media = audio(offerB.sdp);
    assert.equal(media.protocol, feedbackProtocol[modeB]);
    assert.equal(media.rtcpMux, 'rtcp-mux');
    assert.equal(media.payloads, '96 0 8 101');
    // A callee that answers the AVPF line with rtcp-mux.
    const answerB = linphoneAnswer(bMode).replace(PROTOCOL_OF[modeB], feedbackProtocol[modeB]).replace('a=rtcp-fb:* ccm tmmbr\r\n', 'a=rtcp-fb:* ccm tmmbr\r\na=rtcp-mux\r\n');
    const answerA = buildLegAAnswer(offerA, offerB, answerB, answerOptions);
    const mediaA = audio(answerA.sdp);
    assert.equal(mediaA.protocol, 'UDP/TLS/RTP/SAVPF');
    assert.equal(mediaA.rtcpMux, 'rtcp-mux');
    assert.equal(mediaA.payloads, '96 0 8 101', 'what leg B answered, within what leg A offered');
    assert.equal(mediaA.setup, 'active');
    const [settingsA, settingsB] = answerA.streams[0]!.legs;
    assert.equal(settingsA.rtcpMux, true);
    assert.deepEqual(settingsA.remote, { address: '127.0.0.1', rtpPort: 10000, rtcpPort: 10000 });
    assert.equal(settingsB.rtcpMux, true);
    assert.equal(settingsB.remote!.rtcpPort, settingsB.remote!.rtpPort);
  }
});

test('a baresip DTLS callee answering a Linphone SDES caller', () => {
  const offerA = linphoneOffer('srtp');
  // baresip answers only what it shares with the offer: opus and telephone-event/8000.
  const offerB = buildLegBOffer(offerA, optionsB('dtls-srtp'));
  const answerB = fixture('baresip-1.0-dtls-answer.sdp').replace('UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVP').replace('a=rtcp-mux\r\n', '');
  const answerA = buildLegAAnswer(offerA, offerB, answerB, answerOptions);
  const media = audio(answerA.sdp);
  assert.equal(media.protocol, 'RTP/SAVP');
  assert.equal(media.payloads, '96 101');
  assert.deepEqual(media.fmtp, [
    { payload: 96, config: 'stereo=1;sprop-stereo=1' },
    { payload: 101, config: '0-15' },
  ], "leg B's codec parameters, since leg A sends to leg B's decoder");
  assert.equal(media.rtcpMux, undefined);
  const [, settingsB] = answerA.streams[0]!.legs;
  assert.deepEqual(settingsB.dtls, { setup: 'passive', fingerprint: audio(answerB).fingerprint!.hash });
  assert.equal(settingsB.rtcpMux, false, 'rtcp-mux was not offered to leg B');
});

test('the SDES suites of leg B follow the policy list, in its order; leg A accepts only its allowed suites', () => {
  const offerB = buildLegBOffer(linphoneOffer('none'), optionsB('sdes', { srtpSuites: ['AEAD_AES_256_GCM', 'AES_256_CM_HMAC_SHA1_80'] }));
  assert.deepEqual(
    cryptoLinesOf(audio(offerB.sdp)).map((line) => line.split(' ').slice(0, 2).join(' ')),
    ['1 AEAD_AES_256_GCM', '2 AES_256_CM_HMAC_SHA1_80'],
  );
  const answerB = linphoneAnswer('srtp').replace(/a=crypto:1 \S+ inline:\S+/, `a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:${Buffer.alloc(46, 7).toString('base64')}`);
  const answerA = buildLegAAnswer(linphoneOffer('srtp'), offerB, answerB, { ...answerOptions, srtpSuites: ['AES_256_CM_HMAC_SHA1_32'] });
  const [settingsA, settingsB] = answerA.streams[0]!.legs;
  assert.equal(settingsB.srtp!.suite, 'AES_256_CM_HMAC_SHA1_80');
  assert.deepEqual(settingsB.srtp!.receiveKey, Buffer.alloc(46, 7));
  assert.deepEqual(settingsB.srtp!.sendKey, offerB.lines[0]!.cryptos[1]!.keySalt);
  assert.equal(settingsA.srtp!.suite, 'AES_256_CM_HMAC_SHA1_32');
  assert.match(answerA.sdp, /a=crypto:4 AES_256_CM_HMAC_SHA1_32 inline:/);
});

test('enable-ice: a=ice-lite and host (+ nat-addresses srflx) candidates on both legs; credentials in the settings', () => {
  const iceA = { credentials: { ufrag: 'aaaaaaaa', pwd: 'a'.repeat(24) } };
  const iceB = { credentials: { ufrag: 'bbbbbbbb', pwd: 'b'.repeat(24) }, natAddresses: ['192.0.2.10'] };
  const offerB = buildLegBOffer(linphoneOffer('none'), optionsB('none', { local: { ...legB, ice: iceB } }));
  const sessionB = parse(offerB.sdp);
  assert.equal(sessionB.icelite, 'ice-lite');
  assert.equal(sessionB.media[0]!.iceUfrag, 'bbbbbbbb');
  assert.deepEqual(
    sessionB.media[0]!.candidates!.map(({ component, ip, port, type }) => [component, ip, port, type]),
    [
      [1, '127.0.0.1', 50000, 'host'],
      [1, '192.0.2.10', 50000, 'srflx'],
      [2, '127.0.0.1', 50001, 'host'],
      [2, '192.0.2.10', 50001, 'srflx'],
    ],
  );
  const answerA = buildLegAAnswer(linphoneOffer('none'), offerB, linphoneAnswer('none'), { ...answerOptions, local: { ...legA, ice: iceA } });
  const sessionA = parse(answerA.sdp);
  assert.equal(sessionA.icelite, 'ice-lite');
  assert.equal(sessionA.media[0]!.icePwd, 'a'.repeat(24));
  assert.equal(sessionA.media[0]!.candidates!.length, 2);
  const [settingsA, settingsB] = answerA.streams[0]!.legs;
  assert.deepEqual(settingsA.ice, iceA.credentials);
  assert.deepEqual(settingsB.ice, iceB.credentials);
  assert.doesNotMatch(buildLegBOffer(linphoneOffer('none'), optionsB('none')).sdp, /ice/, 'no ICE unless enabled');
});

test('re-offers keep the session id and carry the version the core gives', () => {
  const origin = { sessionId: '4242', version: 7 };
  const offerB = buildLegBOffer(linphoneOffer('none'), optionsB('none', { origin }));
  assert.match(offerB.sdp, /^v=0\r\no=- 4242 7 IN IP4 127.0.0.1\r\n/);
  const answerA = buildLegAAnswer(linphoneOffer('none'), offerB, linphoneAnswer('none'), { ...answerOptions, origin: { sessionId: '99', version: 3 } });
  assert.match(answerA.sdp, /^v=0\r\no=- 99 3 IN IP4 127.0.0.1\r\n/);
});

test('IPv6 legs get IP6 origin and connection lines', () => {
  const offerA = linphoneOffer('none').replaceAll('IN IP4 127.0.0.1', 'IN IP6 ::1');
  const offerB = buildLegBOffer(offerA, optionsB('none', { local: localLeg('::1', 50000) }));
  assert.match(offerB.sdp, /o=- \d+ 1 IN IP6 ::1\r\n/);
  assert.match(offerB.sdp, /c=IN IP6 ::1\r\n/);
  const answerA = buildLegAAnswer(offerA, offerB, linphoneAnswer('none'), answerOptions);
  assert.equal(answerA.streams[0]!.legs[0].remote!.address, '::1');
});
