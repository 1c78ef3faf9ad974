// Leg B's offer from leg A's offer, and leg A's answer from leg B's answer, each leg in its own
// encryption mode, plus the engine settings (bridge.updateLeg) of both legs of every stream.
// Leg B's 183 and 200 bodies are both answers: the core runs buildLegAAnswer on each.
//
// What crosses from one leg to the other: the media lines (in order, so a line has the same index
// on both legs; `BridgedStream.line` names it), payload types and their codec attributes (a=rtpmap, a=fmtp,
// a=rtcp-fb, a=ptime, a=maxptime) since payloads are forwarded without decoding, and the
// direction. What is the B2BUA's own: addresses, ports, a=rtcp, ICE-lite, encryption attributes.
// Everything else is dropped, like Flexisip: among others a=ssrc (optional; a peer learns the
// SSRCs from the packets), a=mid / a=group (we never offer BUNDLE, and without it mid serves
// nothing), b= lines, a=rtcp-xr and a=rtcp-rsize.
//
// rtcp-mux is offered to leg B only when leg A offered it, and accepted on each leg when that
// leg's offer carries it. Media other than audio/video, ports 0, and lines the codec filter empties
// stay in the SDP with port 0.
import { randomInt } from 'node:crypto';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { EncryptionMode } from '../config/trenscrypter-lists.js';
import type { LegSettings, MediaDirection, MediaKind } from '../media/bridge.js';
import { answerSetup, DtlsSetupError, dtlsRole, type SetupAttribute } from '../media/dtls-setup.js';
import { ICE_LITE_ATTRIBUTE, iceLiteAttributes, type IceCredentials } from '../media/ice.js';
import { srtpSuiteNames, type SrtpSuiteName } from '../media/suites.js';
import { codecAttributes, codecOf, filteredPayloadTypes, payloadTypes, type CodecFilter } from './codecs.js';
import { formatKeyParams, newCryptoAttribute, parseCryptoAttribute, type CryptoAttribute } from './crypto-attribute.js';
import { bridgedAnswerDirection, directionOf, offererDirection } from './direction.js';
import { SdpNotAcceptableError } from './errors.js';
import { chooseSdesAnswer, cryptoLinesOf, fingerprintOf, mediaSecurity, protocolFor, rtpProfile, zrtpHashOf } from './media-security.js';
import { parseSdp, sessionOf, type SdpInput } from './parse.js';
import { writeLegSdp } from './write.js';

/** liblinphone's defaults, which Flexisip offers when no `outgoing-srtp-regex` rule matches (reference §4.2). */
export const DEFAULT_SRTP_SUITES: readonly SrtpSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32'];

export interface StreamPorts {
  rtpPort: number;
  rtcpPort: number;
}

/** The B2BUA's side of one leg. Arrays are indexed by media line. */
export interface LocalLeg {
  address: string;
  /** bridge.streams[s].legs[leg] of each bridged line (see `bridgedMediaLines`). */
  ports: (StreamPorts | undefined)[];
  /** `enable-ice`: our ICE-lite credentials and `nat-addresses`. */
  ice?: { credentials: IceCredentials; natAddresses?: string[] };
  /** bridge.zrtpHelloHash(s, leg) of each bridged line; needed when the leg is in mode zrtp. */
  zrtpHelloHashes?: (string | undefined)[];
}

export interface Origin {
  sessionId: string;
  /** Incremented by the core for each new offer or answer of a session (RFC 3264 §8). */
  version: number;
}

export interface LegBOfferOptions {
  mode: EncryptionMode;
  /** Offered in this order when `mode` is sdes; default `DEFAULT_SRTP_SUITES`. */
  srtpSuites?: readonly SrtpSuiteName[];
  local: LocalLeg;
  /** engine.dtlsFingerprint. */
  dtlsFingerprint: string;
  codecFilter?: CodecFilter;
  /** Overrides leg A's direction (the core's hold logic, reference §3.7). */
  direction?: MediaDirection;
  origin?: Origin;
}

export interface OfferedLine {
  kind: string;
  bridged: boolean;
  direction: MediaDirection;
  rtcpMux: boolean;
  /** sdes: the keys we offered, one per suite; the answer picks one by tag. */
  cryptos: CryptoAttribute[];
}

export interface LegBOffer {
  sdp: string;
  mode: EncryptionMode;
  ice?: IceCredentials;
  lines: OfferedLine[];
}

export interface LegAAnswerOptions {
  /** Suites accepted from leg A's offer, in any order; default: all eight. */
  srtpSuites?: readonly SrtpSuiteName[];
  local: LocalLeg;
  dtlsFingerprint: string;
  origin?: Origin;
}

export interface BridgedStream {
  /** The media line, the same on both legs. */
  line: number;
  kind: MediaKind;
  /**
   * [offering leg, answering leg]: for a call, bridge.updateLeg(s, 0, legs[0]) and (s, 1, legs[1]).
   * The same functions serve an offer made by leg B (re-INVITE) with the legs' roles swapped; the
   * core then applies legs[0] to leg 1 and legs[1] to leg 0.
   */
  legs: [LegSettings, LegSettings];
}

export interface LegAAnswer {
  sdp: string;
  /** Leg A's mode as its offer asked for it (the trenscrypter's default for leg B, reference §4.2). */
  legAMode: EncryptionMode;
  streams: BridgedStream[];
}


const ENGINE_MODE: Record<EncryptionMode, LegSettings['mode']> = { none: 'none', sdes: 'srtp', 'dtls-srtp': 'dtls', zrtp: 'zrtp' };

function isBridgeable(media: MediaDescription, filter: CodecFilter): boolean {
  if (media.port === 0 || (media.type !== 'audio' && media.type !== 'video')) return false;
  return rtpProfile(media.protocol) !== undefined && filteredPayloadTypes(media, filter).length > 0;
}

/** The media lines of leg A's offer the core must create bridge streams for, with their kind. */
export function bridgedMediaLines(legAOffer: SdpInput, codecFilter: CodecFilter = {}): { line: number; kind: MediaKind }[] {
  return sessionOf(legAOffer)
    .media.map((media, line) => ({ media, line }))
    .filter(({ media }) => isBridgeable(media, codecFilter))
    .map(({ media, line }) => ({ line, kind: media.type as MediaKind }));
}

/** The mode leg A's offer asks for: its first bridgeable line's (the trenscrypter's default for leg B). */
export function offerMode(offer: SdpInput): EncryptionMode {
  const session = sessionOf(offer);
  const first = session.media.find((media) => isBridgeable(media, {}));
  return first ? mediaSecurity(session, first) : 'none';
}

function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function sessionSkeleton(local: LocalLeg, origin: Origin | undefined): SessionDescription {
  const ipVer = ipVersion(local.address);
  const session: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: origin?.sessionId ?? String(randomInt(2 ** 47)), sessionVersion: origin?.version ?? 1, netType: 'IN', ipVer, address: local.address },
    name: '-',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media: [],
  };
  if (local.ice) session.icelite = ICE_LITE_ATTRIBUTE;
  return session;
}

/** A line kept in the SDP but refused: port 0, the offer's protocol and first format (RFC 3264 §6). */
function rejectedLine(media: MediaDescription): MediaDescription {
  const [firstFormat = '0'] = String(media.payloads ?? '').split(' ');
  return { type: media.type, port: 0, protocol: media.protocol, payloads: firstFormat, rtp: [], fmtp: [] };
}

function portsOf(local: LocalLeg, line: number): StreamPorts {
  const ports = local.ports[line];
  if (!ports) throw new TypeError(`no local ports for media line ${line}`);
  return ports;
}

function zrtpHashFor(local: LocalLeg, line: number): string {
  const hash = local.zrtpHelloHashes?.[line];
  if (!hash) throw new TypeError(`no a=zrtp-hash for media line ${line} of a zrtp leg`);
  return hash;
}

/** Our line on one leg: codec attributes from `codecSource`; addresses, ports, ICE, rtcp-mux ours. */
function ourLine(
  kind: string,
  protocol: string,
  payloads: number[],
  codecSource: MediaDescription,
  direction: MediaDirection,
  local: LocalLeg,
  line: number,
  rtcpMux: boolean,
): MediaDescription {
  const ports = portsOf(local, line);
  const media: MediaDescription = {
    type: kind,
    port: ports.rtpPort,
    protocol,
    payloads: payloads.join(' '),
    rtp: [],
    fmtp: [],
    ...codecAttributes(codecSource, payloads),
    rtcp: { port: ports.rtcpPort },
    direction,
  };
  if (rtcpMux) media.rtcpMux = 'rtcp-mux';
  if (local.ice) {
    const candidates = { hostAddress: local.address, rtpPort: ports.rtpPort, natAddresses: local.ice.natAddresses ?? [] };
    for (const value of iceLiteAttributes(local.ice.credentials, rtcpMux ? candidates : { ...candidates, rtcpPort: ports.rtcpPort })) addRaw(media, value);
  }
  return media;
}

/** sdp-transform writes its `invalid` list verbatim as `a=` lines: the way to add what it has no grammar for. */
function addRaw(media: MediaDescription, value: string): void {
  (media.invalid ??= []).push({ value });
}

/** Ours carry no session parameters. */
function sdpCrypto(crypto: CryptoAttribute): NonNullable<MediaDescription['crypto']>[number] {
  return { id: crypto.tag, suite: crypto.suite, config: formatKeyParams(crypto) };
}

function addDtls(media: MediaDescription, setup: SetupAttribute, fingerprint: string): void {
  media.setup = setup;
  media.fingerprint = { type: 'sha-256', hash: fingerprint };
}

/** Refuses, before leg B is called, a leg A line whose encryption we could not answer. */
function assertAnswerable(offer: SessionDescription, media: MediaDescription): void {
  const mode = mediaSecurity(offer, media);
  if (mode === 'sdes') chooseSdesAnswer(media, srtpSuiteNames());
  if (mode === 'dtls-srtp') peerFingerprint(offer, media);
}

export function buildLegBOffer(legAOffer: SdpInput, options: LegBOfferOptions): LegBOffer {
  const offerA = sessionOf(legAOffer);
  const filter = options.codecFilter ?? {};
  const session = sessionSkeleton(options.local, options.origin);
  const lines: OfferedLine[] = offerA.media.map((mediaA, line) => {
    const direction = options.direction ?? directionOf(offerA, mediaA);
    if (!isBridgeable(mediaA, filter)) {
      session.media.push(rejectedLine(mediaA));
      return { kind: mediaA.type, bridged: false, direction, rtcpMux: false, cryptos: [] };
    }
    assertAnswerable(offerA, mediaA);
    const feedback = rtpProfile(mediaA.protocol)!.feedback;
    const rtcpMux = mediaA.rtcpMux !== undefined;
    const media = ourLine(mediaA.type, protocolFor(options.mode, feedback), filteredPayloadTypes(mediaA, filter), mediaA, direction, options.local, line, rtcpMux);
    let cryptos: CryptoAttribute[] = [];
    if (options.mode === 'sdes') {
      cryptos = (options.srtpSuites ?? DEFAULT_SRTP_SUITES).map((suite, index) => newCryptoAttribute(index + 1, suite));
      media.crypto = cryptos.map(sdpCrypto);
    } else if (options.mode === 'dtls-srtp') {
      addDtls(media, 'actpass', options.dtlsFingerprint);
    } else if (options.mode === 'zrtp') {
      addRaw(media, `zrtp-hash:${zrtpHashFor(options.local, line)}`);
    }
    session.media.push(media);
    return { kind: mediaA.type, bridged: true, direction, rtcpMux, cryptos };
  });
  if (!lines.some((line) => line.bridged)) throw new SdpNotAcceptableError('no audio or video line with an acceptable codec');
  const offer: LegBOffer = { sdp: writeLegSdp(session), mode: options.mode, lines };
  if (options.local.ice) offer.ice = options.local.ice.credentials;
  return offer;
}

export function remoteOf(session: SessionDescription, media: MediaDescription, rtcpMux: boolean): NonNullable<LegSettings['remote']> {
  const address = String((media.connection ?? session.connection)!.ip);
  const rtpPort = Number(media.port);
  return { address, rtpPort, rtcpPort: rtcpMux ? rtpPort : (media.rtcp?.port ?? rtpPort + 1) };
}

export function peerFingerprint(session: SessionDescription, media: MediaDescription): string {
  const fingerprint = fingerprintOf(session, media);
  if (!fingerprint) throw new SdpNotAcceptableError('DTLS-SRTP without a=fingerprint');
  if (String(fingerprint.type).toLowerCase() !== 'sha-256') throw new SdpNotAcceptableError(`a=fingerprint:${fingerprint.type} is not supported, only sha-256`);
  return String(fingerprint.hash);
}

function dtlsSettings(local: SetupAttribute, session: SessionDescription, media: MediaDescription): NonNullable<LegSettings['dtls']> {
  // RFC 4145 §4: no a=setup means active.
  let role: 'active' | 'passive' | undefined;
  try {
    role = dtlsRole(local, (media.setup ?? session.setup ?? 'active') as SetupAttribute);
  } catch (error) {
    if (error instanceof DtlsSetupError) throw new SdpNotAcceptableError(error.message);
    throw error;
  }
  if (!role) throw new SdpNotAcceptableError('a=setup:holdconn is not supported');
  return { setup: role, fingerprint: peerFingerprint(session, media) };
}

function clockRate(media: MediaDescription, payloads: number[]): number | undefined {
  return payloads.map((payload) => codecOf(media, payload)).find((codec) => codec && codec.name.toLowerCase() !== 'telephone-event')?.rate || undefined;
}

/** Leg B's settings from its answer to our offer. */
function legBSettings(offer: LegBOffer, offered: OfferedLine, answer: SessionDescription, media: MediaDescription, payloads: number[]): LegSettings {
  const rtcpMux = offered.rtcpMux && media.rtcpMux !== undefined;
  const settings: LegSettings = {
    mode: ENGINE_MODE[offer.mode],
    direction: offererDirection(offered.direction, directionOf(answer, media)),
    rtcpMux,
    remote: remoteOf(answer, media, rtcpMux),
  };
  const rate = clockRate(media, payloads);
  if (rate) settings.clockRate = rate;
  if (offer.ice) settings.ice = offer.ice;
  if (offer.mode === 'sdes') {
    const answered = cryptoLinesOf(media).map(parseCryptoAttribute);
    const ours = offered.cryptos.find((crypto) => answered.some((theirs) => theirs.tag === crypto.tag && theirs.suite === crypto.suite));
    const theirs = answered.find((crypto) => crypto.tag === ours?.tag);
    if (!ours || !theirs) throw new SdpNotAcceptableError("leg B's answer has no a=crypto matching our offer");
    settings.srtp = { suite: ours.suite, sendKey: ours.keySalt, receiveKey: theirs.keySalt };
  } else if (offer.mode === 'dtls-srtp') {
    if (!rtpProfile(media.protocol)?.dtls) throw new SdpNotAcceptableError(`leg B answered ${media.protocol} to a DTLS-SRTP offer`);
    settings.dtls = dtlsSettings('actpass', answer, media);
  } else if (offer.mode === 'zrtp') {
    const peerHelloHash = zrtpHashOf(media);
    settings.zrtp = peerHelloHash === undefined ? {} : { peerHelloHash };
  }
  return settings;
}

export function buildLegAAnswer(legAOffer: SdpInput, legBOffer: LegBOffer, legBAnswer: string, options: LegAAnswerOptions): LegAAnswer {
  const offerA = sessionOf(legAOffer);
  const answerB = parseSdp(legBAnswer);
  if (answerB.media.length !== legBOffer.lines.length) {
    throw new SdpNotAcceptableError(`leg B answered ${answerB.media.length} media lines to an offer of ${legBOffer.lines.length}`);
  }
  const session = sessionSkeleton(options.local, options.origin);
  const streams: BridgedStream[] = [];
  offerA.media.forEach((mediaA, line) => {
    const offered = legBOffer.lines[line]!;
    const mediaB = answerB.media[line]!;
    if (!offered.bridged || mediaB.port === 0) {
      session.media.push(rejectedLine(mediaA));
      return;
    }
    const offeredByA = payloadTypes(mediaA);
    const payloads = payloadTypes(mediaB).filter((payload) => offeredByA.includes(payload));
    if (payloads.length === 0) throw new SdpNotAcceptableError(`leg B answered media line ${line} with payload types leg A did not offer`);
    const settingsB = legBSettings(legBOffer, offered, answerB, mediaB, payloads);
    const modeA = mediaSecurity(offerA, mediaA);
    const directionA = bridgedAnswerDirection(directionOf(offerA, mediaA), settingsB.direction!);
    const rtcpMuxA = mediaA.rtcpMux !== undefined;
    const media = ourLine(mediaA.type, mediaA.protocol, payloads, mediaB, directionA, options.local, line, rtcpMuxA);
    const settingsA: LegSettings = { mode: ENGINE_MODE[modeA], direction: directionA, rtcpMux: rtcpMuxA, remote: remoteOf(offerA, mediaA, rtcpMuxA) };
    if (settingsB.clockRate) settingsA.clockRate = settingsB.clockRate;
    if (options.local.ice) settingsA.ice = options.local.ice.credentials;
    if (modeA === 'sdes') {
      const theirs = chooseSdesAnswer(mediaA, options.srtpSuites ?? srtpSuiteNames());
      const ours = newCryptoAttribute(theirs.tag, theirs.suite);
      media.crypto = [sdpCrypto(ours)];
      settingsA.srtp = { suite: ours.suite, sendKey: ours.keySalt, receiveKey: theirs.keySalt };
    } else if (modeA === 'dtls-srtp') {
      const offeredSetup = (mediaA.setup ?? offerA.setup ?? 'active') as SetupAttribute;
      const setup = answerSetup(offeredSetup);
      addDtls(media, setup, options.dtlsFingerprint);
      settingsA.dtls = dtlsSettings(setup, offerA, mediaA);
    } else if (modeA === 'zrtp') {
      addRaw(media, `zrtp-hash:${zrtpHashFor(options.local, line)}`);
      settingsA.zrtp = { peerHelloHash: zrtpHashOf(mediaA)! };
    }
    session.media.push(media);
    streams.push({ line, kind: mediaA.type as MediaKind, legs: [settingsA, settingsB] });
  });
  if (streams.length === 0) throw new SdpNotAcceptableError('no media line was accepted on both legs');
  return { sdp: writeLegSdp(session), legAMode: offerMode(legAOffer), streams };
}
