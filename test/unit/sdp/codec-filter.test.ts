// `audio-codec` / `video-codec`: one codec on both legs (payload forwarding needs the same codec).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import { bridgedMediaLines, buildLegAAnswer, buildLegBOffer } from '../../../src/sdp/bridge-sdp.js';
import { SdpNotAcceptableError } from '../../../src/sdp/errors.js';
import { linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT } from './sdp-fixtures.js';

const legB = localLeg('127.0.0.1', 50000, 2);
const options = (audio: string, video = '') => ({ mode: 'none' as const, local: legB, dtlsFingerprint: OUR_FINGERPRINT, codecFilter: { audio, video } });

/** Linphone's audio line plus a video line in its format (VP8 and H264), written for this test. */
const audioVideoOffer = `${linphoneOffer('none')}m=video 9078 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42801F\r\na=rtcp-fb:* trr-int 5000\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:97 nack pli\r\n`;

test('audio-codec PCMU/8000 keeps PCMU and telephone-event/8000 only (case-insensitive)', () => {
  for (const setting of ['PCMU/8000', 'pcmu/8000']) {
    const media = parse(buildLegBOffer(linphoneOffer('srtp'), options(setting)).sdp).media[0]!;
    assert.equal(media.payloads, '0 101');
    assert.deepEqual(media.rtp, [{ payload: 101, codec: 'telephone-event', rate: 8000 }]);
    assert.deepEqual(media.fmtp, [], 'a=fmtp of the dropped codecs (opus, speex, G729) go with them');
  }
});

test('audio-codec opus/48000 keeps opus with its fmtp and telephone-event/48000', () => {
  const media = parse(buildLegBOffer(linphoneOffer('none'), options('opus/48000')).sdp).media[0]!;
  assert.equal(media.payloads, '96 99');
  assert.deepEqual(media.fmtp, [{ payload: 96, config: 'useinbandfec=1' }]);
});

test('the filtered codec reaches leg A: its answer holds only what leg B took from the filtered offer', () => {
  const offerB = buildLegBOffer(linphoneOffer('none'), options('PCMA/8000'));
  const answerB = linphoneAnswer('none').replace('RTP/AVP 96 97 98 0 8 18 99 100 101', 'RTP/AVP 8 101');
  const answerA = buildLegAAnswer(linphoneOffer('none'), offerB, answerB, { local: localLeg('127.0.0.1', 40000), dtlsFingerprint: OUR_FINGERPRINT });
  assert.equal(parse(answerA.sdp).media[0]!.payloads, '8 101');
  assert.equal(answerA.streams[0]!.legs[0].clockRate, 8000);
});

test('video-codec H264 keeps H264 and its rtcp-fb on the video line, leaves audio alone', () => {
  const session = parse(buildLegBOffer(audioVideoOffer, options('', 'h264')).sdp);
  assert.equal(session.media[0]!.payloads, '96 97 98 0 8 18 99 100 101');
  const video = session.media[1]!;
  assert.equal(String(video.payloads), '97');
  assert.deepEqual(video.rtcpFb, [{ payload: 97, type: 'nack', subtype: 'pli' }]);
  assert.deepEqual(video.rtcpFbTrrInt, [{ payload: '*', value: 5000 }]);
});

test('a codec no line offers leaves the line rejected (port 0), and no line at all is a 488', () => {
  assert.deepEqual(bridgedMediaLines(audioVideoOffer, { video: 'AV1' }), [{ line: 0, kind: 'audio' }]);
  const session = parse(buildLegBOffer(audioVideoOffer, options('', 'AV1')).sdp);
  assert.equal(session.media[1]!.port, 0);
  assert.throws(
    () => buildLegBOffer(linphoneOffer('none'), options('AMR-WB/16000')),
    (error: SdpNotAcceptableError) => error instanceof SdpNotAcceptableError && error.status === 488,
  );
});
