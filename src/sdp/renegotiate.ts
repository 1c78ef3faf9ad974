// Offers and answers on a leg that is already bridged (re-INVITE, UPDATE): hold, resume, session
// refresh, a peer's new address or keys. The B2BUA restates its own last SDP on that leg (same
// ports, keys, fingerprint, ZRTP hash, ICE credentials) with a new direction and the next origin
// version (RFC 3264 §8), and updates the engine settings of the leg from the peer's side.
//
// Keys and DTLS roles are kept on purpose: restating the same SDES key and the same a=setup role
// lets the engine keep its SRTP contexts (and rollover counters) and its DTLS association; only a
// peer that changes its own key or role makes the engine re-key or re-handshake.
import { write, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { LegSettings, MediaDirection } from '../media/bridge.js';
import { answerSetup, DtlsSetupError, dtlsRole, type SetupAttribute } from '../media/dtls-setup.js';
import { peerFingerprint, remoteOf } from './bridge-sdp.js';
import { parseCryptoAttribute, type CryptoAttribute } from './crypto-attribute.js';
import { directionOf, offererDirection } from './direction.js';
import { SdpNotAcceptableError } from './errors.js';
import { cryptoLinesOf, fingerprintOf, zrtpHashOf } from './media-security.js';

/** What the B2BUA last said on one leg, and the engine settings of each bridged media line. */
export interface NegotiatedLeg {
  /** Our last SDP on the leg (offer or answer), with only the negotiated a=crypto per line. */
  ours: SessionDescription;
  /** Indexed by media line; undefined for lines that are not bridged. */
  settings: (LegSettings | undefined)[];
}

export interface Renegotiated {
  sdp: string;
  leg: NegotiatedLeg;
}

/** Our last SDP on the leg as a new offer: `direction` on every bridged line, the next version. */
export function restatedOffer(leg: NegotiatedLeg, direction: MediaDirection): Renegotiated {
  const ours = nextVersion(leg.ours);
  leg.settings.forEach((settings, line) => {
    const media = ours.media[line];
    if (!settings || !media) return;
    media.direction = direction;
    // Our current role, not actpass: the answerer then keeps the association (RFC 4145 §4).
    if (settings.dtls) media.setup = settings.dtls.setup;
  });
  return { sdp: write(ours), leg: { ours, settings: leg.settings } };
}

/** The peer's answer to `offered` (from `restatedOffer`): the settings it leads to. */
export function applyAnswer(offered: NegotiatedLeg, answerSdp: SessionDescription): NegotiatedLeg {
  assertSameLines(offered.ours, answerSdp);
  const settings = offered.settings.map((previous, line) => {
    if (!previous) return undefined;
    const ourMedia = offered.ours.media[line]!;
    const theirMedia = answerSdp.media[line]!;
    const theirDirection = theirMedia.port === 0 ? 'inactive' : directionOf(answerSdp, theirMedia);
    const direction = offererDirection(ourMedia.direction ?? 'sendrecv', theirDirection);
    return peerUpdate(previous, answerSdp, theirMedia, direction, ourMedia, (theirs) => dtlsRole(previous.dtls!.setup, theirs));
  });
  return { ours: offered.ours, settings };
}

/**
 * Our answer to the peer's offer on a bridged leg, wanting `desired` (the hold logic's direction):
 * our last SDP restated with the answered direction and the offer's crypto tag.
 */
export function answerOffer(leg: NegotiatedLeg, offer: SessionDescription, desired: MediaDirection): Renegotiated {
  assertSameLines(leg.ours, offer);
  const ours = nextVersion(leg.ours);
  const settings = leg.settings.map((previous, line) => {
    if (!previous) return undefined;
    const ourMedia = ours.media[line]!;
    const theirMedia = offer.media[line]!;
    // What we want, within what the offer allows (RFC 3264 §6.1): the same rule as for an offerer.
    const direction = offererDirection(desired, directionOf(offer, theirMedia));
    ourMedia.direction = direction;
    return peerUpdate(previous, offer, theirMedia, direction, ourMedia, (theirs) => {
      // Keep our role when the offerer lets us choose; follow it when it imposes the other one.
      const setup: SetupAttribute = theirs === 'actpass' ? previous.dtls!.setup : answerSetup(theirs);
      ourMedia.setup = setup;
      return dtlsRole(setup, theirs);
    });
  });
  return { sdp: write(ours), leg: { ours, settings } };
}

/** A re-offer that keeps every line where it was: the same count, and no bridged line refused. */
export function keepsMediaLines(leg: NegotiatedLeg, offer: SessionDescription): boolean {
  if (offer.media.length !== leg.ours.media.length) return false;
  return offer.media.every((media, line) => (leg.settings[line] !== undefined) === (media.port !== 0));
}

function assertSameLines(ours: SessionDescription, theirs: SessionDescription): void {
  if (theirs.media.length !== ours.media.length) {
    throw new SdpNotAcceptableError(`${theirs.media.length} media lines where ${ours.media.length} were negotiated`);
  }
}

function nextVersion(ours: SessionDescription): SessionDescription {
  const copy = structuredClone(ours);
  copy.origin!.sessionVersion = Number(copy.origin!.sessionVersion) + 1;
  return copy;
}

/** The leg's settings with the peer's new address, direction, SDES key, fingerprint or ZRTP hash. */
function peerUpdate(
  previous: LegSettings,
  theirSession: SessionDescription,
  theirMedia: MediaDescription,
  direction: MediaDirection,
  ourMedia: MediaDescription,
  role: (theirs: SetupAttribute) => 'active' | 'passive' | undefined,
): LegSettings {
  const settings: LegSettings = { ...previous, direction };
  if (theirMedia.port !== 0) settings.remote = remoteOf(theirSession, theirMedia, previous.rtcpMux ?? false);
  if (previous.srtp) {
    const ourCrypto = ourMedia.crypto?.[0];
    const theirs = theirCrypto(theirMedia, previous.srtp.suite);
    if (!ourCrypto || !theirs) throw new SdpNotAcceptableError(`no a=crypto with ${previous.srtp.suite}, the suite in use`);
    ourMedia.crypto = [{ ...ourCrypto, id: theirs.tag }];
    settings.srtp = { ...previous.srtp, receiveKey: theirs.keySalt };
  }
  // Linphone 5.1 answers a re-INVITE on an established DTLS-SRTP stream with neither a=setup nor
  // a=fingerprint: an SDP that says nothing of the association keeps it (settings.dtls = previous).
  const keepsAssociation = (theirMedia.setup ?? theirSession.setup) === undefined && !fingerprintOf(theirSession, theirMedia);
  if (previous.dtls && !keepsAssociation) {
    const theirSetup = (theirMedia.setup ?? theirSession.setup ?? 'active') as SetupAttribute;
    let setup: 'active' | 'passive' | undefined;
    try {
      setup = role(theirSetup);
    } catch (error) {
      if (error instanceof DtlsSetupError) throw new SdpNotAcceptableError(error.message);
      throw error;
    }
    if (!setup) throw new SdpNotAcceptableError('a=setup:holdconn is not supported');
    settings.dtls = { setup, fingerprint: peerFingerprint(theirSession, theirMedia) };
  }
  if (previous.zrtp) {
    const peerHelloHash = zrtpHashOf(theirMedia) ?? previous.zrtp.peerHelloHash;
    settings.zrtp = peerHelloHash === undefined ? {} : { peerHelloHash };
  }
  return settings;
}

/** The peer's a=crypto for the suite in use (its tag may differ from last time). */
function theirCrypto(media: MediaDescription, suite: string): CryptoAttribute | undefined {
  for (const line of cryptoLinesOf(media)) {
    try {
      const crypto = parseCryptoAttribute(line);
      if (crypto.suite === suite) return crypto;
    } catch {
      // A line we cannot use is skipped, as in the first answer (chooseSdesAnswer).
    }
  }
  return undefined;
}
