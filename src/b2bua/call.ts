// One bridged call (reference §3.2–3.5): leg A (the INVITE we received), leg B (the INVITE we send)
// and the media bridge between them. A call ends once both legs are over; each leg's end ends the
// other (BYE, CANCEL, or leg A's refusal with leg B's final status).
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { BridgeStats, LegIndex, MediaDirection } from '../media/bridge.js';
import type { MediaEngine } from '../media/engine.js';
import type { NatAddresses } from '../config/rules.js';
import type { SessionDescription } from 'sdp-transform';
import { DEFAULT_SRTP_SUITES, type LegAAnswer, type LegBOffer } from '../sdp/bridge-sdp.js';
import { parseSdp } from '../sdp/parse.js';
import type { CodecFilter } from '../sdp/codecs.js';
import { SdpError } from '../sdp/errors.js';
import type { NegotiatedLeg } from '../sdp/renegotiate.js';
import { NoTransportError, TransactionTimeoutError } from '../sip/errors.js';
import { formatNameAddr } from '../sip/header-values.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { Dialog } from '../sip/dialog/dialog.js';
import type { ClientInviteSession } from '../sip/ua/client-invite-session.js';
import type { ServerInviteSession } from '../sip/ua/server-invite-session.js';
import type { ServerRequest } from '../sip/ua/server-request.js';
import type { MessageContent } from '../sip/ua/messages.js';
import type { UserAgent } from '../sip/ua/user-agent.js';
import { formatUri } from '../sip/uri.js';
import type { Logger } from '../log/logger.js';
import type { Application, CallView, LegBMedia } from './application.js';
import { CallRefusedError } from './errors.js';
import { legAOffer, legAView, sdpBody } from './leg-a-view.js';
import { CallMedia } from './call-media.js';
import { changeMedia } from './media-change.js';
import { MIN_SESSION_EXPIRES, SessionIntervalTooSmallError, uacTerms, uasResponseHeaders, uasTerms, type SessionTimerTerms } from './session-timer.js';
import { CallLeg, type LegHost } from './call-leg.js';
import { wantedDirection } from './hold.js';
import { handleSessionUpdate, type SessionUpdateContext } from './session-update.js';
import { TransferRelay, translateReplaces, type DialogReference, type ReplacesLookup } from './transfer.js';

/** The configuration a call is created with (read once per call: a reload affects the next ones). */
export interface CallSettings {
  /** `outbound-proxy` as leg B's Route header value, formatted once for every call. */
  readonly legBRoute: string;
  readonly codecFilter: CodecFilter;
  readonly enableIce: boolean;
  readonly natAddresses: NatAddresses;
  /** `max-call-duration` in ms; 0 = unlimited. */
  readonly maxCallDurationMs: number;
}

export interface CallContext {
  readonly ua: UserAgent;
  readonly engine: MediaEngine;
  readonly application: Application;
  readonly settings: CallSettings;
  readonly logger: Logger;
  /** Replaces headers (INVITE, REFER) naming a leg A we bridge are rewritten to its leg B. */
  readonly findLegB: ReplacesLookup;
}

/** Why the B2BUA itself ends an established call: the `Reason` header (RFC 3326) of both BYEs. */
export const END_REASONS = {
  noRtp: reasonHeader(408, 'No RTP received'),
  maxDuration: reasonHeader(408, 'Maximum call duration reached'),
  shutdown: reasonHeader(503, 'B2BUA shutting down'),
  incomingTimeout: reasonHeader(408, 'Callee did not answer in time'),
  sessionExpired: reasonHeader(408, 'Session timer expired'),
} as const;

/** A Reason header value (RFC 3326); `text` is a quoted-string, so `"` and `\` are escaped. */
export function reasonHeader(cause: number, text: string): string {
  return `SIP;cause=${cause};text="${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/** Leg A may ring this long while leg B is being set up (reference §3.1, RFC 3261 §16.6 step 11). */
export const INCOMING_TIMEOUT_MS = 240_000;

/** The first offer/answer: the offer (leg A's, or leg B's for a late offer) and ours made from it. */
interface FirstExchange {
  offer: SessionDescription;
  sent: LegBOffer;
}

/**
 * Leg A of a late-offer call is offered plain RTP: an offerless caller expressed no encryption, and
 * in practice is a trunk or PBX, for which RTP/AVP is the offer every one of them accepts.
 */
const LATE_OFFER_LEG_A_MEDIA: LegBMedia = { mode: 'none' };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

export interface CallStats {
  readonly callIdA: string;
  readonly callIdB: string;
  readonly answered: boolean;
  readonly media: BridgeStats;
}

/** Leg B's INVITE is marked so that a Flexisip proxy does not route it back to us (reference §3.1). */
const B2BUA_MARKER = { 'X-Flexisip-B2BUA': 'ignore' };


export class Call extends EventEmitter<{ ended: [] }> {
  readonly view: CallView;
  readonly legB: ClientInviteSession;
  private legBDialog?: Dialog;
  private legADone = false;
  private legBDone = false;
  private ended = false;
  /** Set when the B2BUA ends the call itself: the Reason header of every BYE and refusal. */
  private endReason?: string;
  private durationTimer?: NodeJS.Timeout;
  private incomingTimer?: NodeJS.Timeout;
  /** Both legs once leg A is answered: re-INVITE, UPDATE, INFO, REFER and NOTIFY cross between them. */
  private legs?: [CallLeg, CallLeg];
  /** Leg A's encryption as its offer asked, for the offers a media change makes to it. */
  private legAEncryption?: LegBMedia;
  private transfers?: TransferRelay;
  private media?: CallMedia;
  /** Late offer: leg B's ACK carries our answer, known once leg A's ACK brings its own. */
  private readonly lateAnswer = deferred<MessageContent>();

  /** Checks the offer, asks the application, binds the media ports and sends leg B's INVITE. Throws CallRefusedError. */
  static start(legA: ServerInviteSession, context: CallContext): Call {
    const offer = refuseOnSdpError(() => legAOffer(legA.request));
    const legAInfo = refuseOnSdpError(() => legAView(legA.request, offer));
    const legATimer = sessionTermsOf(legA);
    const decision = context.application.onCallCreate(legAInfo);
    if (decision.kind === 'decline') throw new CallRefusedError(decision.status, decision.reason);
    const view: CallView = { legA: legAInfo, plan: decision };
    if (!offer) return new Call(legA, view, undefined, undefined, legATimer, context);
    let media: CallMedia | undefined;
    try {
      media = CallMedia.forOffer(offer, mediaAddress(legA.inbound.local.address), context);
      const sent = refuseOnSdpError(() => media!.offer(1, offer, { media: decision.media }));
      return new Call(legA, view, { offer, sent }, media, legATimer, context);
    } catch (error) {
      void media?.close();
      context.application.onCallEnd(view);
      throw error;
    }
  }

  private constructor(
    readonly legA: ServerInviteSession,
    view: CallView,
    /** The offer leg A's INVITE carried; undefined for a late offer (leg B's 2xx then offers). */
    private exchange: FirstExchange | undefined,
    /** The media of `exchange`; a late-offer call gets it from leg B's 2xx. */
    media: CallMedia | undefined,
    /** Leg A's session timer, when its INVITE asked for one. */
    private readonly legATimer: SessionTimerTerms | undefined,
    private readonly context: CallContext,
  ) {
    super();
    this.view = view;
    const { plan } = view;
    const { settings, ua } = context;
    this.legB = ua.invite(plan.callee, {
      from: formatNameAddr(plan.from),
      to: `<${formatUri(plan.callee)}>`,
      route: [settings.legBRoute],
      headers: legBHeaders(legA, context.findLegB),
      ...(exchange ? { body: exchange.sent.sdp } : { ackContent: () => this.lateAnswer.promise }),
    });
    this.legB.on('provisional', (response) => this.onLegBProvisional(response));
    this.legB.on('accepted', (response, dialog) => (this.exchange ? this.onLegBAccepted(response, dialog) : this.onLateOffer(response, dialog)));
    this.legB.on('rejected', (response) => this.onLegBFailed(response.status, response.reason));
    this.legB.on('failed', (error) => this.onLegBFailed(...legBFailure(error)));
    legA.on('cancel', () => this.onLegAEnded());
    legA.on('failed', () => this.onLegAEnded());
    if (media) this.watchMedia(media);
    this.incomingTimer = setTimeout(() => this.terminate(END_REASONS.incomingTimeout, 408), INCOMING_TIMEOUT_MS);
    this.incomingTimer.unref();
    if (settings.maxCallDurationMs > 0) {
      this.durationTimer = setTimeout(() => this.terminate(END_REASONS.maxDuration), settings.maxCallDurationMs);
      this.durationTimer.unref();
    }
  }

  private watchMedia(media: CallMedia): void {
    this.media = media;
    media.on('rtp-timeout', () => this.terminate(END_REASONS.noRtp));
  }

  /** True once leg A has its 200 (the call is bridged). */
  get answered(): boolean {
    return this.legA.state === 'accepted' || this.legA.state === 'confirmed';
  }

  /** This call's leg B dialog, when `reference` (a Replaces header) names its leg A dialog. */
  legBFor(reference: DialogReference): ReturnType<ReplacesLookup> {
    const dialogA = this.legA.dialog;
    const dialogB = this.legBDialog;
    if (!dialogA || !dialogB || dialogA.state === 'terminated') return undefined;
    if (dialogA.callId !== reference.callId || dialogA.remoteTag !== reference.fromTag || dialogA.localTag !== reference.toTag) return undefined;
    return { legB: { callId: dialogB.callId, fromTag: dialogB.localTag, toTag: dialogB.remoteTag }, legBTarget: this.view.plan.callee };
  }

  async stats(): Promise<CallStats> {
    return { callIdA: this.legA.request.callId, callIdB: this.legB.callId, answered: this.answered, media: (await this.media?.stats()) ?? { streams: [] } };
  }

  /**
   * Ends the call from the B2BUA's side: BYE with `reason` on established legs, CANCEL of an
   * unanswered leg B, 480 to an unanswered leg A.
   */
  terminate(reason: string, pendingStatus = 480): void {
    if (this.ended || this.endReason !== undefined) return;
    this.endReason = reason;
    if (this.isPending()) this.refuseLegA(pendingStatus);
    else this.endLegA();
    this.endLegB();
  }

  private isPending(): boolean {
    return this.legA.state === 'incoming' || this.legA.state === 'early';
  }

  // ---- leg B's progress ----

  private onLegBProvisional(response: SipResponse): void {
    if (response.status === 100 || !this.isPending()) return;
    // Early media (§3.3): leg A's 183 carries the answer built from leg B's, media already bridged.
    let answer: LegAAnswer | undefined;
    try {
      // A late-offer call has nothing to answer with before leg B's 2xx offers.
      if (this.exchange) answer = this.answerFor(response);
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      // Leg B's final answer decides; until then leg A only hears that the call progresses.
      this.context.logger.warn({ callId: this.legB.callId, reason: error.reason }, "leg B's early media cannot be bridged");
    }
    this.legA.progress(response.status, { reason: response.reason, ...(answer ? { body: answer.sdp } : {}) });
  }

  private onLegBAccepted(response: SipResponse, dialog: Dialog): void {
    if (!this.adoptLegB(dialog)) return;
    let answer: LegAAnswer | undefined;
    try {
      answer = this.answerFor(response);
      if (!answer) throw new CallRefusedError(488, 'No SDP Answer');
    } catch (error) {
      if (!(error instanceof SdpError) && !(error instanceof CallRefusedError)) throw error;
      this.refuseBoth(error, "leg B's answer cannot be bridged");
      return;
    }
    // Both legs' engine settings were applied by answerFor (updateLeg is synchronous): leg A is
    // answered now, without waiting for the first packet as Flexisip's StreamsRunning does.
    const encryption: LegBMedia = answer.legAMode === 'sdes' ? { mode: 'sdes', srtpSuites: DEFAULT_SRTP_SUITES } : { mode: answer.legAMode };
    // An ACK timeout ends leg A's dialog (see answerLegA); nothing more to do here.
    this.answerLegA(answer.sdp, encryption).catch(() => undefined);
    this.bridgeDialogs(this.legA.dialog!, dialog, this.media!.negotiated(answer, this.exchange!.sent), response);
  }

  /** Leg B answered: it ends the call with its dialog. False when leg A went away meanwhile (leg B is hung up). */
  private adoptLegB(dialog: Dialog): boolean {
    this.legBDialog = dialog;
    dialog.once('terminated', () => this.onLegBEnded());
    if (this.isPending()) return true;
    void dialog.bye().catch(() => undefined);
    return false;
  }

  /** Leg B's 2xx cannot be bridged: BYE on leg B and leg A refused, both with the reason. */
  private refuseBoth(error: { status: number; reason: string }, what: string): void {
    this.context.logger.warn({ callId: this.legB.callId, reason: error.reason }, what);
    this.endReason = reasonHeader(error.status, error.reason);
    this.endLegB();
    this.refuseLegA(error.status, error.reason);
  }

  /** Answers leg A with `sdp` (200, session timer headers); resolves with its dialog once the ACK came. */
  private answerLegA(sdp: string, encryption: LegBMedia): Promise<Dialog> {
    const answered = this.legA.accept({ body: sdp, headers: uasResponseHeaders(this.legATimer, this.legA.request) });
    clearTimeout(this.incomingTimer);
    this.legAEncryption = encryption;
    this.legA.dialog!.once('terminated', () => this.onLegAEnded());
    return answered;
  }

  /**
   * Late offer (RFC 3261 §13.2.1): leg B's 2xx carries the offer. Leg A is answered 200 with our
   * offer made from it; leg A's ACK brings its answer, from which leg B's ACK gets ours.
   */
  private onLateOffer(response: SipResponse, dialog: Dialog): void {
    if (!this.adoptLegB(dialog)) {
      this.lateAnswer.resolve({});
      return;
    }
    let exchange: FirstExchange;
    try {
      const body = sdpBody(response);
      if (body === undefined) throw new CallRefusedError(488, 'No SDP Offer From Callee');
      const offer = refuseOnSdpError(() => parseSdp(body));
      const media = CallMedia.forOffer(offer, mediaAddress(this.legA.inbound.local.address), this.context);
      this.watchMedia(media);
      exchange = { offer, sent: refuseOnSdpError(() => media.offer(0, offer, { media: LATE_OFFER_LEG_A_MEDIA })) };
    } catch (error) {
      if (!(error instanceof CallRefusedError)) throw error;
      this.lateAnswer.resolve({});
      this.refuseBoth(error, "leg B's offer cannot be bridged");
      return;
    }
    // Leg A's answer is in its ACK, which the session passes on and does not keep.
    let ack: SipRequest | undefined;
    this.legA.once('ack', (received) => (ack = received));
    this.answerLegA(exchange.sent.sdp, LATE_OFFER_LEG_A_MEDIA).then(
      () => this.onLateAnswer(exchange, response, dialog, ack),
      () => this.lateAnswer.resolve({}), // no ACK from leg A: its dialog ends, and the call
    );
  }

  private onLateAnswer(exchange: FirstExchange, response: SipResponse, dialog: Dialog, ack: SipRequest | undefined): void {
    try {
      const body = ack && sdpBody(ack);
      if (body === undefined) throw new SdpError('ACK without the SDP answer', 488);
      const answer = this.media!.answer(1, exchange.offer, exchange.sent, body);
      this.lateAnswer.resolve({ body: answer.sdp });
      this.exchange = exchange;
      const [legB, legA] = this.media!.negotiated(answer, exchange.sent);
      this.bridgeDialogs(this.legA.dialog!, dialog, [legA, legB], response);
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      this.context.logger.warn({ callId: dialog.callId, reason: error.reason }, "leg A's answer cannot be bridged");
      this.lateAnswer.resolve({});
      this.terminate(reasonHeader(error.status, error.reason));
    }
  }

  // ---- in-dialog requests, once both legs are established ----

  /** Both legs established (`legBAnswer`: leg B's 2xx): in-dialog requests and session timers start. */
  private bridgeDialogs(dialogA: Dialog, dialogB: Dialog, negotiated: [NegotiatedLeg, NegotiatedLeg], legBAnswer: SipResponse): void {
    const host: LegHost = {
      applySettings: (leg, settings) => this.media!.applyLeg(leg, settings),
      wantedDirection: (leg) => this.wantedDirection(leg),
      logger: this.context.logger,
    };
    const legs: [CallLeg, CallLeg] = [new CallLeg(0, dialogA, negotiated[0], host), new CallLeg(1, dialogB, negotiated[1], host)];
    this.legs = legs;
    const { application } = this.context;
    this.transfers = new TransferRelay((referTo) => application.onTransfer(referTo, this.view), this.context.findLegB);
    dialogA.on('request', (request) => this.onInDialogRequest(legs[0], legs[1], request));
    dialogB.on('request', (request) => this.onInDialogRequest(legs[1], legs[0], request));
    const expired = (): void => this.terminate(END_REASONS.sessionExpired);
    if (this.legATimer) legs[0].startSessionTimer(this.legATimer, expired);
    const legBTimer = uacTerms(legBAnswer);
    if (legBTimer) legs[1].startSessionTimer(legBTimer, expired);
  }

  private wantedDirection(leg: LegIndex): MediaDirection {
    const legs = this.legs!;
    return wantedDirection(legs[1 - leg]!.holds, legs[leg].holds);
  }

  private onInDialogRequest(from: CallLeg, to: CallLeg, request: ServerRequest): void {
    switch (request.method) {
      case 'INVITE':
      case 'UPDATE':
        handleSessionUpdate(from, to, request, this.sessionUpdates);
        return;
      case 'INFO':
        relayRequest(request, to.dialog);
        return;
      case 'REFER':
        this.transfers!.refer(request, from.dialog, to.dialog);
        return;
      case 'NOTIFY':
        this.transfers!.notify(request, from.dialog);
        return;
      case 'OPTIONS':
        request.respond(200);
        return;
      default:
        request.respond(501);
    }
  }

  private readonly sessionUpdates: SessionUpdateContext = {
    wantedDirection: (leg) => this.wantedDirection(leg.index),
    responseHeaders: (leg, request) => leg.sessionRefreshed(request.request),
    changeMedia: (from, offer, request) => {
      changeMedia(from, this.legs![1 - from.index]!, offer, request, {
        media: this.media!,
        codecFilter: this.context.settings.codecFilter,
        encryptionOf: (leg) => (leg === 1 ? this.view.plan.media : this.legAEncryption!),
        logger: this.context.logger,
      });
    },
  };

  /** Leg A's answer from leg B's SDP, with both legs' media applied; undefined without SDP. */
  private answerFor(response: SipResponse): LegAAnswer | undefined {
    const body = sdpBody(response);
    if (body === undefined) return undefined;
    const { offer, sent } = this.exchange!;
    return this.media!.answer(0, offer, sent, body);
  }

  /** Leg B ended without an answer: leg A, never answered, gets its status (§3.5). */
  private onLegBFailed(status: number, reason?: string): void {
    this.legBDone = true;
    if (this.isPending()) this.refuseLegA(status, reason);
    this.legADone = true;
    this.finishIfOver();
  }

  // ---- ends ----

  private onLegAEnded(): void {
    this.legADone = true;
    this.endLegB();
    this.finishIfOver();
  }

  private onLegBEnded(): void {
    this.legBDone = true;
    if (this.answered) this.endLegA();
    this.finishIfOver();
  }

  private refuseLegA(status: number, reason?: string): void {
    const headers = this.endHeaders();
    this.legA.reject(status, { ...(reason === undefined ? {} : { reason }), ...(headers ? { headers } : {}) });
    this.legADone = true;
    this.finishIfOver();
  }

  private endLegA(): void {
    const dialog = this.legA.dialog;
    if (dialog && dialog.state !== 'terminated') void dialog.bye(this.byeContent()).catch(() => undefined);
  }

  /** BYE when leg B is established, CANCEL while it is being set up (its outcome then ends it). */
  private endLegB(): void {
    if (!this.legBDialog) this.legB.cancel();
    else if (this.legBDialog.state !== 'terminated') void this.legBDialog.bye(this.byeContent()).catch(() => undefined);
  }

  private endHeaders(): Record<string, string> | undefined {
    return this.endReason === undefined ? undefined : { Reason: this.endReason };
  }

  private byeContent(): { headers?: Record<string, string> } {
    const headers = this.endHeaders();
    return headers ? { headers } : {};
  }

  private finishIfOver(): void {
    if (this.ended || !this.legADone || !this.legBDone) return;
    this.ended = true;
    clearTimeout(this.durationTimer);
    clearTimeout(this.incomingTimer);
    for (const leg of this.legs ?? []) leg.end();
    this.context.application.onCallEnd(this.view);
    this.lateAnswer.resolve({});
    this.media?.close().catch((error: Error) => this.context.logger.warn({ reason: error.message }, 'media bridge close failed'));
    this.emit('ended');
  }
}

/**
 * Leg B's own headers: the B2BUA marker, and from leg A only Referred-By (copied) and Replaces
 * (translated to our leg B when it names a leg A we bridge) (reference §3.2 steps 4–5).
 */
function legBHeaders(legA: ServerInviteSession, findLegB: ReplacesLookup): Record<string, string> {
  // `timer`: the callee may impose a session timer (RFC 4028 §7.1); we ask for none ourselves.
  const headers: Record<string, string> = { ...B2BUA_MARKER, Supported: 'timer' };
  const referredBy = legA.request.headers.get('Referred-By');
  if (referredBy) headers['Referred-By'] = referredBy;
  const replaces = legA.request.headers.get('Replaces');
  if (replaces) headers.Replaces = translateReplaces(replaces, findLegB);
  return headers;
}

/** An in-dialog request passed to the other leg as it is (INFO: DTMF, §3.8); its final status comes back. */
function relayRequest(request: ServerRequest, to: Dialog): void {
  const { headers, body } = request.request;
  const forwarded: Record<string, string> = {};
  for (const name of ['Info-Package', 'Content-Disposition']) {
    const value = headers.get(name);
    if (value) forwarded[name] = value;
  }
  const contentType = request.request.contentType;
  to.request(request.method, { headers: forwarded, body, ...(contentType ? { contentType } : {}) })
    .then((response) => request.respond(response.status, { reason: response.reason }))
    .catch(() => request.respond(408));
}

/** Leg A's session timer terms; 422 with our Min-SE when its interval is too small (RFC 4028 §8.1). */
function sessionTermsOf(legA: ServerInviteSession): SessionTimerTerms | undefined {
  try {
    return uasTerms(legA.request);
  } catch (error) {
    if (!(error instanceof SessionIntervalTooSmallError)) throw error;
    throw new CallRefusedError(422, 'Session Interval Too Small', { 'Min-SE': String(MIN_SESSION_EXPIRES) });
  }
}

/**
 * Leg A's refusal when leg B got no final response: 408 when it did not answer, 501 when we have no
 * transport to reach it (reference §3.2 step 6: leg B "cannot be created"), 503 for other failures.
 */
function legBFailure(error: Error): [status: number, reason?: string] {
  if (error instanceof TransactionTimeoutError) return [408];
  if (error instanceof NoTransportError) return [501, 'No Transport To Callee'];
  return [503];
}

/** SdpError → CallRefusedError with its status and reason (§3.5: no leg B for an offer we cannot use). */
function refuseOnSdpError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SdpError) throw new CallRefusedError(error.status, error.reason);
    throw error;
  }
}

/**
 * Media is bound and announced at the address the INVITE arrived on, for both legs. A wildcard
 * listener gives nothing to announce: the first external address of its family then.
 */
function mediaAddress(sipAddress: string): string {
  if (sipAddress !== '0.0.0.0' && sipAddress !== '::') return sipAddress;
  const family = sipAddress === '::' ? 'IPv6' : 'IPv4';
  const external = Object.values(networkInterfaces())
    .flat()
    .find((item) => item && !item.internal && item.family === family);
  return external?.address ?? (family === 'IPv6' ? '::1' : '127.0.0.1');
}
