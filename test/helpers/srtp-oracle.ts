// An independent SRTP/SRTCP implementation on node:crypto only, used by the media tests as the
// "other end": it protects what a test sender sends and unprotects what the engine forwards, so a
// bug shared by the engine and libsrtp cannot hide. Written from RFC 3711, RFC 6188, RFC 7714.
//
// API
//   new SrtpContext(suite, masterKeySalt, options?)   masterKeySalt = master key || master salt
//     .protectRtp(packet): Buffer                     RTP in, SRTP out (per-SSRC ROC kept by the sender)
//     .unprotectRtp(packet): Buffer                   SRTP in, RTP out; throws SrtpAuthError,
//                                                     SrtpReplayError, SrtpFormatError
//     .protectRtcp(packet, { encrypt = true }): Buffer    SRTCP with E-bit and 31-bit index
//     .unprotectRtcp(packet): Buffer                  same errors as unprotectRtp
//     .setSrtcpIndex(ssrc, index)                     next SRTCP index the sender uses (default 1)
//     .rekey(masterKeySalt)                           new keys (SDES re-INVITE), ROC and replay state kept
//     .rolloverCounter(ssrc)                          the ROC this context holds for an SSRC
//   SrtpContext.fromSessionKeys(suite, keys)          skip key derivation (RFC 7714 vectors)
//   deriveSessionKey(masterKey, masterSalt, label, length)   RFC 3711 §4.3.1 AES-CM PRF, kdr 0
//   aesCmKeystream(key, iv16, length)                RFC 3711 §4.1.1 keystream
//   makeRtpPacket({ ssrc, seq, timestamp, payloadType, payload, marker?, csrcs? }), parseRtp(packet)
//   makeRtcpPacket({ ssrc, packetType?, payload }), randomMasterKeySalt(suite)
//   SUITES, SUITE_NAMES: the eight SDES suites with their key, salt and tag lengths.
//
// Conventions followed (as libsrtp does): SRTCP of the *_32 suites keeps the 80-bit tag (RFC 4568
// §6.2.2); AEAD master salts of 12 bytes are zero-padded to 14 for the PRF; AES-CM SRTCP index and
// the AEAD IVs follow RFC 3711 §4.1.1 and RFC 7714 §8.1/§9.1.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual, type CipherGCMTypes } from 'node:crypto';

export type SuiteName =
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'
  | 'AES_192_CM_HMAC_SHA1_80'
  | 'AES_192_CM_HMAC_SHA1_32'
  | 'AES_256_CM_HMAC_SHA1_80'
  | 'AES_256_CM_HMAC_SHA1_32'
  | 'AEAD_AES_128_GCM'
  | 'AEAD_AES_256_GCM';

export interface Suite {
  readonly name: SuiteName;
  readonly aead: boolean;
  readonly keyLength: number;
  readonly saltLength: number;
  readonly rtpTagLength: number;
  readonly rtcpTagLength: number;
}

function cm(name: SuiteName, keyLength: number, rtpTagLength: number): Suite {
  return { name, aead: false, keyLength, saltLength: 14, rtpTagLength, rtcpTagLength: 10 };
}
function gcm(name: SuiteName, keyLength: number): Suite {
  return { name, aead: true, keyLength, saltLength: 12, rtpTagLength: 16, rtcpTagLength: 16 };
}

export const SUITES: Readonly<Record<SuiteName, Suite>> = {
  AES_CM_128_HMAC_SHA1_80: cm('AES_CM_128_HMAC_SHA1_80', 16, 10),
  AES_CM_128_HMAC_SHA1_32: cm('AES_CM_128_HMAC_SHA1_32', 16, 4),
  AES_192_CM_HMAC_SHA1_80: cm('AES_192_CM_HMAC_SHA1_80', 24, 10),
  AES_192_CM_HMAC_SHA1_32: cm('AES_192_CM_HMAC_SHA1_32', 24, 4),
  AES_256_CM_HMAC_SHA1_80: cm('AES_256_CM_HMAC_SHA1_80', 32, 10),
  AES_256_CM_HMAC_SHA1_32: cm('AES_256_CM_HMAC_SHA1_32', 32, 4),
  AEAD_AES_128_GCM: gcm('AEAD_AES_128_GCM', 16),
  AEAD_AES_256_GCM: gcm('AEAD_AES_256_GCM', 32),
};
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

/** The packet's authentication tag (or AEAD tag) does not verify. */
export class SrtpAuthError extends Error {
  constructor(readonly ssrc: number) {
    super(`SRTP authentication failed for SSRC ${ssrc.toString(16)}`);
    this.name = 'SrtpAuthError';
  }
}

/** The packet's index was already received or is older than the replay window. */
export class SrtpReplayError extends Error {
  constructor(readonly ssrc: number, readonly index: number) {
    super(`SRTP replay of index ${index} for SSRC ${ssrc.toString(16)}`);
    this.name = 'SrtpReplayError';
  }
}

/** Too short or not version-2 RTP/RTCP: nothing to authenticate. */
export class SrtpFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SrtpFormatError';
  }
}

// RFC 3711 §4.3.2 key derivation labels.
const LABEL = { rtpKey: 0, rtpAuth: 1, rtpSalt: 2, rtcpKey: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;
const AUTH_KEY_LENGTH = 20; // HMAC-SHA1 session key, as libsrtp derives it
const PRF_SALT_LENGTH = 14;
const SRTCP_E_BIT = 0x80000000;

/** AES in counter mode starting at `iv`; `length` bytes of keystream. */
export function aesCmKeystream(key: Buffer, iv: Buffer, length: number): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** RFC 3711 §4.3.1 with kdr 0: x = label (byte 7) XOR master salt, keystream from x * 2^16. */
export function deriveSessionKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(masterSalt.length, PRF_SALT_LENGTH));
  iv[7] ^= label;
  return aesCmKeystream(masterKey, iv, length);
}

export interface SessionKeys {
  readonly key: Buffer;
  readonly salt: Buffer;
  /** HMAC-SHA1 key; unused by the AEAD suites. */
  readonly auth: Buffer;
}

interface Keys {
  readonly rtp: SessionKeys;
  readonly rtcp: SessionKeys;
}

function deriveKeys(suite: Suite, masterKey: Buffer, masterSalt: Buffer): Keys {
  const derive = (keyLabel: number, authLabel: number, saltLabel: number): SessionKeys => ({
    key: deriveSessionKey(masterKey, masterSalt, keyLabel, suite.keyLength),
    auth: suite.aead ? Buffer.alloc(0) : deriveSessionKey(masterKey, masterSalt, authLabel, AUTH_KEY_LENGTH),
    salt: deriveSessionKey(masterKey, masterSalt, saltLabel, suite.saltLength),
  });
  return {
    rtp: derive(LABEL.rtpKey, LABEL.rtpAuth, LABEL.rtpSalt),
    rtcp: derive(LABEL.rtcpKey, LABEL.rtcpAuth, LABEL.rtcpSalt),
  };
}

function deriveFromMaster(suite: Suite, masterKeySalt: Buffer): Keys {
  const expected = suite.keyLength + suite.saltLength;
  if (masterKeySalt.length !== expected) {
    throw new RangeError(`${suite.name} needs ${expected} bytes of master key and salt, got ${masterKeySalt.length}`);
  }
  return deriveKeys(suite, masterKeySalt.subarray(0, suite.keyLength), masterKeySalt.subarray(suite.keyLength));
}

/** Sliding replay window over packet indices (RFC 3711 §3.3.2). */
class ReplayWindow {
  private highest = -1;
  private seen = 0n; // bit i set = index (highest - i) received

  constructor(private readonly size: number) {}

  check(index: number): boolean {
    if (this.highest < 0 || index > this.highest) return true;
    const age = this.highest - index;
    return age < this.size && ((this.seen >> BigInt(age)) & 1n) === 0n;
  }

  accept(index: number): void {
    if (index > this.highest) {
      const shift = this.highest < 0 ? this.size : index - this.highest;
      this.seen = shift >= this.size ? 1n : ((this.seen << BigInt(shift)) | 1n) & ((1n << BigInt(this.size)) - 1n);
      this.highest = index;
    } else {
      this.seen |= 1n << BigInt(this.highest - index);
    }
  }
}

/** Per-SSRC receive state: RFC 3711 §3.3.1 ROC and highest sequence number, plus replay windows. */
class StreamState {
  roc = 0;
  highestSeq = -1;
  nextSrtcpIndex = 1; // libsrtp numbers the first SRTCP packet 1
  readonly rtpWindow: ReplayWindow;
  readonly rtcpWindow: ReplayWindow;

  constructor(windowSize: number) {
    this.rtpWindow = new ReplayWindow(windowSize);
    this.rtcpWindow = new ReplayWindow(windowSize);
  }

  /** RFC 3711 Appendix A: the ROC a sequence number most likely belongs to. */
  estimateRoc(seq: number): number {
    if (this.highestSeq < 0) return this.roc;
    if (this.highestSeq < 0x8000) {
      return seq - this.highestSeq > 0x8000 ? this.roc - 1 : this.roc;
    }
    return this.highestSeq - 0x8000 > seq ? this.roc + 1 : this.roc;
  }

  /** Moves ROC and highest sequence forward once a packet with this (roc, seq) is accepted. */
  advance(roc: number, seq: number): void {
    if (roc > this.roc || this.highestSeq < 0) {
      this.roc = roc;
      this.highestSeq = seq;
    } else if (roc === this.roc && seq > this.highestSeq) {
      this.highestSeq = seq;
    }
  }
}

export interface RtpFields {
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: number;
  payload: Buffer;
  marker?: boolean;
  csrcs?: number[];
}

export interface ParsedRtp extends Required<RtpFields> {
  version: number;
  padding: boolean;
  extension: boolean;
  headerLength: number;
}

const RTP_HEADER_LENGTH = 12;
const RTCP_HEADER_LENGTH = 8;

export function makeRtpPacket(fields: RtpFields): Buffer {
  const csrcs = fields.csrcs ?? [];
  const header = Buffer.alloc(RTP_HEADER_LENGTH + 4 * csrcs.length);
  header[0] = 0x80 | csrcs.length;
  header[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  header.writeUInt16BE(fields.seq & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.ssrc >>> 0, 8);
  csrcs.forEach((csrc, i) => header.writeUInt32BE(csrc >>> 0, RTP_HEADER_LENGTH + 4 * i));
  return Buffer.concat([header, fields.payload]);
}

/** Length of the RTP header including CSRCs and the header extension. */
function rtpHeaderLength(packet: Buffer): number {
  if (packet.length < RTP_HEADER_LENGTH || packet[0] >> 6 !== 2) throw new SrtpFormatError('not an RTP packet');
  let length = RTP_HEADER_LENGTH + 4 * (packet[0] & 0x0f);
  if (packet[0] & 0x10) {
    if (packet.length < length + 4) throw new SrtpFormatError('RTP extension header truncated');
    length += 4 + 4 * packet.readUInt16BE(length + 2);
  }
  if (packet.length < length) throw new SrtpFormatError('RTP header truncated');
  return length;
}

export function parseRtp(packet: Buffer): ParsedRtp {
  const headerLength = rtpHeaderLength(packet);
  const csrcs: number[] = [];
  for (let i = 0; i < (packet[0] & 0x0f); i++) csrcs.push(packet.readUInt32BE(RTP_HEADER_LENGTH + 4 * i));
  return {
    version: packet[0] >> 6,
    padding: (packet[0] & 0x20) !== 0,
    extension: (packet[0] & 0x10) !== 0,
    marker: (packet[1] & 0x80) !== 0,
    payloadType: packet[1] & 0x7f,
    seq: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    csrcs,
    headerLength,
    payload: packet.subarray(headerLength),
  };
}

/** One RTCP packet (default: an empty sender report body); the length field is filled in. */
export function makeRtcpPacket(fields: { ssrc: number; packetType?: number; payload: Buffer }): Buffer {
  const body = Buffer.concat([fields.payload, Buffer.alloc((4 - (fields.payload.length % 4)) % 4)]);
  const header = Buffer.alloc(RTCP_HEADER_LENGTH);
  header[0] = 0x80;
  header[1] = fields.packetType ?? 200;
  header.writeUInt16BE((RTCP_HEADER_LENGTH + body.length) / 4 - 1, 2);
  header.writeUInt32BE(fields.ssrc >>> 0, 4);
  return Buffer.concat([header, body]);
}

export function randomMasterKeySalt(suite: SuiteName): Buffer {
  return randomBytes(SUITES[suite].keyLength + SUITES[suite].saltLength);
}

export interface SrtpContextOptions {
  /** Replay window in packets (libsrtp's default is 128). */
  replayWindow?: number;
}

export class SrtpContext {
  readonly suite: Suite;
  private keys: Keys;
  private readonly windowSize: number;
  private readonly sendStreams = new Map<number, StreamState>();
  private readonly receiveStreams = new Map<number, StreamState>();

  constructor(suite: SuiteName, masterKeySalt: Buffer, options?: SrtpContextOptions);
  constructor(suite: SuiteName, keys: Keys, options?: SrtpContextOptions);
  constructor(suite: SuiteName, material: Buffer | Keys, options: SrtpContextOptions = {}) {
    const params = SUITES[suite];
    if (!params) throw new TypeError(`unknown SRTP suite ${String(suite)}`);
    this.suite = params;
    this.windowSize = options.replayWindow ?? 128;
    this.keys = Buffer.isBuffer(material) ? deriveFromMaster(params, material) : material;
  }

  /** Switches to new master keys as an SDES re-INVITE does; the streams' ROC and replay state carry on. */
  rekey(masterKeySalt: Buffer): void {
    this.keys = deriveFromMaster(this.suite, masterKeySalt);
  }

  /** A context whose session keys are given (the RFC 7714 vectors skip derivation). */
  static fromSessionKeys(suite: SuiteName, keys: { rtp: SessionKeys; rtcp: SessionKeys }): SrtpContext {
    return new SrtpContext(suite, keys);
  }

  rolloverCounter(ssrc: number): number | undefined {
    return (this.receiveStreams.get(ssrc) ?? this.sendStreams.get(ssrc))?.roc;
  }

  setSrtcpIndex(ssrc: number, index: number): void {
    this.stream(this.sendStreams, ssrc).nextSrtcpIndex = index;
  }

  protectRtp(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet);
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const stream = this.stream(this.sendStreams, ssrc);
    // A sender never goes back to before its first packet, whatever its sequence numbers jump to.
    const roc = Math.max(0, stream.estimateRoc(seq));
    stream.advance(roc, seq);
    const header = packet.subarray(0, headerLength);
    const payload = packet.subarray(headerLength);
    const keys = this.keys.rtp;
    if (this.suite.aead) {
      const iv = gcmRtpIv(keys.salt, ssrc, roc, seq);
      const { ciphertext, tag } = gcmSeal(keys.key, iv, header, payload);
      return Buffer.concat([header, ciphertext, tag]);
    }
    const encrypted = Buffer.concat([header, xor(payload, aesCmKeystream(keys.key, cmIv(keys.salt, ssrc, roc * 0x10000 + seq), payload.length))]);
    return Buffer.concat([encrypted, rtpTag(keys.auth, encrypted, roc, this.suite.rtpTagLength)]);
  }

  unprotectRtp(packet: Buffer): Buffer {
    const tagLength = this.suite.rtpTagLength;
    const headerLength = rtpHeaderLength(packet);
    if (packet.length < headerLength + tagLength) throw new SrtpFormatError('SRTP packet shorter than its tag');
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const stream = this.stream(this.receiveStreams, ssrc);
    const roc = stream.estimateRoc(seq);
    const index = roc * 0x10000 + seq;
    if (roc < 0 || !stream.rtpWindow.check(index)) throw new SrtpReplayError(ssrc, index);
    const header = packet.subarray(0, headerLength);
    const keys = this.keys.rtp;
    let payload: Buffer;
    if (this.suite.aead) {
      const sealed = packet.subarray(headerLength, packet.length - tagLength);
      const tag = packet.subarray(packet.length - tagLength);
      payload = gcmOpen(keys.key, gcmRtpIv(keys.salt, ssrc, roc, seq), header, sealed, tag, ssrc);
    } else {
      const authenticated = packet.subarray(0, packet.length - tagLength);
      const expected = rtpTag(keys.auth, authenticated, roc, tagLength);
      if (!timingSafeEqual(expected, packet.subarray(packet.length - tagLength))) throw new SrtpAuthError(ssrc);
      const encrypted = authenticated.subarray(headerLength);
      payload = xor(encrypted, aesCmKeystream(keys.key, cmIv(keys.salt, ssrc, index), encrypted.length));
    }
    stream.rtpWindow.accept(index);
    stream.advance(roc, seq);
    return Buffer.concat([header, payload]);
  }

  protectRtcp(packet: Buffer, options: { encrypt?: boolean } = {}): Buffer {
    checkRtcp(packet);
    const encrypt = options.encrypt ?? true;
    const ssrc = packet.readUInt32BE(4);
    const stream = this.stream(this.sendStreams, ssrc);
    const index = stream.nextSrtcpIndex;
    stream.nextSrtcpIndex = (index + 1) & 0x7fffffff;
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(((encrypt ? SRTCP_E_BIT : 0) | index) >>> 0);
    const header = packet.subarray(0, RTCP_HEADER_LENGTH);
    const body = packet.subarray(RTCP_HEADER_LENGTH);
    const keys = this.keys.rtcp;
    if (this.suite.aead) {
      const iv = gcmRtcpIv(keys.salt, ssrc, index);
      // E-bit clear: everything is associated data and only the tag is added (RFC 7714 §9.3).
      const aad = encrypt ? Buffer.concat([header, trailer]) : Buffer.concat([packet, trailer]);
      const { ciphertext, tag } = gcmSeal(keys.key, iv, aad, encrypt ? body : Buffer.alloc(0));
      return Buffer.concat([header, encrypt ? ciphertext : body, tag, trailer]);
    }
    const sealedBody = encrypt ? xor(body, aesCmKeystream(keys.key, cmIv(keys.salt, ssrc, index), body.length)) : body;
    const authenticated = Buffer.concat([header, sealedBody, trailer]);
    return Buffer.concat([authenticated, hmacSha1(keys.auth, [authenticated]).subarray(0, this.suite.rtcpTagLength)]);
  }

  unprotectRtcp(packet: Buffer): Buffer {
    const tagLength = this.suite.rtcpTagLength;
    checkRtcp(packet);
    if (packet.length < RTCP_HEADER_LENGTH + 4 + tagLength) throw new SrtpFormatError('SRTCP packet too short');
    const ssrc = packet.readUInt32BE(4);
    const keys = this.keys.rtcp;
    let trailer: Buffer;
    let body: Buffer;
    if (this.suite.aead) {
      trailer = packet.subarray(packet.length - 4);
      body = packet.subarray(RTCP_HEADER_LENGTH, packet.length - 4 - tagLength);
    } else {
      trailer = packet.subarray(packet.length - tagLength - 4, packet.length - tagLength);
      body = packet.subarray(RTCP_HEADER_LENGTH, packet.length - tagLength - 4);
    }
    const word = trailer.readUInt32BE(0);
    const encrypted = (word & SRTCP_E_BIT) !== 0;
    const index = word & 0x7fffffff;
    const stream = this.stream(this.receiveStreams, ssrc);
    if (!stream.rtcpWindow.check(index)) throw new SrtpReplayError(ssrc, index);
    const header = packet.subarray(0, RTCP_HEADER_LENGTH);
    let plainBody: Buffer;
    if (this.suite.aead) {
      const iv = gcmRtcpIv(keys.salt, ssrc, index);
      const tag = packet.subarray(packet.length - 4 - tagLength, packet.length - 4);
      if (encrypted) {
        plainBody = gcmOpen(keys.key, iv, Buffer.concat([header, trailer]), body, tag, ssrc);
      } else {
        gcmOpen(keys.key, iv, Buffer.concat([header, body, trailer]), Buffer.alloc(0), tag, ssrc);
        plainBody = body;
      }
    } else {
      const authenticated = packet.subarray(0, packet.length - tagLength);
      const expected = hmacSha1(keys.auth, [authenticated]).subarray(0, tagLength);
      if (!timingSafeEqual(expected, packet.subarray(packet.length - tagLength))) throw new SrtpAuthError(ssrc);
      plainBody = encrypted ? xor(body, aesCmKeystream(keys.key, cmIv(keys.salt, ssrc, index), body.length)) : body;
    }
    stream.rtcpWindow.accept(index);
    return Buffer.concat([header, plainBody]);
  }

  private stream(streams: Map<number, StreamState>, ssrc: number): StreamState {
    let stream = streams.get(ssrc);
    if (!stream) {
      stream = new StreamState(this.windowSize);
      streams.set(ssrc, stream);
    }
    return stream;
  }
}

function checkRtcp(packet: Buffer): void {
  if (packet.length < RTCP_HEADER_LENGTH || packet[0] >> 6 !== 2) throw new SrtpFormatError('not an RTCP packet');
}

function xor(data: Buffer, keystream: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ keystream[i];
  return out;
}

/** RFC 3711 §4.1.1: IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16). */
function cmIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0, 0, PRF_SALT_LENGTH);
  const block = Buffer.alloc(16);
  block.writeUInt32BE(ssrc >>> 0, 4);
  block.writeUIntBE(index, 8, 6);
  for (let i = 0; i < 16; i++) iv[i] ^= block[i];
  return iv;
}

/** RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the 12-byte salt. */
function gcmRtpIv(salt: Buffer, ssrc: number, roc: number, seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(seq, 10);
  for (let i = 0; i < 12; i++) iv[i] ^= salt[i];
  return iv;
}

/** RFC 7714 §9.1: 00 00 || SSRC || 00 00 || 0 || 31-bit index, XOR the salt. */
function gcmRtcpIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(index & 0x7fffffff, 8);
  for (let i = 0; i < 12; i++) iv[i] ^= salt[i];
  return iv;
}

function gcmName(key: Buffer): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes;
}

function gcmSeal(key: Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function gcmOpen(key: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer, ssrc: number): Buffer {
  const decipher = createDecipheriv(gcmName(key), key, iv, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    throw new SrtpAuthError(ssrc);
  }
  return plaintext;
}

function hmacSha1(key: Buffer, parts: Buffer[]): Buffer {
  const hmac = createHmac('sha1', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** RFC 3711 §4.2: HMAC-SHA1 over the authenticated portion followed by the ROC. */
function rtpTag(authKey: Buffer, authenticated: Buffer, roc: number, tagLength: number): Buffer {
  const rocBytes = Buffer.alloc(4);
  rocBytes.writeUInt32BE(roc >>> 0);
  return hmacSha1(authKey, [authenticated, rocBytes]).subarray(0, tagLength);
}
