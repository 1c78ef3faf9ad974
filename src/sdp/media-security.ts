// A media line's encryption mode (the trenscrypter's `none | sdes | dtls-srtp | zrtp`), its RTP
// profile, and the SDES answer.
//
// Profiles are kept as offered on the feedback axis: an AVPF offer (RTP/AVPF, RTP/SAVPF,
// UDP/TLS/RTP/SAVPF) is answered, and bridged to the other leg, with the AVPF variant of that
// leg's profile; an AVP offer with the AVP one.
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { EncryptionMode } from '../config/trenscrypter-lists.js';
import type { SrtpSuiteName } from '../media/suites.js';
import { parseCryptoAttribute, type CryptoAttribute } from './crypto-attribute.js';
import { CryptoAttributeError, SdpNotAcceptableError } from './errors.js';

export interface RtpProfile {
  /** UDP/TLS/RTP/SAVP(F): keys from a DTLS handshake (RFC 5764). */
  dtls: boolean;
  /** S in SAVP: SRTP is mandatory. */
  secure: boolean;
  /** F: RTCP feedback (RFC 4585). */
  feedback: boolean;
}

const PROFILES: Record<string, RtpProfile> = {
  'RTP/AVP': { dtls: false, secure: false, feedback: false },
  'RTP/AVPF': { dtls: false, secure: false, feedback: true },
  'RTP/SAVP': { dtls: false, secure: true, feedback: false },
  'RTP/SAVPF': { dtls: false, secure: true, feedback: true },
  'UDP/TLS/RTP/SAVP': { dtls: true, secure: true, feedback: false },
  'UDP/TLS/RTP/SAVPF': { dtls: true, secure: true, feedback: true },
};

/** Undefined for a transport we do not bridge (TCP/MSRP, udptl, ...). */
// sdp-transform turns numeric-looking fields into numbers, hence the String() on what it parsed.
export function rtpProfile(protocol: string): RtpProfile | undefined {
  return PROFILES[String(protocol).toUpperCase()];
}

/** The m= protocol a leg in `mode` uses, with feedback as the original offer had it. */
export function protocolFor(mode: EncryptionMode, feedback: boolean): string {
  const base = mode === 'sdes' ? 'RTP/SAVP' : mode === 'dtls-srtp' ? 'UDP/TLS/RTP/SAVP' : 'RTP/AVP';
  return feedback ? `${base}F` : base;
}

/** `a=zrtp-hash` (RFC 6189 §8.1): `<version> <hex>`, which sdp-transform leaves among its unparsed lines. */
export function zrtpHashOf(media: MediaDescription): string | undefined {
  const line = media.invalid?.find(({ value }) => value.startsWith('zrtp-hash:'));
  return line?.value.slice('zrtp-hash:'.length).trim();
}

/** The line's fingerprint, or the session's (RFC 8122 §5 allows either level). */
export function fingerprintOf(session: SessionDescription, media: MediaDescription): { type: string; hash: string } | undefined {
  return media.fingerprint ?? session.fingerprint;
}

export function cryptoLinesOf(media: MediaDescription): string[] {
  return (media.crypto ?? []).map(({ id, suite, config, sessionConfig }) => `${id} ${suite} ${config}${sessionConfig ? ` ${sessionConfig}` : ''}`);
}

/**
 * DTLS profile with a fingerprint = dtls-srtp; SAVP, or a=crypto on AVP (best-effort SRTP, as
 * baresip's `mediaenc=srtp` offers) = sdes; a=zrtp-hash on AVP = zrtp; anything else = none.
 */
export function mediaSecurity(session: SessionDescription, media: MediaDescription): EncryptionMode {
  const profile = rtpProfile(media.protocol);
  if (!profile) throw new SdpNotAcceptableError(`transport ${media.protocol} is not supported`);
  if (profile.dtls) {
    if (!fingerprintOf(session, media)) throw new SdpNotAcceptableError(`${media.protocol} without a=fingerprint`);
    return 'dtls-srtp';
  }
  if (profile.secure) return 'sdes';
  if (zrtpHashOf(media) !== undefined) return 'zrtp';
  return media.crypto?.length ? 'sdes' : 'none';
}

/**
 * The offered a=crypto to answer: the first, in the offerer's order of preference, whose suite is
 * allowed and whose line we can use. Lines we cannot use (unknown suite, MKI) are skipped; a
 * malformed line fails the whole offer (400).
 */
export function chooseSdesAnswer(media: MediaDescription, allowed: readonly SrtpSuiteName[]): CryptoAttribute {
  for (const line of cryptoLinesOf(media)) {
    let offered: CryptoAttribute;
    try {
      offered = parseCryptoAttribute(line);
    } catch (error) {
      if (error instanceof CryptoAttributeError && error.status === 488) continue;
      throw error;
    }
    if (allowed.includes(offered.suite)) return offered;
  }
  throw new SdpNotAcceptableError(`no offered a=crypto suite is among ${allowed.join(', ')}`);
}
