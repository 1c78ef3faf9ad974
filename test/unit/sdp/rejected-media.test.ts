// Media lines refused on either leg stay refused (port 0), keep their place, and get no bridge stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import { bridgedMediaLines, buildLegAAnswer, buildLegBOffer } from '../../../src/sdp/bridge-sdp.js';
import { linphoneAnswer, linphoneOffer, localLeg, OUR_FINGERPRINT } from './sdp-fixtures.js';

const video = 'm=video 9078 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n';
const legB = { ...localLeg('127.0.0.1', 50000, 3), ports: [{ rtpPort: 50000, rtcpPort: 50001 }, undefined, { rtpPort: 50008, rtcpPort: 50009 }] };
const legA = { ...localLeg('127.0.0.1', 40000, 3), ports: [{ rtpPort: 40000, rtcpPort: 40001 }, undefined, { rtpPort: 40008, rtcpPort: 40009 }] };

test('a refused line and a non-RTP line in the offer: port 0 on leg B, bridge streams for the others only', () => {
  const offerA = `${linphoneOffer('none')}m=application 0 UDP/BFCP *\r\n${video}`;
  assert.deepEqual(bridgedMediaLines(offerA), [
    { line: 0, kind: 'audio' },
    { line: 2, kind: 'video' },
  ]);
  const offerB = buildLegBOffer(offerA, { mode: 'sdes', local: legB, dtlsFingerprint: OUR_FINGERPRINT });
  const media = parse(offerB.sdp).media;
  assert.deepEqual(media.map(({ type, port }) => [type, port]), [
    ['audio', 50000],
    ['application', 0],
    ['video', 50008],
  ]);
  assert.match(offerB.sdp, /\r\nm=application 0 UDP\/BFCP \*\r\n/);
  assert.equal(media[1]!.crypto, undefined);
  assert.equal(media[2]!.crypto?.length, 4);
  assert.deepEqual(offerB.lines.map((line) => line.bridged), [true, false, true]);
});

test('video refused by leg B: leg A is answered without video (port 0), audio bridged alone', () => {
  const offerA = `${linphoneOffer('none')}m=application 0 UDP/BFCP *\r\n${video}`;
  const offerB = buildLegBOffer(offerA, { mode: 'none', local: legB, dtlsFingerprint: OUR_FINGERPRINT });
  const answerB = `${linphoneAnswer('none')}m=application 0 UDP/BFCP *\r\nm=video 0 RTP/AVP 96\r\n`;
  const answerA = buildLegAAnswer(offerA, offerB, answerB, { local: legA, dtlsFingerprint: OUR_FINGERPRINT });
  assert.deepEqual(parse(answerA.sdp).media.map(({ type, port, protocol }) => [type, port, protocol]), [
    ['audio', 40000, 'RTP/AVP'],
    ['application', 0, 'UDP/BFCP'],
    ['video', 0, 'RTP/AVP'],
  ]);
  assert.deepEqual(answerA.streams.map(({ line, kind }) => [line, kind]), [[0, 'audio']]);
});
