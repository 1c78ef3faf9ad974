// Published SRTP known-answer vectors, run through the addon's libsrtp (native/src/crypto).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHmac, type CipherGCMTypes } from 'node:crypto';
import { loadAddon, SRTP_TRAILER_ROOM, type NativeSrtpContext } from '../../src/native/addon.js';
import { deriveSessionKey } from '../helpers/srtp-oracle.js';

interface PacketVector {
  source: string;
  suite: string;
  kind: 'rtp' | 'rtcp';
  masterKey?: string;
  masterSalt?: string;
  plaintext: string;
  protected: string;
}
interface DerivationVector {
  source: string;
  masterKey: string;
  masterSalt: string;
  labels: Record<'0' | '1' | '2', string>;
}
const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/srtp-vectors.json', import.meta.url), 'utf8')) as {
  packets: PacketVector[];
  keyDerivation: DerivationVector[];
};

const { SrtpContext } = loadAddon();
const hex = (text: string) => Buffer.from(text, 'hex');

function run(context: NativeSrtpContext, operation: 'protectRtp' | 'unprotectRtp' | 'protectRtcp' | 'unprotectRtcp', input: Buffer): Buffer {
  const buffer = Buffer.alloc(input.length + SRTP_TRAILER_ROOM);
  input.copy(buffer);
  const length = context[operation](buffer, input.length);
  return buffer.subarray(0, length);
}

for (const vector of vectors.packets.filter((v) => v.masterKey)) {
  test(`${vector.source}: protect gives the published packet and unprotect reverses it`, () => {
    const key = Buffer.concat([hex(vector.masterKey!), hex(vector.masterSalt!)]);
    const rtcp = vector.kind === 'rtcp';
    const sender = new SrtpContext(vector.suite, key, 'outbound');
    const receiver = new SrtpContext(vector.suite, key, 'inbound');
    assert.equal(run(sender, rtcp ? 'protectRtcp' : 'protectRtp', hex(vector.plaintext)).toString('hex'), vector.protected.toLowerCase());
    assert.equal(run(receiver, rtcp ? 'unprotectRtcp' : 'unprotectRtp', hex(vector.protected)).toString('hex'), vector.plaintext.toLowerCase());
  });
}

test('a tampered published packet fails authentication, and a replay of it fails the replay check', () => {
  const vector = vectors.packets.find((v) => v.masterKey && v.kind === 'rtp')!;
  const key = Buffer.concat([hex(vector.masterKey!), hex(vector.masterSalt!)]);
  const receiver = new SrtpContext(vector.suite, key, 'inbound');
  const tampered = hex(vector.protected);
  tampered[14]! ^= 1;
  assert.throws(() => run(receiver, 'unprotectRtp', tampered), { code: 'ERR_SRTP_AUTH' });
  run(receiver, 'unprotectRtp', hex(vector.protected));
  assert.throws(() => run(receiver, 'unprotectRtp', hex(vector.protected)), { code: 'ERR_SRTP_REPLAY' });
});

// RFC 3711 B.3 and RFC 6188 7.2/7.4 list the session keys derived from a master key: a packet the
// addon protects under that master key must decrypt and authenticate with exactly those keys.
const cmSuiteByKeyLength: Record<number, string> = {
  16: 'AES_CM_128_HMAC_SHA1_80',
  24: 'AES_192_CM_HMAC_SHA1_80',
  32: 'AES_256_CM_HMAC_SHA1_80',
};
function protectUnderVector(vector: DerivationVector) {
  const masterKey = hex(vector.masterKey);
  const suite = cmSuiteByKeyLength[masterKey.length]!;
  const masterKeySalt = Buffer.concat([masterKey, hex(vector.masterSalt)]);
  const sender = new SrtpContext(suite, masterKeySalt, 'outbound');
  const packet = Buffer.concat([Buffer.from(`8000${seq.toString(16).padStart(4, '0')}000000a0${ssrc.toString(16)}`, 'hex'), payload]);
  return { suite, masterKeySalt, packet, srtp: run(sender, 'protectRtp', packet) };
}
const ssrc = 0x11223344;
const seq = 4242;
const payload = Buffer.alloc(64, 0x5a);

for (const vector of vectors.keyDerivation) {
  test(`${vector.source}: the addon encrypts and authenticates with the published session keys`, () => {
    const { srtp } = protectUnderVector(vector);

    const sessionKey = hex(vector.labels['0']);
    const authKey = hex(vector.labels['1']).subarray(0, 20);
    const sessionSalt = hex(vector.labels['2']);
    // RFC 3711 §4.1.1: IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16 (index = ROC 0 || SEQ).
    const iv = Buffer.alloc(16);
    sessionSalt.copy(iv);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ seq, 12);
    const body = srtp.subarray(12, 12 + payload.length);
    const decipher = createDecipheriv(`aes-${sessionKey.length * 8}-ctr`, sessionKey, iv);
    assert.deepEqual(Buffer.concat([decipher.update(body), decipher.final()]), payload);
    const tag = createHmac('sha1', authKey).update(srtp.subarray(0, 12 + payload.length)).update(Buffer.alloc(4)).digest();
    assert.deepEqual(srtp.subarray(12 + payload.length), tag.subarray(0, 10));
  });
}

// RFC 7714's own vectors give session keys, which libsrtp cannot take. Its construction is checked
// instead: the addon's AEAD packet opens with AES-GCM under the RFC 7714 §8.1 IV and §8.2 AAD,
// with session keys from the RFC 3711 KDF (itself pinned by the vectors above).
for (const [suite, keyLength] of [['AEAD_AES_128_GCM', 16], ['AEAD_AES_256_GCM', 32]] as const) {
  test(`RFC 7714 §8 construction: ${suite} from the addon opens with node:crypto AES-GCM`, () => {
    const masterKey = Buffer.alloc(keyLength, 7);
    const masterSalt = hex('517569642070726f2071756f');
    const sender = new SrtpContext(suite, Buffer.concat([masterKey, masterSalt]), 'outbound');
    const plain = hex(vectors.packets.find((v) => v.source.startsWith('RFC 7714 section 16.1'))!.plaintext);
    const srtp = run(sender, 'protectRtp', plain);

    const key = deriveSessionKey(masterKey, masterSalt, 0, keyLength);
    const salt = deriveSessionKey(masterKey, masterSalt, 2, 12);
    const iv = Buffer.alloc(12);
    plain.copy(iv, 2, 8, 12); // SSRC
    iv.writeUInt16BE(plain.readUInt16BE(2), 10); // ROC 0, SEQ
    for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
    const headerLength = 12;
    const algorithm = `aes-${keyLength * 8}-gcm` as CipherGCMTypes;
    const decipher = createDecipheriv(algorithm, key, iv);
    decipher.setAAD(srtp.subarray(0, headerLength));
    decipher.setAuthTag(srtp.subarray(srtp.length - 16));
    const opened = Buffer.concat([decipher.update(srtp.subarray(headerLength, srtp.length - 16)), decipher.final()]);
    assert.deepEqual(opened, plain.subarray(headerLength));
    // And the reverse: what node:crypto seals under those keys, the addon opens.
    const cipher = createCipheriv(algorithm, key, iv);
    cipher.setAAD(plain.subarray(0, headerLength));
    const sealed = Buffer.concat([plain.subarray(0, headerLength), cipher.update(plain.subarray(headerLength)), cipher.final(), cipher.getAuthTag()]);
    const receiver = new SrtpContext(suite, Buffer.concat([masterKey, masterSalt]), 'inbound');
    assert.deepEqual(run(receiver, 'unprotectRtp', sealed), plain);
  });
}
