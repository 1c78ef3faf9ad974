// The SDP the end-to-end benchmark's phones write and read: one G.711 audio line on 127.0.0.1, in
// the leg's encryption mode. Only what the benchmark needs: the port, and the key material of the
// mode (a=crypto, a=fingerprint + a=setup, a=zrtp-hash).
import { parse } from 'sdp-transform';

/** Leg A's encryption; leg B is always SDES. */
export type PhoneMode = 'sdes' | 'dtls' | 'zrtp';

export class BenchSdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchSdpError';
  }
}

export interface SdesKey {
  tag: number;
  suite: string;
  /** Base64 key || salt. */
  key: string;
}

/** The key material one side puts in its SDP. */
export type MediaSecurity =
  | { mode: 'sdes'; crypto: SdesKey }
  | { mode: 'dtls'; fingerprint: string; setup: 'active' | 'passive' | 'actpass' }
  | { mode: 'zrtp'; helloHash: string };

export interface AudioLine {
  port: number;
  security: MediaSecurity;
}

const PROFILE: Record<PhoneMode, string> = { sdes: 'RTP/SAVP', dtls: 'UDP/TLS/RTP/SAVP', zrtp: 'RTP/AVP' };

function securityLines(security: MediaSecurity): string[] {
  switch (security.mode) {
    case 'sdes':
      return [`a=crypto:${security.crypto.tag} ${security.crypto.suite} inline:${security.crypto.key}`];
    case 'dtls':
      return [`a=setup:${security.setup}`, `a=fingerprint:sha-256 ${security.fingerprint}`];
    case 'zrtp':
      return [`a=zrtp-hash:${security.helloHash}`];
  }
}

/** An offer or answer with one PCMU line. */
export function audioSdp(line: AudioLine, version = 1): string {
  return [
    'v=0', `o=- ${version} ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${line.port} ${PROFILE[line.security.mode]} 0`, 'a=rtpmap:0 PCMU/8000', ...securityLines(line.security), '',
  ].join('\r\n');
}

/**
 * The first audio line of `sdp`, read as `mode`. For sdes, the first a=crypto, which is what the
 * answer of an offerer that offered one suite carries, and the offerer's preferred one in an offer.
 */
export function readAudioLine(sdp: string, mode: PhoneMode): AudioLine {
  const session = parse(sdp);
  const media = session.media.find((line) => line.type === 'audio');
  if (!media || !media.port) throw new BenchSdpError(`no audio line in:\n${sdp}`);
  const missing = (what: string) => new BenchSdpError(`no ${what} on the audio line of:\n${sdp}`);
  if (mode === 'sdes') {
    const crypto = media.crypto?.[0];
    if (!crypto) throw missing('a=crypto');
    return { port: media.port, security: { mode, crypto: { tag: crypto.id, suite: crypto.suite, key: crypto.config.replace(/^inline:/, '').split('|')[0] } } };
  }
  if (mode === 'dtls') {
    const fingerprint = media.fingerprint ?? session.fingerprint;
    const setup = media.setup ?? session.setup;
    if (!fingerprint || !setup) throw missing('a=fingerprint and a=setup');
    return { port: media.port, security: { mode, fingerprint: fingerprint.hash, setup: setup as 'active' | 'passive' } };
  }
  const hash = media.invalid?.find(({ value }) => value.startsWith('zrtp-hash:'));
  if (!hash) throw missing('a=zrtp-hash');
  return { port: media.port, security: { mode, helloHash: hash.value.slice('zrtp-hash:'.length).trim() } };
}
