// The transaction layer: creates transactions, matches inbound messages to them, and hands the
// rest to the transaction user (new requests, 2xx ACKs, stray responses).
import type { SipMessage, SipRequest, SipResponse } from '../message.js';
import type { Endpoint, InboundMessage } from '../transport/types.js';
import { isReliable } from '../transport/protocol.js';
import { TransportError } from '../errors.js';
import { ClientInviteTransaction, ClientNonInviteTransaction, type ClientTransaction } from './client-transaction.js';
import { ServerInviteTransaction, ServerNonInviteTransaction, type ServerTransaction } from './server-transaction.js';
import { clientKey, isLegacy, matchesLegacyToTag, responseKey, serverKey } from './keys.js';
import { DEFAULT_TIMERS, type TimerSettings } from './timers.js';
import type { TransactionBase } from './transaction-base.js';
import { WaitQueue } from './wait-queue.js';
import { ownString } from '../own-string.js';

/** What the transaction layer needs from the transports (TransportLayer implements it). */
export interface SipTransport {
  send(message: SipMessage, destination: Endpoint, opts?: { connectionId?: string }): Promise<void>;
  sendResponse(response: SipResponse, request: InboundMessage): Promise<void>;
}

/** The transaction user: the UA core. */
export interface TransactionUser {
  /** A request that created a new server transaction (never an ACK); `inbound.message` is `request`. */
  onRequest(transaction: ServerTransaction, request: SipRequest, inbound: InboundMessage): void;
  /** An ACK for a 2xx: it matched no transaction, or an INVITE transaction in the Accepted state. */
  onAck(ack: SipRequest, inbound: InboundMessage | undefined): void;
  /** A response that matched no client transaction (e.g. a 2xx retransmitted after Timer M). */
  onStrayResponse(response: SipResponse, inbound: InboundMessage): void;
  /** An INVITE server transaction failed (Timer H, transport error). */
  onServerError?(transaction: ServerTransaction, error: Error): void;
}

export interface SendRequestOptions {
  destination: Endpoint;
  connectionId?: string;
  onResponse: (response: SipResponse, transaction: ClientTransaction) => void;
  onError: (error: Error) => void;
}

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  readonly timers: TimerSettings;
  private readonly waits = new WaitQueue();
  /** Counters for tests and benchmarks. */
  readonly stats = { retransmissionsSent: 0, retransmissionsAbsorbed: 0 };
  private readonly makeTrying?: (request: SipRequest) => SipResponse;

  constructor(
    private readonly transport: SipTransport,
    private readonly user: TransactionUser,
    options: { timers?: Partial<TimerSettings>; makeTrying?: (request: SipRequest) => SipResponse } = {},
  ) {
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.makeTrying = options.makeTrying;
  }

  // Hooks shared by every transaction (each is given the transaction): a closure per transaction
  // would stay in the heap as long as the transaction waits, up to 64*T1.
  private readonly countRetransmission = (): void => {
    this.stats.retransmissionsSent++;
  };
  private readonly forgetClient = (transaction: { key: string }): void => {
    if (this.clients.get(transaction.key) === transaction) this.clients.delete(transaction.key);
  };
  private readonly forgetServer = (transaction: { key: string }): void => {
    if (this.servers.get(transaction.key) === transaction) this.servers.delete(transaction.key);
  };
  private readonly passAck = (ack: SipRequest): void => this.user.onAck(ack, undefined);
  private readonly serverFailed = (error: Error, transaction: TransactionBase<string, SipResponse>): void =>
    this.user.onServerError?.(transaction as ServerTransaction, error);

  /** Starts a client transaction for `request` (never an ACK: see `sendStateless`). */
  sendRequest(request: SipRequest, options: SendRequestOptions): ClientTransaction {
    const branch = request.topVia.params.get('branch');
    if (!branch) throw new Error('request without a Via branch');
    const key = clientKey(branch, request.method);
    const txOptions = {
      key,
      request,
      send: this.requestSender(options.destination, options.connectionId),
      reliable: isReliable(options.destination.protocol),
      timers: this.timers,
      onRetransmit: this.countRetransmission,
      waits: this.waits,
      onResponse: options.onResponse,
      onError: options.onError,
      onTerminated: this.forgetClient,
    };
    const transaction: ClientTransaction =
      request.method === 'INVITE' ? new ClientInviteTransaction(txOptions) : new ClientNonInviteTransaction(txOptions);
    this.clients.set(key, transaction);
    transaction.start();
    return transaction;
  }

  /** Sends a client transaction's messages; a function of its own so that it captures only where they go. */
  private requestSender(destination: Endpoint, connectionId: string | undefined): (message: SipMessage) => Promise<void> {
    const opts = connectionId ? { connectionId } : undefined;
    return (message) => this.transport.send(message, destination, opts);
  }

  /** Sends outside any transaction (the ACK of a 2xx, §13.2.2.4). */
  sendStateless(message: SipMessage, destination: Endpoint, connectionId?: string): Promise<void> {
    return this.transport.send(message, destination, connectionId ? { connectionId } : undefined);
  }

  /** Sends a response outside any transaction (2xx retransmissions once Timer L ended). */
  sendResponseStateless(response: SipResponse, request: InboundMessage): Promise<void> {
    return this.transport.sendResponse(response, request);
  }

  /** Entry point for every message the transports deliver. */
  receive(inbound: InboundMessage): void {
    const message = inbound.message;
    if (message.kind === 'response') this.receiveResponse(message, inbound);
    else this.receiveRequest(message, inbound);
  }

  private receiveResponse(response: SipResponse, inbound: InboundMessage): void {
    const key = responseKey(response);
    const transaction = key === undefined ? undefined : this.clients.get(key);
    if (transaction) transaction.receiveResponse(response);
    else this.user.onStrayResponse(response, inbound);
  }

  private receiveRequest(request: SipRequest, inbound: InboundMessage): void {
    const key = serverKey(request);
    const existing = this.servers.get(key);
    if (existing && (!isLegacy(request) || matchesLegacyToTag(existing, request))) {
      if (request.method !== 'ACK') this.stats.retransmissionsAbsorbed++;
      existing.receiveRequest(request);
      return;
    }
    if (request.method === 'ACK') {
      this.user.onAck(request, inbound);
      return;
    }
    const transaction = this.createServer(key, request, inbound);
    this.user.onRequest(transaction, request, inbound);
  }

  private createServer(key: string, request: SipRequest, inbound: InboundMessage): ServerTransaction {
    // Nothing kept here may reference `request`, `inbound` or their text: the transaction outlives them.
    key = ownString(key);
    const toTag = request.to.params.get('tag');
    const options = {
      key,
      method: request.method,
      toTag: toTag == null ? null : ownString(toTag),
      send: this.responseSender(inbound),
      reliable: isReliable(inbound.local.protocol),
      timers: this.timers,
      onRetransmit: this.countRetransmission,
      waits: this.waits,
      onAck: this.passAck,
      onError: this.serverFailed,
      onTerminated: this.forgetServer,
    };
    const transaction: ServerTransaction =
      request.method === 'INVITE'
        ? new ServerInviteTransaction({ ...options, ...this.tryingFactory(request) })
        : new ServerNonInviteTransaction(options);
    this.servers.set(key, transaction);
    return transaction;
  }

  /**
   * Sends responses where the request came from. After a final response the request is let go
   * (the transaction lingers up to 64*T1): a non-2xx or non-INVITE final is re-sent by routing a
   * copy of the arrival that holds the response (same top Via, so the same §18.2.2 destination);
   * an INVITE transaction that sent a 2xx sends nothing more (RFC 6026: the TU repeats the 2xx).
   */
  private responseSender(inbound: InboundMessage): (response: SipResponse) => Promise<void> {
    let route: InboundMessage | undefined = inbound;
    return (response) => {
      if (!route) return Promise.reject(new TransportError('the transaction has no route left'));
      const sent = this.transport.sendResponse(response, route);
      if (response.status >= 200 && route.message.kind === 'request') {
        const accepted = response.status < 300 && response.cseq.method === 'INVITE';
        route = accepted ? undefined : slimRoute(route, response);
      }
      return sent;
    };
  }

  private tryingFactory(request: SipRequest): { makeTrying?: () => SipResponse } {
    const makeTrying = this.makeTrying;
    return makeTrying ? { makeTrying: () => makeTrying(request) } : {};
  }

  /** §9.2: the INVITE server transaction a CANCEL designates, if it still exists. */
  findInviteForCancel(cancel: SipRequest): ServerInviteTransaction | undefined {
    const transaction = this.servers.get(serverKey(cancel, 'INVITE'));
    if (!(transaction instanceof ServerInviteTransaction)) return undefined;
    // A CANCEL carries the To of its INVITE, not of our response.
    if (isLegacy(cancel) && (cancel.to.params.get('tag') ?? null) !== transaction.toTag) return undefined;
    return transaction;
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /** Terminates every transaction (UA shutdown): timers cleared, nothing more is sent. */
  close(): void {
    for (const transaction of [...this.clients.values()]) transaction.terminate();
    for (const transaction of [...this.servers.values()]) transaction.terminate();
    this.clients.clear();
    this.servers.clear();
    this.waits.clear();
  }
}

function slimRoute(arrival: InboundMessage, response: SipResponse): InboundMessage {
  const route: InboundMessage = { message: response, source: arrival.source, local: arrival.local };
  if (arrival.connectionId !== undefined) route.connectionId = arrival.connectionId;
  return route;
}
