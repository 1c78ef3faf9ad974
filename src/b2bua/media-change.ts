// A re-INVITE or UPDATE that adds or removes a media line (reference §3.6 rule 1: video on or off).
// Unlike hold or a refresh, the other leg must agree: it is re-INVITEd with an offer made from the
// new one, and the offerer's answer waits for its answer (deferred). A line added gets new engine
// streams; a line removed stops in the engine and is refused (port 0) on both legs.
import type { SessionDescription } from 'sdp-transform';
import type { LegIndex } from '../media/bridge.js';
import { bridgedMediaLines, type LegBOffer, type Origin } from '../sdp/bridge-sdp.js';
import type { CodecFilter } from '../sdp/codecs.js';
import { SdpError } from '../sdp/errors.js';
import type { NegotiatedLeg } from '../sdp/renegotiate.js';
import type { ServerRequest } from '../sip/ua/server-request.js';
import type { Logger } from '../log/logger.js';
import type { LegBMedia } from './application.js';
import type { CallLeg } from './call-leg.js';
import type { CallMedia } from './call-media.js';
import { CallRefusedError } from './errors.js';
import { sdpBody } from './leg-a-view.js';

export interface MediaChangeContext {
  readonly media: CallMedia;
  readonly codecFilter: CodecFilter;
  /** The encryption of each leg's new offers: leg B's per the application, leg A's as it asked. */
  encryptionOf(leg: LegIndex): LegBMedia;
  readonly logger: Logger;
}

export function changeMedia(from: CallLeg, to: CallLeg, offer: SessionDescription, request: ServerRequest, context: MediaChangeContext): void {
  if (to.busy) {
    request.respond(491);
    return;
  }
  const { media } = context;
  let sent: LegBOffer;
  try {
    media.addStreams(bridgedMediaLines(offer, context.codecFilter).filter(({ line }) => !media.has(line)));
    sent = media.offer(to.index, offer, { media: context.encryptionOf(to.index), origin: nextOrigin(to.negotiated) });
  } catch (error) {
    if (error instanceof CallRefusedError || error instanceof SdpError) request.respond(error.status, { reason: error.reason });
    else throw error;
    return;
  }
  from.busy = true;
  to.busy = true;
  to.dialog
    .reinvite({ body: sent.sdp })
    .then((response) => {
      if (response.status >= 300) {
        request.respond(response.status, { reason: response.reason });
        return;
      }
      const theirAnswer = sdpBody(response);
      if (theirAnswer === undefined) throw new SdpError('the other party answered without SDP', 488);
      const answer = media.answer(from.index, offer, sent, theirAnswer, nextOrigin(from.negotiated));
      const [offering, answering] = media.negotiated(answer, sent);
      from.restated(offering);
      to.restated(answering);
      request.respond(200, { body: answer.sdp });
    })
    .catch((error: Error) => {
      context.logger.warn({ callId: from.dialog.callId, reason: error.message }, 'media change failed');
      request.respond(error instanceof SdpError ? error.status : 500, { reason: error instanceof SdpError ? error.reason : 'Media Change Failed' });
    })
    .finally(() => {
      from.exchangeDone();
      to.exchangeDone();
    });
}

/** The same SDP session, one version on (RFC 3264 §8). */
function nextOrigin(leg: NegotiatedLeg): Origin {
  return { sessionId: String(leg.ours.origin!.sessionId), version: Number(leg.ours.origin!.sessionVersion) + 1 };
}
