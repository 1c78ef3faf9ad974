// The hooks through which the B2BUA core asks an application (trenscrypter, sip-bridge) what to do
// with a call, as Flexisip's B2buaServer::Application does (reference §3.2, §3.5, §3.9, §3.10).
// The core builds the small views below from the SIP messages; an application sees no message,
// transaction or socket, so its policy is plain data in, plain data out.
import type { LoadedConfig } from '../config/load.js';
import type { EncryptionMode, SrtpSuiteName } from '../config/trenscrypter-lists.js';
import type { NameAddr } from '../sip/header-values.js';
import type { SipUri } from '../sip/uri.js';

/** What the core knows of an incoming INVITE when it asks for leg B. */
export interface LegAView {
  readonly requestUri: SipUri;
  /** With its display name; header parameters (tag) are the core's business. */
  readonly from: NameAddr;
  readonly to: NameAddr;
  /** `offerMode()` of leg A's offer: the encryption the caller asked for. */
  readonly mediaMode: EncryptionMode;
}

/** Leg B's media encryption, in the SDP layer's mode names (`buildLegBOffer({ mode, srtpSuites })`). */
export type LegBMedia =
  | { readonly mode: 'sdes'; /** Offered in this order. */ readonly srtpSuites: readonly SrtpSuiteName[] }
  | { readonly mode: Exclude<EncryptionMode, 'sdes'> };

/** How to call leg B. */
export interface LegBPlan {
  readonly kind: 'leg-b';
  /** Leg B's Request-URI and To. */
  readonly callee: SipUri;
  /** Leg B's From; the core gives it a new tag. */
  readonly from: NameAddr;
  readonly media: LegBMedia;
}

/** Refuse the request on leg A with this final response. */
export interface Decline {
  readonly kind: 'decline';
  readonly status: number;
  readonly reason: string;
}

/** A bridged call, as the core shows it to the application after `onCallCreate` accepted it. */
export interface CallView {
  readonly legA: LegAView;
  readonly plan: LegBPlan;
}

/** An incoming SUBSCRIBE outside any dialog (reference §3.10). */
export interface SubscribeView {
  readonly requestUri: SipUri;
  readonly from: NameAddr;
  readonly to: NameAddr;
  /** The Event header's package (`message-summary`, `presence`…). */
  readonly event: string;
  readonly expires: number;
}

/** Subscribe on leg B for this resource (To of leg B's SUBSCRIBE). */
export interface SubscribePlan {
  readonly kind: 'subscribe';
  readonly subscriber: SipUri;
}

export interface Application {
  onCallCreate(legA: LegAView): Decline | LegBPlan;
  /** A REFER's target, translated for the other leg; undefined = use it unchanged. */
  onTransfer(referTo: SipUri, call: CallView): SipUri | undefined;
  onSubscribe(subscribe: SubscribeView): Decline | SubscribePlan;
  /** Either leg ended (or the call was declined after `onCallCreate` accepted it). */
  onCallEnd(call: CallView): void;
  /** SIGHUP: take the reloadable keys for the calls created from now on. */
  reload(config: LoadedConfig): void;
}

export function decline(status: number, reason: string): Decline {
  return { kind: 'decline', status, reason };
}
