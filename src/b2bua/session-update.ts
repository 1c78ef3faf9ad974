// A re-INVITE or UPDATE received on an established leg (reference §3.6): answered by the B2BUA on
// that leg with its own SDP; the other leg is re-INVITEd only when the hold state changed (§3.7),
// through its CallLeg's `sync()`. Session refreshes, codec or address changes and ICE updates stay
// on the leg they came from, as Flexisip's "minor changes".
import type { SessionDescription } from 'sdp-transform';
import { parseSdp } from '../sdp/parse.js';
import { answerOffer, keepsMediaLines } from '../sdp/renegotiate.js';
import { directionOf } from '../sdp/direction.js';
import { SdpError } from '../sdp/errors.js';
import type { ServerRequest } from '../sip/ua/server-request.js';
import type { HeaderInput } from '../sip/ua/messages.js';
import type { CallLeg } from './call-leg.js';
import { holdsBy } from './hold.js';
import { sdpBody } from './leg-a-view.js';

export interface SessionUpdateContext {
  /** The direction the hold logic wants on `leg` once its `holds` flag is up to date. */
  wantedDirection(leg: CallLeg): ReturnType<CallLeg['restate']>['wanted'];
  /** Headers of every 2xx to a session-modifying request (session timer). */
  responseHeaders(leg: CallLeg, request: ServerRequest): HeaderInput;
  /** Adding or removing a media line: forwarded to the other leg with the answer deferred. */
  changeMedia(from: CallLeg, offer: SessionDescription, request: ServerRequest): void;
}

export function handleSessionUpdate(leg: CallLeg, other: CallLeg, request: ServerRequest, context: SessionUpdateContext): void {
  const body = sdpBody(request.request);
  if (leg.busy) {
    // RFC 3311 §5.2 / RFC 3261 §14.2: one offer/answer at a time on a dialog.
    request.respond(491);
    return;
  }
  if (body === undefined) {
    answerWithoutOffer(leg, request, context);
    return;
  }
  let offer: SessionDescription;
  try {
    offer = parseSdp(body);
  } catch (error) {
    if (!(error instanceof SdpError)) throw error;
    request.respond(error.status, { reason: error.reason });
    return;
  }
  if (!keepsMediaLines(leg.negotiated, offer)) {
    context.changeMedia(leg, offer, request);
    return;
  }
  const held = leg.holds;
  leg.holds = holdsBy(offeredDirection(leg, offer));
  const wanted = context.wantedDirection(leg);
  try {
    const { sdp, leg: negotiated } = answerOffer(leg.negotiated, offer, wanted);
    leg.stated(negotiated, wanted);
    request.respond(200, { body: sdp, headers: context.responseHeaders(leg, request) });
  } catch (error) {
    if (!(error instanceof SdpError)) throw error;
    leg.holds = held;
    request.respond(error.status, { reason: error.reason });
    return;
  }
  other.sync();
}

/** The direction of the offer's first bridged line (audio and video are held together). */
function offeredDirection(leg: CallLeg, offer: SessionDescription): ReturnType<typeof directionOf> {
  const line = leg.negotiated.settings.findIndex((settings) => settings !== undefined);
  return directionOf(offer, offer.media[line]!);
}

/**
 * UPDATE without SDP: a session refresh (RFC 4028), nothing to negotiate. re-INVITE without SDP:
 * the B2BUA offers in its 2xx (our current SDP) and the ACK carries the answer.
 */
function answerWithoutOffer(leg: CallLeg, request: ServerRequest, context: SessionUpdateContext): void {
  const headers = context.responseHeaders(leg, request);
  if (request.method === 'UPDATE') {
    request.respond(200, { headers });
    return;
  }
  const { sdp, offered, wanted } = leg.restate();
  leg.busy = true;
  request.respond(200, { body: sdp, headers });
  leg.dialog.once('ack', (ack) => {
    const answer = sdpBody(ack);
    try {
      if (answer !== undefined) leg.answered(offered, wanted, parseSdp(answer));
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      // The 2xx is already acknowledged: keep the media as it was; the peer may re-INVITE.
    }
    leg.exchangeDone();
  });
}
