// Session timers (RFC 4028), each leg on its own: the interval and the refresher are negotiated per
// dialog, the B2BUA refreshes the legs where it is the refresher (UPDATE without SDP at half the
// interval) and ends the call when a leg whose party should refresh goes silent (§10).
//
// Leg A: honoured when its INVITE asks (Session-Expires); the caller refreshes unless it asked us
// to. Leg B: our INVITE says `Supported: timer` and asks nothing; the callee may impose a timer
// in its 2xx, and then says who refreshes.
import type { SipMessage, SipRequest, SipResponse } from '../sip/message.js';
import type { HeaderInput } from '../sip/ua/messages.js';

/** Our Min-SE: RFC 4028 §4's floor, so that no session is refreshed more than every 45 s. */
export const MIN_SESSION_EXPIRES = 90;

export interface SessionTimerTerms {
  /** Seconds. */
  interval: number;
  /** Who sends the refreshes on this leg. */
  refresher: 'b2bua' | 'peer';
}

/** The INVITE's Session-Expires is below our Min-SE: refuse it with 422 (§5). */
export class SessionIntervalTooSmallError extends Error {
  constructor(readonly requested: number) {
    super(`Session-Expires ${requested} is below Min-SE ${MIN_SESSION_EXPIRES}`);
    this.name = new.target.name;
  }
}

function sessionExpires(message: SipMessage): { interval: number; refresher?: string } | undefined {
  const value = message.headers.get('Session-Expires');
  const match = value && /^\s*(\d+)\s*(?:;(.*))?$/.exec(value);
  if (!match) return undefined;
  const refresher = /(?:^|;)\s*refresher\s*=\s*(uac|uas)\b/i.exec(match[2] ?? '')?.[1]?.toLowerCase();
  return { interval: Number(match[1]), ...(refresher ? { refresher } : {}) };
}

function supportsTimer(message: SipMessage): boolean {
  return message.headers.getLines('Supported').some((line) => line.split(',').some((item) => item.trim().toLowerCase() === 'timer'));
}

/**
 * Leg A's INVITE, where the B2BUA is the UAS: the terms, or undefined when the caller asked for no
 * timer. Throws SessionIntervalTooSmallError (→ 422 with Min-SE).
 */
export function uasTerms(invite: SipRequest): SessionTimerTerms | undefined {
  const asked = sessionExpires(invite);
  if (!asked) return undefined;
  if (asked.interval < MIN_SESSION_EXPIRES) throw new SessionIntervalTooSmallError(asked.interval);
  // §9: the caller refreshes when it supports timers and did not ask us to.
  const refresher = asked.refresher === 'uas' || !supportsTimer(invite) ? 'b2bua' : 'peer';
  return { interval: asked.interval, refresher };
}

/** Leg B's 2xx, where the B2BUA is the UAC: the terms the callee imposed, if any. */
export function uacTerms(response: SipResponse): SessionTimerTerms | undefined {
  const imposed = sessionExpires(response);
  if (!imposed) return undefined;
  return { interval: imposed.interval, refresher: imposed.refresher === 'uas' ? 'peer' : 'b2bua' };
}

/** Session-Expires and Require of our 2xx on a leg where we are the UAS of the dialog-creating INVITE. */
export function uasResponseHeaders(terms: SessionTimerTerms | undefined, request: SipRequest): HeaderInput {
  if (!terms) return {};
  const refresher = terms.refresher === 'peer' ? 'uac' : 'uas';
  return { 'Session-Expires': `${terms.interval};refresher=${refresher}`, ...(supportsTimer(request) ? { Require: 'timer' } : {}) };
}

/** The headers of a refresh we send: we are the UAC of it, and the refresher. */
export function refreshHeaders(terms: SessionTimerTerms): HeaderInput {
  return { 'Session-Expires': `${terms.interval};refresher=uac`, Supported: 'timer' };
}

/** Runs one leg's timer: `refresh` at half the interval, or `expired` when the peer's refresh is late. */
export class SessionTimer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly terms: SessionTimerTerms,
    private readonly refresh: (terms: SessionTimerTerms) => void,
    private readonly expired: () => void,
  ) {
    this.restart();
  }

  /** A refresh went through (ours answered 2xx, or the peer's). No effect once stopped. */
  restart(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const { interval, refresher } = this.terms;
    // §10: the refresher at half the interval; the other side gives up min(32 s, interval/3) before the end.
    const delay = refresher === 'b2bua' ? interval / 2 : interval - Math.min(32, interval / 3);
    this.timer = setTimeout(() => (refresher === 'b2bua' ? this.refresh(this.terms) : this.expired()), delay * 1000);
    this.timer.unref();
  }

  /** For good: a refresh still in flight when the call ends does not re-arm it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
