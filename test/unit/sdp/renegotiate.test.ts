// Offers and answers on a bridged leg (re-INVITE, UPDATE): our SDP restated with a new direction
// and version, the peer's new address, key or DTLS parameters applied, and what must stay.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LegSettings } from '../../../src/media/bridge.js';
import { parseSdp } from '../../../src/sdp/parse.js';
import { SdpNotAcceptableError } from '../../../src/sdp/errors.js';
import { answerOffer, applyAnswer, keepsMediaLines, restatedOffer, type NegotiatedLeg } from '../../../src/sdp/renegotiate.js';

const SEND_KEY = randomBytes(30);
const RECEIVE_KEY = randomBytes(30);
const b64 = (key: Buffer): string => key.toString('base64');

function sdesLeg(): NegotiatedLeg {
  const ours = parseSdp(
    'v=0\r\no=- 42 7 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n' +
      `a=sendrecv\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${b64(SEND_KEY)}\r\n`,
  );
  const settings: LegSettings = {
    mode: 'srtp',
    direction: 'sendrecv',
    rtcpMux: false,
    remote: { address: '10.0.0.9', rtpPort: 7078, rtcpPort: 7079 },
    srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', sendKey: SEND_KEY, receiveKey: RECEIVE_KEY },
  };
  return { ours, settings: [settings] };
}

function peerOffer(direction: string, key: Buffer, tag = 1, suite = 'AES_CM_128_HMAC_SHA1_80', port = 7078): ReturnType<typeof parseSdp> {
  return parseSdp(
    `v=0\r\no=- 9 3 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio ${port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n` +
      `a=${direction}\r\na=crypto:${tag} ${suite} inline:${b64(key)}\r\n`,
  );
}

describe('renegotiation on a bridged leg', () => {
  it('restates our SDP as an offer: the wanted direction, the next version, the same port and key', () => {
    const { sdp, leg } = restatedOffer(sdesLeg(), 'sendonly');
    const offer = parseSdp(sdp);
    assert.equal(offer.origin?.sessionVersion, 8);
    assert.equal(offer.origin?.sessionId, 42);
    assert.equal(offer.media[0]?.direction, 'sendonly');
    assert.equal(offer.media[0]?.port, 20000);
    assert.equal(offer.media[0]?.crypto?.[0]?.config, `inline:${b64(SEND_KEY)}`);
    assert.equal(leg.settings[0]?.srtp?.sendKey, SEND_KEY);
  });

  it("answers a hold within what we want, follows the offer's crypto tag and takes its new key and port", () => {
    const newKey = randomBytes(30);
    const { sdp, leg } = answerOffer(sdesLeg(), peerOffer('sendonly', newKey, 5, 'AES_CM_128_HMAC_SHA1_80', 7090), 'sendrecv');
    const answer = parseSdp(sdp);
    assert.equal(answer.media[0]?.direction, 'recvonly');
    assert.equal(answer.media[0]?.crypto?.[0]?.id, 5);
    assert.equal(answer.media[0]?.crypto?.[0]?.config, `inline:${b64(SEND_KEY)}`, 'our key is kept: the engine keeps its contexts');
    const settings = leg.settings[0]!;
    assert.deepEqual(settings.srtp?.receiveKey, newKey);
    assert.deepEqual(settings.srtp?.sendKey, SEND_KEY);
    assert.equal(settings.direction, 'recvonly');
    assert.deepEqual(settings.remote, { address: '10.0.0.9', rtpPort: 7090, rtcpPort: 7091 });
  });

  it('refuses a re-offer that drops the suite in use (488)', () => {
    assert.throws(() => answerOffer(sdesLeg(), peerOffer('sendrecv', randomBytes(46), 1, 'AES_256_CM_HMAC_SHA1_80'), 'sendrecv'), SdpNotAcceptableError);
  });

  it("applies the peer's answer to our restated offer: the negotiated direction and its key", () => {
    const { leg } = restatedOffer(sdesLeg(), 'sendonly');
    const after = applyAnswer(leg, peerOffer('recvonly', RECEIVE_KEY, 2));
    assert.equal(after.settings[0]?.direction, 'sendonly');
    assert.deepEqual(after.settings[0]?.srtp?.receiveKey, RECEIVE_KEY);
  });

  it('a media line added or refused is a media change, not a renegotiation', () => {
    const leg = sdesLeg();
    assert.equal(keepsMediaLines(leg, peerOffer('sendrecv', RECEIVE_KEY)), true);
    const withVideo = parseSdp(`v=0\r\no=- 9 4 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0\r\nm=video 7080 RTP/AVP 96\r\n`);
    assert.equal(keepsMediaLines(leg, withVideo), false);
    const refused = parseSdp('v=0\r\no=- 9 4 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 0 RTP/SAVP 0\r\n');
    assert.equal(keepsMediaLines(leg, refused), false);
  });
});

describe('renegotiation on a DTLS-SRTP leg', () => {
  const FINGERPRINT = 'sha-256 11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF';
  function dtlsLeg(): NegotiatedLeg {
    const ours = parseSdp(
      'v=0\r\no=- 42 7 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 20000 UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n' +
        'a=setup:actpass\r\na=fingerprint:sha-256 AA:BB\r\n',
    );
    return {
      ours,
      settings: [{ mode: 'dtls', direction: 'sendrecv', rtcpMux: false, remote: { address: '10.0.0.9', rtpPort: 7078, rtcpPort: 7079 }, dtls: { setup: 'passive', fingerprint: 'CC:DD' } }],
    };
  }
  const answer = (extra: string): ReturnType<typeof parseSdp> =>
    parseSdp(`v=0\r\no=- 9 3 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 7078 UDP/TLS/RTP/SAVP 0\r\na=recvonly\r\n${extra}`);

  it('a re-offer states our current role, not actpass, so that the association is kept', () => {
    assert.equal(parseSdp(restatedOffer(dtlsLeg(), 'sendonly').sdp).media[0]?.setup, 'passive');
  });

  it('an answer without a=setup and a=fingerprint (Linphone 5.1) keeps the association', () => {
    const { leg } = restatedOffer(dtlsLeg(), 'sendonly');
    assert.deepEqual(applyAnswer(leg, answer('')).settings[0]?.dtls, { setup: 'passive', fingerprint: 'CC:DD' });
  });

  it('an answer with its setup and fingerprint is checked and taken', () => {
    const { leg } = restatedOffer(dtlsLeg(), 'sendonly');
    const dtls = applyAnswer(leg, answer(`a=setup:active\r\na=fingerprint:${FINGERPRINT}\r\n`)).settings[0]?.dtls;
    assert.equal(dtls?.setup, 'passive');
    assert.equal(dtls?.fingerprint, FINGERPRINT.split(' ')[1]);
    assert.throws(() => applyAnswer(leg, answer(`a=setup:passive\r\na=fingerprint:${FINGERPRINT}\r\n`)), SdpNotAcceptableError);
  });
});
