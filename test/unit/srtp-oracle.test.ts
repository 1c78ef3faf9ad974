// The test oracle checked against published vectors, then its ROC, replay and tamper handling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  SUITE_NAMES,
  SUITES,
  SrtpAuthError,
  SrtpContext,
  SrtpFormatError,
  SrtpReplayError,
  aesCmKeystream,
  deriveSessionKey,
  makeRtcpPacket,
  makeRtpPacket,
  parseRtp,
  randomMasterKeySalt,
  type SuiteName,
} from '../helpers/srtp-oracle.js';
import { loadAddon, SRTP_TRAILER_ROOM, type NativeAddon } from '../../src/native/addon.js';

interface PacketVector {
  source: string;
  suite: SuiteName;
  kind: 'rtp' | 'rtcp';
  srtcpIndex?: number;
  encrypted?: boolean;
  masterKey?: string;
  masterSalt?: string;
  sessionKey?: string;
  sessionSalt?: string;
  plaintext: string;
  protected: string;
}

interface Vectors {
  aesCmKeystream: { source: string; sessionKey: string; iv: string; blocks: Record<string, string> }[];
  keyDerivation: { source: string; masterKey: string; masterSalt: string; labels: Record<string, string> }[];
  packets: PacketVector[];
}

// From dist/test/unit/ back to the source tree: fixtures are not compiled.
const vectors = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/srtp-vectors.json', import.meta.url), 'utf8'),
) as Vectors;
const hex = (text: string) => Buffer.from(text, 'hex');

function contextFor(vector: PacketVector): SrtpContext {
  if (vector.masterKey && vector.masterSalt) {
    return new SrtpContext(vector.suite, Buffer.concat([hex(vector.masterKey), hex(vector.masterSalt)]));
  }
  const keys = { key: hex(vector.sessionKey!), salt: hex(vector.sessionSalt!), auth: Buffer.alloc(0) };
  return SrtpContext.fromSessionKeys(vector.suite, { rtp: keys, rtcp: keys });
}

describe('srtp oracle: published vectors', () => {
  for (const vector of vectors.aesCmKeystream) {
    it(`AES-CM keystream, ${vector.source}`, () => {
      const lastBlock = Math.max(...Object.keys(vector.blocks).map(Number));
      const stream = aesCmKeystream(hex(vector.sessionKey), hex(vector.iv), (lastBlock + 1) * 16);
      for (const [block, expected] of Object.entries(vector.blocks)) {
        const at = Number(block) * 16;
        assert.equal(stream.subarray(at, at + 16).toString('hex'), expected.toLowerCase(), `block ${block}`);
      }
    });
  }

  for (const vector of vectors.keyDerivation) {
    it(`key derivation, ${vector.source}`, () => {
      for (const [label, expected] of Object.entries(vector.labels)) {
        const derived = deriveSessionKey(hex(vector.masterKey), hex(vector.masterSalt), Number(label), expected.length / 2);
        assert.equal(derived.toString('hex'), expected.toLowerCase(), `label ${label}`);
      }
    });
  }

  for (const vector of vectors.packets) {
    it(`${vector.kind.toUpperCase()} packet, ${vector.source}`, () => {
      const sender = contextFor(vector);
      const plaintext = hex(vector.plaintext);
      let protectedPacket: Buffer;
      if (vector.kind === 'rtp') {
        protectedPacket = sender.protectRtp(plaintext);
      } else {
        sender.setSrtcpIndex(plaintext.readUInt32BE(4), vector.srtcpIndex!);
        protectedPacket = sender.protectRtcp(plaintext, { encrypt: vector.encrypted! });
      }
      assert.equal(protectedPacket.toString('hex'), vector.protected.toLowerCase());

      const receiver = contextFor(vector);
      const unprotect = (packet: Buffer) =>
        vector.kind === 'rtp' ? receiver.unprotectRtp(packet) : receiver.unprotectRtcp(packet);
      assert.equal(unprotect(hex(vector.protected)).toString('hex'), vector.plaintext.toLowerCase());
      assert.throws(() => unprotect(hex(vector.protected)), SrtpReplayError);
    });
  }
});

const SSRC = 0x11223344;
const payloadOf = (seq: number) => Buffer.alloc(160, seq & 0xff);
const rtp = (seq: number, ssrc = SSRC) =>
  makeRtpPacket({ ssrc, seq, timestamp: seq * 160, payloadType: 0, payload: payloadOf(seq) });

describe('srtp oracle: every suite', () => {
  for (const suite of SUITE_NAMES) {
    it(`${suite}: round trip with the suite's tag lengths, RTP and SRTCP`, () => {
      const key = randomMasterKeySalt(suite);
      const sender = new SrtpContext(suite, key);
      const receiver = new SrtpContext(suite, key);
      const plain = rtp(1);
      const sealed = sender.protectRtp(plain);
      assert.equal(sealed.length, plain.length + SUITES[suite].rtpTagLength);
      assert.notDeepEqual(sealed.subarray(12, 172), plain.subarray(12));
      assert.deepEqual(receiver.unprotectRtp(sealed), plain);

      const report = makeRtcpPacket({ ssrc: SSRC, payload: Buffer.alloc(20, 7) });
      const sealedReport = sender.protectRtcp(report);
      assert.equal(sealedReport.length, report.length + 4 + SUITES[suite].rtcpTagLength);
      assert.deepEqual(receiver.unprotectRtcp(sealedReport), report);
    });

    it(`${suite}: a packet protected with other keys fails authentication`, () => {
      const sender = new SrtpContext(suite, randomMasterKeySalt(suite));
      const receiver = new SrtpContext(suite, randomMasterKeySalt(suite));
      assert.throws(() => receiver.unprotectRtp(sender.protectRtp(rtp(1))), SrtpAuthError);
    });
  }
});

describe('srtp oracle: ROC, replay and tampering', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_256_GCM'] as const) {
    it(`${suite}: sequence wrap 65535 -> 0 advances the ROC on both sides`, () => {
      const key = randomMasterKeySalt(suite);
      const sender = new SrtpContext(suite, key);
      const receiver = new SrtpContext(suite, key);
      for (const seq of [65533, 65534, 65535, 0, 1, 2]) {
        const out = parseRtp(receiver.unprotectRtp(sender.protectRtp(rtp(seq))));
        assert.equal(out.seq, seq);
        assert.deepEqual(out.payload, payloadOf(seq));
      }
      assert.equal(sender.rolloverCounter(SSRC), 1);
      assert.equal(receiver.rolloverCounter(SSRC), 1);
    });

    it(`${suite}: a receiver that assumes the wrong ROC rejects the packet`, () => {
      const key = randomMasterKeySalt(suite);
      const sender = new SrtpContext(suite, key);
      for (const seq of [65535, 0]) sender.protectRtp(rtp(seq));
      const afterWrap = sender.protectRtp(rtp(1)); // ROC 1
      assert.throws(() => new SrtpContext(suite, key).unprotectRtp(afterWrap), SrtpAuthError);
    });
  }

  it('late packets inside the window pass once; replays and packets older than the window do not', () => {
    const suite = 'AES_CM_128_HMAC_SHA1_32';
    const key = randomMasterKeySalt(suite);
    const sender = new SrtpContext(suite, key);
    const receiver = new SrtpContext(suite, key, { replayWindow: 64 });
    const sealed = new Map<number, Buffer>();
    for (let seq = 100; seq <= 300; seq++) sealed.set(seq, sender.protectRtp(rtp(seq)));
    receiver.unprotectRtp(sealed.get(100)!);
    receiver.unprotectRtp(sealed.get(300)!);
    assert.deepEqual(receiver.unprotectRtp(sealed.get(250)!), rtp(250)); // late but in the window
    assert.throws(() => receiver.unprotectRtp(sealed.get(250)!), SrtpReplayError);
    assert.throws(() => receiver.unprotectRtp(sealed.get(300)!), SrtpReplayError);
    assert.throws(() => receiver.unprotectRtp(sealed.get(200)!), SrtpReplayError); // 100 behind
  });

  it('SRTCP replay is rejected by index', () => {
    const suite = 'AEAD_AES_128_GCM';
    const key = randomMasterKeySalt(suite);
    const sender = new SrtpContext(suite, key);
    const receiver = new SrtpContext(suite, key);
    const sealed = sender.protectRtcp(makeRtcpPacket({ ssrc: SSRC, payload: Buffer.alloc(20) }));
    receiver.unprotectRtcp(sealed);
    assert.throws(() => receiver.unprotectRtcp(sealed), SrtpReplayError);
  });

  for (const suite of ['AES_192_CM_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as const) {
    it(`${suite}: a flipped bit in header, payload or tag fails authentication and changes no state`, () => {
      const key = randomMasterKeySalt(suite);
      const sender = new SrtpContext(suite, key);
      const receiver = new SrtpContext(suite, key);
      const sealed = sender.protectRtp(rtp(7));
      for (const at of [1, 20, sealed.length - 1]) {
        const tampered = Buffer.from(sealed);
        tampered[at] ^= 0x01;
        assert.throws(() => receiver.unprotectRtp(tampered), SrtpAuthError, `byte ${at}`);
      }
      assert.deepEqual(receiver.unprotectRtp(sealed), rtp(7)); // the genuine packet still passes

      const report = sender.protectRtcp(makeRtcpPacket({ ssrc: SSRC, payload: Buffer.alloc(8, 1) }));
      const tamperedReport = Buffer.from(report);
      tamperedReport[10] ^= 0x80;
      assert.throws(() => receiver.unprotectRtcp(tamperedReport), SrtpAuthError);
    });
  }

  it('short and non-RTP input is a format error, not an authentication result', () => {
    const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', randomMasterKeySalt('AES_CM_128_HMAC_SHA1_80'));
    assert.throws(() => receiver.unprotectRtp(Buffer.alloc(5)), SrtpFormatError);
    assert.throws(() => receiver.unprotectRtp(Buffer.from(rtp(1)).fill(0, 0, 1)), SrtpFormatError);
    assert.throws(() => receiver.unprotectRtp(rtp(1).subarray(0, 16)), SrtpFormatError);
  });

  it('streams with different SSRCs keep separate ROC and replay state', () => {
    const suite = 'AES_256_CM_HMAC_SHA1_80';
    const key = randomMasterKeySalt(suite);
    const sender = new SrtpContext(suite, key);
    const receiver = new SrtpContext(suite, key);
    receiver.unprotectRtp(sender.protectRtp(rtp(5, 1)));
    assert.deepEqual(receiver.unprotectRtp(sender.protectRtp(rtp(5, 2))), rtp(5, 2));
  });

  it('rekey: packets under the new keys pass, the old keys no longer authenticate, the ROC carries on', () => {
    const suite = 'AEAD_AES_128_GCM';
    const [oldKey, newKey] = [randomMasterKeySalt(suite), randomMasterKeySalt(suite)];
    const sender = new SrtpContext(suite, oldKey);
    const receiver = new SrtpContext(suite, oldKey);
    const stale = new SrtpContext(suite, oldKey); // follows the stream but never gets the new keys
    for (const seq of [65534, 65535]) {
      const sealed = sender.protectRtp(rtp(seq));
      receiver.unprotectRtp(sealed);
      stale.unprotectRtp(sealed);
    }
    sender.rekey(newKey);
    receiver.rekey(newKey);
    const afterRekey = sender.protectRtp(rtp(0)); // wraps: ROC 1 under the new keys
    assert.throws(() => stale.unprotectRtp(afterRekey), SrtpAuthError);
    assert.deepEqual(receiver.unprotectRtp(afterRekey), rtp(0));
    assert.equal(receiver.rolloverCounter(SSRC), 1);
  });

  it('rejects a master key of the wrong length', () => {
    assert.throws(() => new SrtpContext('AEAD_AES_256_GCM', Buffer.alloc(30)), RangeError);
  });
});

// Cross-check with libsrtp through the addon, for the suites no published vector covers (AES-192,
// the *_32 tags, SRTCP of every suite): both are deterministic, so the bytes must be identical.
let addon: NativeAddon | undefined;
try {
  addon = loadAddon();
} catch {
  addon = undefined;
}

describe('srtp oracle: byte for byte with libsrtp', { skip: addon ? false : 'native addon not built' }, () => {
  const libsrtp = (suite: SuiteName, key: Buffer, direction: 'inbound' | 'outbound') =>
    new addon!.SrtpContext(suite, key, direction);
  const inPlace = (apply: (buffer: Buffer, length: number) => number, packet: Buffer) => {
    const buffer = Buffer.alloc(packet.length + SRTP_TRAILER_ROOM);
    packet.copy(buffer);
    return Buffer.from(buffer.subarray(0, apply(buffer, packet.length)));
  };

  for (const suite of SUITE_NAMES) {
    it(`${suite}: same SRTP across a ROC wrap and same SRTCP, and each opens the other's`, () => {
      const key = randomMasterKeySalt(suite);
      const oracle = new SrtpContext(suite, key);
      const oracleReceiver = new SrtpContext(suite, key);
      const sender = libsrtp(suite, key, 'outbound');
      const receiver = libsrtp(suite, key, 'inbound');
      for (const seq of [65534, 65535, 0, 1]) {
        const plain = rtp(seq);
        const ours = oracle.protectRtp(plain);
        const theirs = inPlace((b, l) => sender.protectRtp(b, l), plain);
        assert.equal(ours.toString('hex'), theirs.toString('hex'), `seq ${seq}`);
        assert.deepEqual(inPlace((b, l) => receiver.unprotectRtp(b, l), ours), plain);
        assert.deepEqual(oracleReceiver.unprotectRtp(theirs), plain);
      }
      const report = makeRtcpPacket({ ssrc: SSRC, payload: Buffer.alloc(24, 0x5a) });
      const ourReport = oracle.protectRtcp(report);
      assert.equal(ourReport.toString('hex'), inPlace((b, l) => sender.protectRtcp(b, l), report).toString('hex'));
      assert.deepEqual(inPlace((b, l) => receiver.unprotectRtcp(b, l), ourReport), report);
    });
  }
});
