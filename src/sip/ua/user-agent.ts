// The user-agent API the B2BUA core builds on: transactions, dialogs and sessions over a transport.
//
//   const ua = new UserAgent({ transports, contactUser: 'b2bua', userAgentHeader: 'b2bua/0.1' });
//
//   ua.on('invite', (session: ServerInviteSession) => {       // an INVITE outside any dialog
//     session.progress(180);                                  // 101-199 create the early dialog
//     const dialog = await session.accept({ body: sdp });      // 200 OK; resolves on the ACK
//     // or session.reject(486); session.on('cancel', ...) when the caller CANCELs (487 already sent)
//   });
//   ua.on('request', (req: ServerRequest) => req.respond(200)); // OPTIONS, MESSAGE, SUBSCRIBE...
//     // without a listener: OPTIONS → 200 with Allow; other known methods → 405; unknown → 501;
//     // BYE/UPDATE/INFO/PRACK without a dialog → 481.
//
//   const call = ua.invite('sip:bob@127.0.0.1:5070', { from: '<sip:alice@example.com>', body: sdp });
//   call.on('provisional', (response, earlyDialog) => ...);
//   call.on('accepted', (response, dialog) => ...);          // ACK already sent (ackContent hook)
//   call.on('rejected', (response) => ...);                  // 300-699 (487 after call.cancel())
//   call.on('failed', (error) => ...);                       // TransactionTimeoutError, TransportError...
//
//   Dialog: request(method, content) → final response; reinvite(); bye(); events 'request'
//   (ServerRequest with respond()), 'ack', 'terminated'. Fields: state, callId, localTag,
//   remoteTag, routeSet, remoteTarget, localSeq, remoteSeq.
//
//   const response = await ua.request('OPTIONS', 'sip:peer@10.0.0.1'); // outside any dialog
//
//   await ua.close(); // idempotent: every transaction, dialog and timer ends, sessions still in
//                     // progress get 'failed' (UserAgentClosedError); the transport stays open.
//
// 100 Trying: the INVITE server transaction sends it itself 200 ms after the INVITE unless the
// application answered first (§17.2.1), and at once when the INVITE is retransmitted.
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../message.js';
import type { InboundMessage } from '../transport/types.js';
import { parseNameAddr } from '../header-values.js';
import { formatUri, parseUri, type SipUri } from '../uri.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { TransactionLayer, type TransactionUser } from '../transaction/transaction-layer.js';
import { ServerInviteTransaction, type ServerTransaction } from '../transaction/server-transaction.js';
import type { TimerSettings } from '../transaction/timers.js';
import { Dialog, dialogKey, type DialogContext, type DialogState } from '../dialog/dialog.js';
import { buildRequest, buildResponse, type MessageContent } from './messages.js';
import { RequestSender, type UaTransport } from './request-sender.js';
import { ServerRequest } from './server-request.js';
import { ServerInviteSession, type ServerSessionHost } from './server-invite-session.js';
import { ClientInviteSession, type AckContentHook, type ClientSessionHost } from './client-invite-session.js';
import { newCallId, newTag } from './ids.js';
import { UserAgentClosedError } from './errors.js';

export interface UserAgentOptions {
  transports: UaTransport;
  /** User part of our Contact URIs. */
  contactUser?: string;
  /** Value of User-Agent in requests and Server in responses. */
  userAgentHeader?: string;
  timers?: Partial<TimerSettings>;
  logger?: Logger;
}

export interface RequestOptions extends MessageContent {
  /** From header value without tag (a tag is added), e.g. `"Alice" <sip:alice@example.com>`. */
  from?: string;
  /** To header value; the target URI by default. */
  to?: string;
  callId?: string;
  /** Preloaded route set: Route header values; the first is the next hop. */
  route?: string[];
}

export interface InviteOptions extends RequestOptions {
  /** Content of the ACK for the 2xx. */
  ackContent?: AckContentHook;
}

export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY';
/** Option tags of the extensions we implement (Require of a request, RFC 3261 §8.2.2.3). */
export const SUPPORTED_EXTENSIONS = new Set(['timer', 'replaces']);

function unsupportedRequirements(request: SipRequest): string[] {
  return request.headers
    .getLines('Require')
    .flatMap((line) => line.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '' && !SUPPORTED_EXTENSIONS.has(tag.toLowerCase()));
}

/** Methods we know but do not serve without a 'request' listener: 405 rather than 501. */
const KNOWN_METHODS = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'PUBLISH', 'REFER']);
/** Methods that only make sense inside a dialog: 481 when no dialog matches. */
const IN_DIALOG_METHODS = new Set(['BYE', 'UPDATE', 'INFO', 'PRACK', 'NOTIFY']);

export class UserAgent
  extends EventEmitter<{ invite: [ServerInviteSession]; request: [ServerRequest] }>
  implements TransactionUser, DialogContext, ServerSessionHost, ClientSessionHost
{
  readonly transactions: TransactionLayer;
  readonly sender: RequestSender;
  readonly timers: TimerSettings;
  readonly userAgent?: string;
  readonly server?: string;
  /** Counters for tests and benchmarks (transaction retransmissions are in `transactions.stats`). */
  readonly stats = { okRetransmissions: 0 };
  private readonly transport: UaTransport;
  private readonly logger: Logger;
  private readonly dialogs = new Map<string, Dialog>();
  private readonly pendingInvites = new Map<ServerInviteTransaction, ServerInviteSession>();
  private readonly outgoingInvites = new Set<ClientInviteSession>();
  private readonly onMessage = (inbound: InboundMessage): void => this.transactions.receive(inbound);
  private closed = false;

  constructor(options: UserAgentOptions) {
    super();
    this.transport = options.transports;
    this.logger = options.logger ?? silentLogger;
    if (options.userAgentHeader) {
      this.userAgent = options.userAgentHeader;
      this.server = options.userAgentHeader;
    }
    const server = this.server;
    this.transactions = new TransactionLayer(this.transport, this, {
      ...(options.timers ? { timers: options.timers } : {}),
      makeTrying: (request) => buildResponse(request, 100, server ? { server } : {}),
    });
    this.timers = this.transactions.timers;
    this.sender = new RequestSender(this.transactions, this.transport, options.contactUser);
    this.transport.on('message', this.onMessage);
  }

  /** Starts an outgoing call; results come as events on the returned session. */
  invite(target: SipUri | string, options: InviteOptions = {}): ClientInviteSession {
    const { request, nextHop } = this.outOfDialog('INVITE', target, options);
    const session = new ClientInviteSession(this, request, nextHop, options.ackContent);
    this.outgoingInvites.add(session);
    session.start();
    return session;
  }

  /** Sends a request outside any dialog (OPTIONS, MESSAGE...) and resolves with its final response. */
  request(method: string, target: SipUri | string, options: RequestOptions = {}): Promise<SipResponse> {
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') throw new TypeError(`${method} has its own API`);
    const { request, nextHop } = this.outOfDialog(method, target, options);
    return new Promise((resolve, reject) => {
      void this.sender.send(request, nextHop, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onError: reject,
      });
    });
  }

  private outOfDialog(method: string, target: SipUri | string, options: RequestOptions): { request: SipRequest; nextHop: SipUri } {
    if (this.closed) throw new UserAgentClosedError();
    const uri = typeof target === 'string' ? parseUri(target) : target;
    const route = options.route ?? [];
    const first = route[0];
    const request = buildRequest({
      ...options,
      method,
      uri,
      route,
      from: `${options.from ?? '<sip:anonymous@anonymous.invalid>'};tag=${newTag()}`,
      to: options.to ?? `<${formatUri(uri)}>`,
      callId: options.callId ?? newCallId(),
      cseq: 1,
      ...(this.userAgent ? { userAgent: this.userAgent } : {}),
    });
    return { request, nextHop: first ? parseNameAddr(first).uri : uri };
  }

  /** Dialogs currently known (early and confirmed). */
  get dialogCount(): number {
    return this.dialogs.size;
  }

  /** Ends every transaction, dialog and session timer; leaves the transport open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.off('message', this.onMessage);
    for (const session of [...this.pendingInvites.values()]) session.failed(new UserAgentClosedError());
    this.pendingInvites.clear();
    for (const session of [...this.outgoingInvites]) session.fail(new UserAgentClosedError());
    this.outgoingInvites.clear();
    for (const dialog of [...this.dialogs.values()]) dialog.terminate('closed');
    this.dialogs.clear();
    this.transactions.close();
  }

  // ---- TransactionUser ----

  onRequest(transaction: ServerTransaction, request: SipRequest, inbound: InboundMessage): void {
    if (request.method === 'CANCEL') {
      this.onCancel(transaction, request, inbound);
      return;
    }
    const unsupported = unsupportedRequirements(request);
    if (unsupported.length > 0 && request.method !== 'ACK') {
      // §8.2.2.3: an extension the request requires and we do not implement (100rel...) → 420.
      new ServerRequest(transaction, request, inbound, this.responseDefaults()).respond(420, { headers: { Unsupported: unsupported.join(', ') } });
      return;
    }
    const toTag = request.to.params.get('tag');
    if (toTag) {
      const dialog = this.dialogs.get(dialogKey(request.callId, toTag, request.from.params.get('tag') ?? ''));
      if (dialog) dialog.receiveRequest(transaction, request, inbound);
      else this.answer(transaction, request, inbound, 481);
      return;
    }
    if (transaction instanceof ServerInviteTransaction) {
      const session = new ServerInviteSession(this, transaction, request, inbound);
      this.pendingInvites.set(transaction, session);
      if (this.listenerCount('invite') === 0) session.reject(480);
      else this.emit('invite', session);
      return;
    }
    const serverRequest = new ServerRequest(transaction, request, inbound, this.responseDefaults());
    if (this.listenerCount('request') > 0) this.emit('request', serverRequest);
    else this.answerByDefault(serverRequest);
  }

  onAck(ack: SipRequest): void {
    const toTag = ack.to.params.get('tag') ?? '';
    this.dialogs.get(dialogKey(ack.callId, toTag, ack.from.params.get('tag') ?? ''))?.receiveAck(ack);
  }

  onStrayResponse(response: SipResponse): void {
    // A 2xx to INVITE retransmitted after the transaction ended: our ACK was lost (§13.2.2.4).
    if (response.cseq.method !== 'INVITE' || response.status < 200 || response.status >= 300) return;
    const key = dialogKey(response.callId, response.from.params.get('tag') ?? '', response.to.params.get('tag') ?? '');
    this.dialogs.get(key)?.resendAck(response);
  }

  onServerError(transaction: ServerTransaction, error: Error): void {
    this.logger.debug({ err: error, method: transaction.method }, 'server transaction failed');
    if (transaction instanceof ServerInviteTransaction) this.pendingInvites.get(transaction)?.failed(error);
  }

  // ---- DialogContext ----

  forget(dialog: Dialog): void {
    if (this.dialogs.get(dialog.id) === dialog) this.dialogs.delete(dialog.id);
  }

  resendResponse(response: SipResponse, inbound: InboundMessage): void {
    this.stats.okRetransmissions++;
    this.transactions.sendResponseStateless(response, inbound).catch((error: unknown) => {
      this.logger.debug({ err: error }, '2xx retransmission failed');
    });
  }

  // ---- session hosts ----

  createUasDialog(request: SipRequest, inbound: InboundMessage, localTag: string, state: DialogState): Dialog {
    const remoteTag = request.from.params.get('tag') ?? '';
    const dialog = new Dialog(this, {
      callId: request.callId,
      localTag,
      remoteTag,
      local: `${request.headers.get('To') ?? ''};tag=${localTag}`,
      remote: request.headers.get('From') ?? '',
      remoteTarget: request.contacts[0]?.uri ?? request.from.uri,
      routeSet: request.recordRoutes,
      localSeq: 0,
      remoteSeq: request.cseq.seq,
      state,
      ...(inbound.connectionId ? { connectionId: inbound.connectionId } : {}),
    });
    this.dialogs.set(dialog.id, dialog);
    return dialog;
  }

  createUacDialog(invite: SipRequest, response: SipResponse, state: DialogState): Dialog {
    const dialog = new Dialog(this, {
      callId: invite.callId,
      localTag: invite.from.params.get('tag') ?? '',
      remoteTag: response.to.params.get('tag') ?? '',
      local: invite.headers.get('From') ?? '',
      remote: response.headers.get('To') ?? '',
      remoteTarget: response.contacts[0]?.uri ?? invite.uri,
      routeSet: [...response.recordRoutes].reverse(),
      localSeq: invite.cseq.seq,
      state,
    });
    this.dialogs.set(dialog.id, dialog);
    return dialog;
  }

  clientSessionEnded(session: ClientInviteSession): void {
    this.outgoingInvites.delete(session);
  }

  forgetSession(session: ServerInviteSession): void {
    this.pendingInvites.delete(session.transaction);
  }

  contactAt(inbound: InboundMessage): string {
    return this.sender.contactAt(inbound.local);
  }

  // ---- helpers ----

  /** §9.2: 200 to the CANCEL and 487 to its INVITE when still pending; 481 when nothing matches. */
  private onCancel(transaction: ServerTransaction, cancel: SipRequest, inbound: InboundMessage): void {
    const invite = this.transactions.findInviteForCancel(cancel);
    if (!invite) {
      this.answer(transaction, cancel, inbound, 481);
      return;
    }
    const session = this.pendingInvites.get(invite);
    const toTag = session?.localTag ?? newTag();
    new ServerRequest(transaction, cancel, inbound, { ...this.responseDefaults(), toTag }).respond(200);
    session?.cancelled(cancel);
  }

  /** What the UA answers when no 'request' listener takes a request (a listener may fall back to it). */
  answerByDefault(request: ServerRequest): void {
    const method = request.method;
    if (method === 'OPTIONS') request.respond(200, { headers: { Allow: ALLOWED_METHODS, Accept: 'application/sdp' } });
    else if (IN_DIALOG_METHODS.has(method)) request.respond(481);
    else if (KNOWN_METHODS.has(method)) request.respond(405, { headers: { Allow: ALLOWED_METHODS } });
    else request.respond(501);
  }

  private answer(transaction: ServerTransaction, request: SipRequest, inbound: InboundMessage, status: number): void {
    new ServerRequest(transaction, request, inbound, this.responseDefaults()).respond(status);
  }

  private responseDefaults(): { toTag: string; server?: string } {
    return this.server ? { toTag: newTag(), server: this.server } : { toTag: newTag() };
  }
}
