// What the application sees of an incoming INVITE (application.ts), and the offer it carries.
import type { SessionDescription } from 'sdp-transform';
import { offerMode } from '../sdp/bridge-sdp.js';
import { parseSdp } from '../sdp/parse.js';
import type { SipMessage, SipRequest } from '../sip/message.js';
import type { LegAView } from './application.js';

/** The SDP body of a message, or undefined when it has none. */
export function sdpBody(message: SipMessage): string | undefined {
  if (message.body.length === 0) return undefined;
  if (message.contentType?.toLowerCase().split(';')[0]?.trim() !== 'application/sdp') return undefined;
  return message.body.toString('utf8');
}

/**
 * Leg A's offer, parsed once for the whole call; undefined for an INVITE without one (RFC 3261
 * §13.2.1 late offer). Throws SdpError when the offer does not parse.
 */
export function legAOffer(invite: SipRequest): SessionDescription | undefined {
  const offer = sdpBody(invite);
  return offer === undefined ? undefined : parseSdp(offer);
}

/** Without an offer the caller asked for no encryption: its mode is `none`. */
export function legAView(invite: SipRequest, offer: SessionDescription | undefined): LegAView {
  return { requestUri: invite.uri, from: invite.from, to: invite.to, mediaMode: offer ? offerMode(offer) : 'none' };
}
