// A SIP dialog (RFC 3261 §12): identity, CSeq spaces, route set and remote target, in-dialog
// requests both ways, the UAC's ACK for 2xx and the UAS's 2xx retransmission until ACK (§13.3.1.4).
//
// Events: 'request' (an in-dialog request other than BYE/ACK, with respond(); with no listener it
// gets 501), 'ack' (the ACK of a 2xx we sent), 'terminated' (once, with the reason).
// A BYE received is answered 200 here and ends the dialog.
import { EventEmitter } from 'node:events';
import type { NameAddr } from '../header-values.js';
import { formatNameAddr } from '../header-values.js';
import type { SipRequest, SipResponse } from '../message.js';
import { formatUri, type SipUri } from '../uri.js';
import type { Endpoint, InboundMessage } from '../transport/types.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { TimerPair, type TimerSettings } from '../transaction/timers.js';
import { buildRequest, type MessageContent, type ResponseOptions } from '../ua/messages.js';
import type { RequestSender } from '../ua/request-sender.js';
import { ServerRequest } from '../ua/server-request.js';
import { AckTimeoutError, DialogTerminatedError, RequestPendingError } from './errors.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export type DialogEndReason =
  | 'bye-sent'
  | 'bye-received'
  | 'ack-timeout'
  /** 481 or 408 to an in-dialog request (§12.2.1.2). */
  | 'error-response'
  /** An early dialog whose INVITE got a non-2xx final response, or a sibling fork's 2xx. */
  | 'not-established'
  | 'closed';

export interface DialogEnd {
  reason: DialogEndReason;
  /** The BYE received, or the response that ended the dialog. */
  message?: SipRequest | SipResponse;
}

/** What a dialog needs from its user agent. */
export interface DialogContext {
  sender: RequestSender;
  timers: TimerSettings;
  userAgent?: string;
  /** The dialog ended: the UA forgets it. */
  forget(dialog: Dialog): void;
  /** Sends a response outside the transaction (2xx retransmissions). */
  resendResponse(response: SipResponse, inbound: InboundMessage): void;
}

/** Methods that may change the remote target (§12.2, RFC 3311, RFC 3515, RFC 6665). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/** Sent ACK kept to answer retransmissions of the 2xx it acknowledges (§13.2.2.4). */
interface SentAck {
  cseq: number;
  ack: SipRequest;
  destination?: Endpoint;
}

/** A 2xx we retransmit until its ACK comes (§13.3.1.4). */
interface AwaitedAck {
  cseq: number;
  resolve: (ack: SipRequest) => void;
  reject: (error: Error) => void;
}

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From/To header value, with our tag. */
  local: string;
  /** The peer's From/To header value, with its tag. */
  remote: string;
  remoteTarget: SipUri;
  /** In the order requests traverse them (already reversed for a UAC). */
  routeSet: NameAddr[];
  localSeq: number;
  remoteSeq?: number;
  state: DialogState;
  /** The connection the dialog was created on (TCP/TLS), tried first for its requests. */
  connectionId?: string;
}

export class Dialog extends EventEmitter<{
  request: [ServerRequest];
  ack: [SipRequest];
  terminated: [DialogEnd];
}> {
  /** The key requests from the peer are matched by: Call-ID, their To tag (ours), their From tag. */
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly local: string;
  readonly remote: string;
  state: DialogState;
  remoteTarget: SipUri;
  localSeq: number;
  remoteSeq: number | undefined;
  private routes: NameAddr[] = [];
  private routeLines: string[] = [];
  private readonly connectionId: string | undefined;
  private readonly timers = new TimerPair();
  private lastAck?: SentAck;
  private awaited?: AwaitedAck;
  /** An outgoing re-INVITE is in progress (a second one would violate §14.1). */
  private inviting = false;

  constructor(private readonly context: DialogContext, init: DialogInit) {
    super();
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.local = init.local;
    this.remote = init.remote;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.state = init.state;
    this.connectionId = init.connectionId;
    this.id = dialogKey(this.callId, this.localTag, this.remoteTag);
  }


  get routeSet(): NameAddr[] {
    return this.routes;
  }

  set routeSet(routes: NameAddr[]) {
    this.routes = routes;
    this.routeLines = routes.map(formatNameAddr);
  }

  /** UAC: the 2xx confirms an early dialog and recomputes its route set and target (§12.1.2, §13.2.2.4). */
  confirm(response: SipResponse): void {
    if (this.state === 'terminated') return;
    this.state = 'confirmed';
    this.routeSet = [...response.recordRoutes].reverse();
    const contact = response.contacts[0];
    if (contact) this.remoteTarget = contact.uri;
  }

  // ---- requests we send ----

  /** Sends an in-dialog request and resolves with its final response. INVITE: use `reinvite`. */
  request(method: string, content: MessageContent = {}): Promise<SipResponse> {
    if (method === 'INVITE') return this.reinvite(content);
    if (method === 'ACK' || method === 'CANCEL') throw new TypeError(`${method} is not sent with Dialog.request`);
    return this.exchange(method, content, () => undefined);
  }

  /**
   * Sends a re-INVITE; on 2xx the ACK goes out at once (with what `ackContent` returns, e.g. an
   * answer to an offer made in the 2xx). Resolves with the final response.
   */
  reinvite(content: MessageContent = {}, ackContent?: (response: SipResponse) => MessageContent): Promise<SipResponse> {
    if (this.inviting) return Promise.reject(new RequestPendingError(this.callId));
    this.inviting = true;
    let acked = false;
    return this.exchange('INVITE', content, (response) => {
      if (response.status < 200 || response.status >= 300) return;
      if (acked) this.resendAck(response);
      else {
        acked = true;
        this.ack(response, ackContent?.(response) ?? {});
      }
    }).finally(() => {
      this.inviting = false;
    });
  }

  /** Sends BYE and ends the dialog at once (the response only ends the transaction). */
  bye(content: MessageContent = {}): Promise<SipResponse> {
    const sent = this.exchange('BYE', content, () => undefined);
    this.end({ reason: 'bye-sent' });
    return sent;
  }

  /** UAC: sends the ACK for a 2xx to the INVITE with that CSeq (§13.2.2.4). */
  ack(response: SipResponse, content: MessageContent = {}): void {
    const cseq = response.cseq.seq;
    const { uri, route, nextHop } = this.addressing();
    const ack = buildRequest({ ...content, method: 'ACK', uri, route, from: this.local, to: this.remote, callId: this.callId, cseq, ...this.agent() });
    const sent: SentAck = { cseq, ack };
    this.lastAck = sent;
    this.context.sender
      .sendAck(ack, nextHop, this.connectionId)
      .then((destination) => {
        sent.destination = destination;
      })
      .catch(() => {
        // A lost ACK is recovered by the 2xx retransmission that follows; nothing to report.
      });
  }

  /** UAC: a retransmitted 2xx means our ACK was lost: send the same ACK again. */
  resendAck(response: SipResponse): void {
    const sent = this.lastAck;
    if (!sent || sent.cseq !== response.cseq.seq || !sent.destination) return;
    this.context.sender.resend(sent.ack, sent.destination, this.connectionId);
  }

  private exchange(method: string, content: MessageContent, onFinal2xxOrAny: (response: SipResponse) => void): Promise<SipResponse> {
    if (this.state === 'terminated') return Promise.reject(new DialogTerminatedError(this.callId));
    const cseq = ++this.localSeq;
    const { uri, route, nextHop } = this.addressing();
    const request = buildRequest({ ...content, method, uri, route, from: this.local, to: this.remote, callId: this.callId, cseq, ...this.agent() });
    return new Promise<SipResponse>((resolve, reject) => {
      let settled = false;
      void this.context.sender.send(
        request,
        nextHop,
        {
          onResponse: (response) => {
            if (response.status < 200) return;
            onFinal2xxOrAny(response);
            if (settled) return;
            settled = true;
            this.afterFinalResponse(method, response);
            resolve(response);
          },
          onError: (error) => {
            settled = true;
            reject(error);
          },
        },
        { withContact: TARGET_REFRESH.has(method), ...(this.connectionId ? { connectionId: this.connectionId } : {}) },
      );
    });
  }

  private afterFinalResponse(method: string, response: SipResponse): void {
    if (response.status === 481 || response.status === 408) {
      this.end({ reason: 'error-response', message: response });
      return;
    }
    if (response.status < 300 && TARGET_REFRESH.has(method)) {
      const contact = response.contacts[0];
      if (contact) this.remoteTarget = contact.uri;
    }
  }

  /** Request-URI, Route lines and next hop (§12.2.1.1, loose and strict routing). */
  private addressing(): { uri: SipUri; route: string[]; nextHop: SipUri } {
    const first = this.routes[0];
    if (!first) return { uri: this.remoteTarget, route: [], nextHop: this.remoteTarget };
    if (first.uri.params.has('lr')) return { uri: this.remoteTarget, route: this.routeLines, nextHop: first.uri };
    // Strict router: it becomes the Request-URI and the remote target goes last in Route.
    const uri: SipUri = { ...first.uri, params: new Map(first.uri.params), headers: new Map() };
    return { uri, route: [...this.routeLines.slice(1), `<${formatUri(this.remoteTarget)}>`], nextHop: uri };
  }

  private agent(): { userAgent?: string } {
    return this.context.userAgent ? { userAgent: this.context.userAgent } : {};
  }

  // ---- requests we receive ----

  /** An in-dialog request (never ACK, never CANCEL) that matched this dialog. */
  receiveRequest(transaction: ServerTransaction, request: SipRequest, inbound: InboundMessage): void {
    const defaults: ResponseOptions = this.agentServer();
    if (this.state === 'terminated') {
      new ServerRequest(transaction, request, inbound, defaults).respond(481);
      return;
    }
    const seq = request.cseq.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
      new ServerRequest(transaction, request, inbound, defaults).respond(500, { reason: 'CSeq Out of Order' });
      return;
    }
    this.remoteSeq = seq;
    const method = request.method;
    if (method === 'BYE') {
      new ServerRequest(transaction, request, inbound, defaults).respond(200);
      this.end({ reason: 'bye-received', message: request });
      return;
    }
    if (method === 'INVITE' && (this.inviting || this.awaited)) {
      // §14.2: 491 while our own re-INVITE is pending, 500 while our previous 2xx awaits its ACK.
      const busy = this.inviting ? { status: 491 } : { status: 500, headers: { 'Retry-After': '1' } };
      new ServerRequest(transaction, request, inbound, defaults).respond(busy.status, busy.headers ? { headers: busy.headers } : {});
      return;
    }
    if (TARGET_REFRESH.has(method)) {
      const contact = request.contacts[0];
      if (contact) this.remoteTarget = contact.uri;
      defaults.contact = this.context.sender.contactAt(inbound.local);
    }
    const onFinal =
      method === 'INVITE'
        ? (response: SipResponse) => {
            if (response.status >= 200 && response.status < 300) {
              this.awaitAck(response, inbound).catch(() => {
                // Reported through the 'terminated' event (reason ack-timeout).
              });
            }
          }
        : undefined;
    const serverRequest = new ServerRequest(transaction, request, inbound, defaults, onFinal);
    if (this.listenerCount('request') === 0) serverRequest.respond(501);
    else this.emit('request', serverRequest);
  }

  private agentServer(): ResponseOptions {
    return this.context.userAgent ? { server: this.context.userAgent } : {};
  }

  /**
   * UAS: retransmits the 2xx (T1 doubling up to T2) until the ACK with its CSeq arrives; after
   * 64*T1 sends BYE and rejects with AckTimeoutError (§13.3.1.4).
   */
  awaitAck(response: SipResponse, inbound: InboundMessage): Promise<SipRequest> {
    const { t1, t2 } = this.context.timers;
    const cseq = response.cseq.seq;
    return new Promise<SipRequest>((resolve, reject) => {
      this.awaited = { cseq, resolve, reject };
      let interval = t1;
      const retransmit = (): void => {
        this.timers.repeat(interval, () => {
          this.context.resendResponse(response, inbound);
          interval = Math.min(2 * interval, t2);
          retransmit();
        });
      };
      retransmit();
      this.timers.deadline(64 * t1, () => {
        this.timers.stopRepeat();
        this.awaited = undefined;
        reject(new AckTimeoutError(this.callId, cseq));
        this.exchange('BYE', {}, () => undefined).catch(() => {
          // The dialog is over either way.
        });
        this.end({ reason: 'ack-timeout' });
      });
    });
  }

  /** An ACK for a 2xx of ours (matched by Call-ID and tags). */
  receiveAck(ack: SipRequest): void {
    const awaited = this.awaited;
    if (!awaited || awaited.cseq !== ack.cseq.seq) return;
    this.awaited = undefined;
    this.timers.stopAll();
    if (this.state === 'early') this.state = 'confirmed';
    awaited.resolve(ack);
    this.emit('ack', ack);
  }

  // ---- end ----

  /** Ends the dialog locally without sending anything (UA shutdown, failed early dialog). */
  terminate(reason: DialogEndReason = 'closed'): void {
    this.end({ reason });
  }

  private end(end: DialogEnd): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    const awaited = this.awaited;
    this.awaited = undefined;
    awaited?.reject(new DialogTerminatedError(this.callId));
    this.context.forget(this);
    this.emit('terminated', end);
    // Nothing is emitted after 'terminated'; the listeners would keep the dialog's user (a whole
    // call) alive as long as anything holds the dialog (a transaction lingering 64*T1).
    this.removeAllListeners();
  }
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}
