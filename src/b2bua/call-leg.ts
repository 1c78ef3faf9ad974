// One established leg of a bridged call, for what happens after the first offer/answer: the SDP the
// B2BUA last stated on it, whether its party holds, and the re-INVITEs the B2BUA sends on it.
//
// Re-INVITEs converge on a wanted direction rather than queue: `sync()` sends one when the wanted
// direction differs from the one last stated, never while another offer/answer is in flight on the
// dialog (RFC 3261 §14.1, RFC 3311 §5.1), and runs again when that one ends. A 491 (glare) retries
// after the §14.1 delay: 2.1–4 s on the leg whose Call-ID the B2BUA chose (leg B), 0–2 s on leg A.
import { randomInt } from 'node:crypto';
import type { SessionDescription } from 'sdp-transform';
import type { LegIndex, LegSettings, MediaDirection } from '../media/bridge.js';
import { applyAnswer, restatedOffer, type NegotiatedLeg } from '../sdp/renegotiate.js';
import { parseSdp } from '../sdp/parse.js';
import { SdpError } from '../sdp/errors.js';
import type { Dialog } from '../sip/dialog/dialog.js';
import type { Logger } from '../log/logger.js';
import { sdpBody } from './leg-a-view.js';
import { refreshHeaders, SessionTimer, uasResponseHeaders, type SessionTimerTerms } from './session-timer.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderInput } from '../sip/ua/messages.js';

export interface LegHost {
  /** Applies the engine settings of every bridged line of this leg. */
  applySettings(leg: LegIndex, settings: (LegSettings | undefined)[]): void;
  /** The direction the hold logic wants on this leg now. */
  wantedDirection(leg: LegIndex): MediaDirection;
  readonly logger: Logger;
}

const GLARE_RETRY_MS = { callIdOwner: [2100, 4000], other: [0, 2000] } as const;

export class CallLeg {
  /** Its party's last offer put the call on hold (sendonly or inactive). */
  holds = false;
  /** An offer/answer exchange is in progress on the dialog (ours or theirs). */
  busy = false;
  /** The direction the hold logic wanted when the B2BUA last stated its SDP on this leg. */
  private statedWanted: MediaDirection = 'sendrecv';
  private retryTimer?: NodeJS.Timeout;
  private sessionTimer?: SessionTimer;
  private ended = false;

  constructor(
    readonly index: LegIndex,
    readonly dialog: Dialog,
    public negotiated: NegotiatedLeg,
    private readonly host: LegHost,
  ) {}

  /** Records what was just stated on the leg (our answer to its offer). */
  stated(negotiated: NegotiatedLeg, wanted: MediaDirection): void {
    this.negotiated = negotiated;
    this.statedWanted = wanted;
    this.host.applySettings(this.index, negotiated.settings);
  }

  /**
   * A new SDP stated on the leg by a media change, whose settings the media change has already
   * applied in the engine; the hold logic's wanted direction still holds.
   */
  restated(negotiated: NegotiatedLeg): void {
    this.negotiated = negotiated;
    this.statedWanted = this.host.wantedDirection(this.index);
  }

  /** Our SDP restated as an offer with the wanted direction (a re-INVITE without SDP asks for one). */
  restate(): { sdp: string; offered: NegotiatedLeg; wanted: MediaDirection } {
    const wanted = this.host.wantedDirection(this.index);
    const { sdp, leg } = restatedOffer(this.negotiated, wanted);
    return { sdp, offered: leg, wanted };
  }

  /** The peer's answer (in an ACK or a 2xx) to `offered`. */
  answered(offered: NegotiatedLeg, wanted: MediaDirection, answer: SessionDescription): void {
    this.stated(applyAnswer(offered, answer), wanted);
  }

  /** Sends a re-INVITE when the wanted direction changed since we last stated one. */
  sync(): void {
    if (this.ended || this.busy || this.retryTimer || this.dialog.state === 'terminated') return;
    if (this.host.wantedDirection(this.index) === this.statedWanted) return;
    const { sdp, offered, wanted } = this.restate();
    this.busy = true;
    this.dialog
      .reinvite({ body: sdp })
      .then((response) => {
        this.busy = false;
        if (response.status === 491) return this.retryLater();
        if (response.status >= 300) {
          this.host.logger.info({ callId: this.dialog.callId, status: response.status }, 're-INVITE refused; the leg keeps its media');
          this.statedWanted = wanted; // not retried in a loop: the next change of the other leg tries again
          return;
        }
        const body = sdpBody(response);
        if (body === undefined) throw new SdpError('2xx to our re-INVITE without SDP', 488);
        this.answered(offered, wanted, parseSdp(body));
        this.sync();
      })
      .catch((error: Error) => {
        this.busy = false;
        this.host.logger.warn({ callId: this.dialog.callId, reason: error.message }, 're-INVITE failed');
      });
  }

  /** Their offer/answer exchange on this leg ended: ours may go now. */
  exchangeDone(): void {
    this.busy = false;
    this.sync();
  }

  /** RFC 4028 on this leg: UPDATE refreshes when the B2BUA is the refresher, `expired` when the party's are late. */
  startSessionTimer(terms: SessionTimerTerms, expired: () => void): void {
    const timer = new SessionTimer(
      terms,
      (current) => {
        this.dialog
          .request('UPDATE', { headers: refreshHeaders(current) })
          .then((response) => {
            if (response.status >= 300) this.host.logger.info({ callId: this.dialog.callId, status: response.status }, 'session refresh refused');
          })
          .catch(() => undefined) // a dead peer ends the dialog (408/481) and the call with it
          .finally(() => timer.restart());
      },
      expired,
    );
    this.sessionTimer = timer;
  }

  /** The party refreshed the session (our 2xx to its re-INVITE or UPDATE): that 2xx's timer headers. */
  sessionRefreshed(request: SipRequest): HeaderInput {
    if (!this.sessionTimer) return {};
    this.sessionTimer.restart();
    return uasResponseHeaders(this.sessionTimer.terms, request);
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.sessionTimer?.stop();
  }

  private retryLater(): void {
    const [min, max] = this.index === 1 ? GLARE_RETRY_MS.callIdOwner : GLARE_RETRY_MS.other;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sync();
    }, randomInt(min, max + 1));
    this.retryTimer.unref();
  }
}
