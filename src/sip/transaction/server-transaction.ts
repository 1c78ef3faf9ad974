// Server transactions (RFC 3261 §17.2, with the RFC 6026 "Accepted" state for INVITE).
import type { SipRequest, SipResponse } from '../message.js';
import { TransactionTimeoutError } from '../errors.js';
import type { TimerSettings } from './timers.js';
import { TransactionBase } from './transaction-base.js';
import type { WaitQueue } from './wait-queue.js';

export type ServerTransactionState = 'trying' | 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

/** How long an INVITE server transaction waits for the TU before sending 100 Trying itself (§17.2.1). */
export const TRYING_DELAY_MS = 200;

export interface ServerTransactionOptions {
  /** The layer's key for the transaction. */
  key: string;
  /** The request's method (a CANCEL gets its own non-INVITE transaction; an ACK never creates one). */
  method: string;
  /** To tag of the request (RFC 2543 matching compares it with later copies). */
  toTag: string | null;
  send: (response: SipResponse) => Promise<void>;
  reliable: boolean;
  timers: TimerSettings;
  /** Called on every timer-driven retransmission (statistics). */
  onRetransmit?: () => void;
  /** Where the wait state is timed (shared by the layer's transactions). */
  waits: WaitQueue;
  /** Builds the 100 Trying the INVITE transaction sends on its own. */
  makeTrying?: () => SipResponse;
  /** An ACK the TU must see: the ACK of a 2xx that carried this transaction's branch (RFC 6026). */
  onAck?: (ack: SipRequest) => void;
  /** Timer H (no ACK for a non-2xx) or transport failure. */
  onError: (error: Error, transaction: TransactionBase<string, SipResponse>) => void;
  onTerminated: (transaction: TransactionBase<string, SipResponse>) => void;
}

/**
 * A server transaction keeps no reference to its request: it lingers for up to 64*T1 after the
 * final response (Timers J and L), and holding every parsed request that long costs more memory
 * than all the rest of the stack. The TU receives the request with the transaction instead.
 */
abstract class ServerTransactionBase extends TransactionBase<ServerTransactionState, SipResponse> {
  readonly method: string;
  protected readonly reliable: boolean;
  protected readonly timerSettings: TimerSettings;
  protected readonly onAck: ((ack: SipRequest) => void) | undefined;
  readonly toTag: string | null;
  /** To tag of the final response (RFC 2543 ACK matching). */
  responseToTag: string | null = null;
  /** The response re-sent when a retransmission of the request arrives (released once Accepted). */
  protected lastResponse?: SipResponse;
  private answered = false;

  constructor(options: Omit<ServerTransactionOptions, 'makeTrying'>, initial: ServerTransactionState) {
    super(options, initial);
    this.method = options.method;
    this.toTag = options.toTag;
    this.reliable = options.reliable;
    this.timerSettings = options.timers;
    this.onAck = options.onAck;
  }

  /** Remembers a response being sent (for retransmissions and RFC 2543 ACK matching). */
  protected record(response: SipResponse): void {
    this.lastResponse = response;
    if (response.status >= 200) {
      this.answered = true;
      this.responseToTag = response.to.params.get('tag') ?? null;
    }
  }

  /** Sends a response from the TU; ignored once a final response went out. */
  abstract respond(response: SipResponse): void;
  /** A retransmission of the request, or (INVITE) its ACK. */
  abstract receiveRequest(request: SipRequest): void;

  get hasFinalResponse(): boolean {
    return this.answered;
  }
}

/**
 * §17.2.1: Proceeding → Completed (300-699: Timers G, H, then I after the ACK) or Accepted
 * (2xx, RFC 6026: Timer L absorbs INVITE retransmissions; the TU retransmits the 2xx itself).
 * 100 Trying goes out after TRYING_DELAY_MS unless the TU answered first, or at once when a
 * retransmission of the INVITE shows the client is waiting.
 */
export class ServerInviteTransaction extends ServerTransactionBase {
  private retransmitInterval: number;
  /** Dropped after the first response: it holds the request. */
  private makeTrying: (() => SipResponse) | undefined;

  constructor(options: ServerTransactionOptions) {
    const { makeTrying, ...rest } = options;
    super(rest, 'proceeding');
    this.retransmitInterval = options.timers.t1;
    this.makeTrying = makeTrying;
    if (this.makeTrying) this.timers.deadline(TRYING_DELAY_MS, () => this.sendTrying());
  }

  private sendTrying(): void {
    if (this.lastResponse || !this.makeTrying) return;
    this.respond(this.makeTrying());
  }

  /** Ignored once a final response went out: 2xx retransmissions are the TU's (RFC 6026 §7.1). */
  respond(response: SipResponse): void {
    const status = response.status;
    if (this.state !== 'proceeding') return;
    this.timers.stopDeadline();
    this.makeTrying = undefined;
    this.record(response);
    this.transmit(response);
    if (status < 200) return;
    const { t1 } = this.timerSettings;
    if (status < 300) {
      this.state = 'accepted';
      this.wait(64 * t1); // Timer L
      return;
    }
    this.state = 'completed';
    if (!this.reliable) this.scheduleTimerG();
    this.timers.deadline(64 * t1, () => this.fail(new TransactionTimeoutError('INVITE', 'H')));
  }

  private scheduleTimerG(): void {
    this.timers.repeat(this.retransmitInterval, () => {
      if (this.state !== 'completed' || !this.lastResponse) return;
      this.retransmit(this.lastResponse);
      this.retransmitInterval = Math.min(2 * this.retransmitInterval, this.timerSettings.t2);
      this.scheduleTimerG();
    });
  }

  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state === 'completed') {
        this.state = 'confirmed';
        this.timers.stopAll();
        this.wait(this.reliable ? 0 : this.timerSettings.t4); // Timer I
      } else if (this.state === 'accepted') {
        this.onAck?.(request);
      }
      return;
    }
    switch (this.state) {
      case 'proceeding':
        if (this.lastResponse) this.retransmit(this.lastResponse);
        else this.sendTrying();
        return;
      case 'completed':
        if (this.lastResponse) this.retransmit(this.lastResponse);
        return;
      default:
        // Accepted: absorbed (RFC 6026 §8.5); Confirmed: absorbed.
        return;
    }
  }

  /**
   * Accepted: INVITE retransmissions are absorbed, not answered (the 2xx is the TU's to repeat).
   * Confirmed: the ACK came, nothing is re-sent.
   */
  protected letGo(): void {
    this.lastResponse = undefined;
  }
}

/** §17.2.2: Trying → Proceeding → Completed (Timer J) → Terminated. */
export class ServerNonInviteTransaction extends ServerTransactionBase {
  constructor(options: ServerTransactionOptions) {
    super(options, 'trying');
  }

  respond(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.record(response);
    this.transmit(response);
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.wait(this.reliable ? 0 : 64 * this.timerSettings.t1); // Timer J
  }

  /** Completed re-sends its final response: kept, but no longer sharing the request's text. */
  protected letGo(): void {
    this.lastResponse?.detachFromSource();
  }

  receiveRequest(_retransmission: SipRequest): void {
    // Trying: discarded (no response yet); Proceeding/Completed: re-send the last response.
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) this.retransmit(this.lastResponse);
  }
}

export type ServerTransaction = ServerInviteTransaction | ServerNonInviteTransaction;
