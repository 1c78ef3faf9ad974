// Client transactions (RFC 3261 §17.1, with the RFC 6026 "Accepted" state for INVITE).
import { SipHeaders } from '../headers.js';
import { SipRequest, type SipMessage, type SipResponse } from '../message.js';
import { TransactionTimeoutError } from '../errors.js';
import type { TimerSettings } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { WaitQueue } from './wait-queue.js';

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export interface ClientTransactionOptions {
  /** The layer's key for the transaction. */
  key: string;
  request: SipRequest;
  /** Hands a message (the request, its retransmissions, the non-2xx ACK) to the transport. */
  send: (message: SipMessage) => Promise<void>;
  /** Reliable transports (TCP, TLS) get no retransmissions and zero-length wait states. */
  reliable: boolean;
  timers: TimerSettings;
  /** Called on every timer-driven retransmission (statistics). */
  onRetransmit?: () => void;
  /** Where the wait state is timed (shared by the layer's transactions). */
  waits: WaitQueue;
  /** Every response the TU must see: provisionals, the first final, and (INVITE) every 2xx. */
  onResponse: (response: SipResponse, transaction: ClientTransaction) => void;
  /** Timeout (Timer B/F) or transport failure; the transaction is terminated after this. */
  onError: (error: Error) => void;
  onTerminated: (transaction: TransactionBase<string, SipMessage>) => void;
}

abstract class ClientTransactionBase extends TransactionBase<ClientTransactionState, SipMessage> {
  readonly method: string;
  /** The request, while it may still be (re)transmitted: let go in the wait state. */
  protected request: SipRequest | undefined;
  protected readonly reliable: boolean;
  protected readonly timerSettings: TimerSettings;
  protected retransmitInterval: number;
  protected onResponse: ((response: SipResponse, transaction: ClientTransaction) => void) | undefined;

  constructor(options: ClientTransactionOptions, initial: ClientTransactionState) {
    super(options, initial);
    this.request = options.request;
    this.method = options.request.method;
    this.reliable = options.reliable;
    this.timerSettings = options.timers;
    this.retransmitInterval = options.timers.t1;
    this.onResponse = options.onResponse;
  }

  /** The TU wants no more responses (its call is over): later ones are absorbed here. */
  ignoreLaterResponses(): void {
    this.onResponse = undefined;
  }

  /** Sends the request and starts the timers. */
  abstract start(): void;
  abstract receiveResponse(response: SipResponse): void;
}

/** §17.1.1: Calling → Proceeding → Accepted (2xx, RFC 6026) or Completed (300-699, ACK sent here). */
export class ClientInviteTransaction extends ClientTransactionBase {
  private ack?: SipRequest;
  /** A CANCEL for this INVITE went out: a final response is due within 64*T1 (§9.1). */
  private cancelled = false;

  constructor(options: ClientTransactionOptions) {
    super(options, 'calling');
  }

  start(): void {
    const { t1 } = this.timerSettings;
    if (this.request) this.transmit(this.request);
    if (!this.reliable) this.scheduleTimerA();
    this.timers.deadline(64 * t1, () => this.fail(new TransactionTimeoutError('INVITE', 'B')));
  }

  private scheduleTimerA(): void {
    this.timers.repeat(this.retransmitInterval, () => {
      if (this.state !== 'calling' || !this.request) return;
      this.retransmit(this.request);
      // Timer A doubles without a cap (§17.1.1.2); Timer B bounds it.
      this.retransmitInterval *= 2;
      this.scheduleTimerA();
    });
  }

  /**
   * §9.1: once a CANCEL is sent, a UAC that gets no final response within 64*T1 gives the INVITE
   * up (a peer that answered the CANCEL but never the INVITE would otherwise hold it forever).
   */
  cancelSent(): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.cancelled = true;
    this.timers.deadline(64 * this.timerSettings.t1, () => this.fail(new TransactionTimeoutError('INVITE', 'CANCEL 64*T1')));
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          // Timers A and B stop: in Proceeding the TU decides how long to wait (§17.1.1.2), unless
          // it cancelled.
          if (this.cancelled) this.timers.stopRepeat();
          else this.timers.stopAll();
        } else if (status < 300) {
          this.state = 'accepted';
          this.timers.stopAll();
          // Timer M (RFC 6026): keep passing 2xx retransmissions and forked 2xx to the TU.
          this.wait(64 * this.timerSettings.t1);
        } else if (this.request) {
          this.state = 'completed';
          this.timers.stopAll();
          this.ack = buildNon2xxAck(this.request, response);
          this.transmit(this.ack);
          this.wait(this.reliable ? 0 : Math.max(32_000, 64 * this.timerSettings.t1)); // Timer D
        }
        this.onResponse?.(response, this);
        if (this.state === 'completed') this.onResponse = undefined;
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.onResponse?.(response, this);
        return;
      case 'completed':
        // A retransmitted final response: the ACK was lost (§17.1.1.2).
        if (status >= 300 && this.ack) this.retransmit(this.ack);
        return;
      default:
        return;
    }
  }

  /** Accepted keeps `onResponse` (2xx retransmissions and forks go to the TU); Completed keeps its ACK. */
  protected letGo(): void {
    this.request = undefined;
  }
}

/** §17.1.2: Trying → Proceeding → Completed, Timers E (retransmit), F (timeout), K (linger). */
export class ClientNonInviteTransaction extends ClientTransactionBase {
  constructor(options: ClientTransactionOptions) {
    super(options, 'trying');
  }

  start(): void {
    if (this.request) this.transmit(this.request);
    if (!this.reliable) this.scheduleTimerE();
    this.timers.deadline(64 * this.timerSettings.t1, () => this.fail(new TransactionTimeoutError(this.method, 'F')));
  }

  private scheduleTimerE(): void {
    this.timers.repeat(this.retransmitInterval, () => {
      if (!this.request) return;
      this.retransmit(this.request);
      const { t2 } = this.timerSettings;
      // In Trying the interval doubles up to T2; in Proceeding it is T2 (§17.1.2.2).
      this.retransmitInterval = this.state === 'proceeding' ? t2 : Math.min(2 * this.retransmitInterval, t2);
      this.scheduleTimerE();
    });
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      this.state = 'proceeding';
    } else {
      this.state = 'completed';
      this.timers.stopAll();
      this.wait(this.reliable ? 0 : this.timerSettings.t4); // Timer K
    }
    this.onResponse?.(response, this);
    if (this.state === 'completed') this.onResponse = undefined;
  }

  /** Completed only absorbs retransmitted finals: nothing of the request or the TU is needed. */
  protected letGo(): void {
    this.request = undefined;
  }
}

export type ClientTransaction = ClientInviteTransaction | ClientNonInviteTransaction;

/** §17.1.1.3: the ACK for a non-2xx final response, built from the INVITE and the response. */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const src = invite.headers;
  headers.append('Via', src.get('Via') ?? '');
  for (const route of src.getLines('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', src.get('From') ?? '');
  headers.append('To', response.headers.get('To') ?? '');
  headers.append('Call-ID', invite.callId);
  headers.append('CSeq', `${invite.cseq.seq} ACK`);
  return new SipRequest('ACK', invite.uri, headers);
}
