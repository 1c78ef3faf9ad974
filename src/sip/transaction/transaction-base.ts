// What client and server transactions share: the terminated state, sending through the transport
// with a failed send turned into a transaction error, and the wait (Timers D, I, J, K, L, M) before
// termination.
import type { SipMessage } from '../message.js';
import { TimerPair } from './timers.js';
import type { WaitQueue } from './wait-queue.js';

export interface TransactionHooks<M extends SipMessage> {
  /** The layer's key for the transaction, kept for onTerminated. */
  key: string;
  send: (message: M) => Promise<void>;
  /** Called on every timer-driven retransmission (statistics). */
  onRetransmit?: () => void;
  /** Where the wait state is timed (shared by the layer's transactions). */
  waits: WaitQueue;
  onError: (error: Error, transaction: TransactionBase<string, M>) => void;
  /** The transaction is over; it passes itself (the layer forgets it under its key). */
  onTerminated: (transaction: TransactionBase<string, M>) => void;
}

/**
 * Transactions wait up to 64*T1 after their outcome, thousands at a time (32,000 at 1,000 calls/s).
 * Whatever a waiting transaction still references stays in the heap that long, so the TU's hooks
 * and the request are kept in fields that the wait state lets go of (see `wait`). The layer's hooks
 * are shared by all its transactions (they are given the transaction), except `send`, which holds
 * where the messages go.
 */
export abstract class TransactionBase<State extends string, M extends SipMessage> {
  readonly key: string;
  protected readonly timers = new TimerPair();
  protected readonly send: (message: M) => Promise<void>;
  private readonly waits: WaitQueue;
  private readonly onRetransmit: (() => void) | undefined;
  /** Dropped in the wait state: the TU has the outcome and hears nothing more from here. */
  private onError: ((error: Error, transaction: TransactionBase<string, M>) => void) | undefined;
  private readonly onTerminated: (transaction: TransactionBase<string, M>) => void;

  constructor(hooks: TransactionHooks<M>, public state: State | 'terminated') {
    this.key = hooks.key;
    this.send = hooks.send;
    this.waits = hooks.waits;
    this.onRetransmit = hooks.onRetransmit;
    this.onError = hooks.onError;
    this.onTerminated = hooks.onTerminated;
  }

  /** Ends the transaction without telling the TU anything (UA shutdown). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.onTerminated(this);
  }

  protected transmit(message: M): void {
    this.send(message).catch((error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))));
  }

  protected retransmit(message: M): void {
    this.onRetransmit?.();
    this.transmit(message);
  }

  protected fail(error: Error): void {
    if (this.state === 'terminated') return;
    this.terminate();
    this.onError?.(error, this);
  }

  /**
   * Enters the wait state: waits `ms`, then terminates; 0 (reliable transports) terminates at once.
   * `letGo` drops what the wait state no longer needs.
   */
  protected wait(ms: number): void {
    this.onError = undefined;
    this.letGo();
    this.timers.stopAll();
    if (ms === 0) this.terminate();
    else this.waits.add(ms, this);
  }

  /** Releases references the wait state does not need (the request, TU hooks). */
  protected abstract letGo(): void;
}
