// What client and server transactions share: the terminated state, sending through the transport
// with a failed send turned into a transaction error, and the wait (Timers D, I, J, K, L, M) before
// termination.
import type { SipMessage } from '../message.js';
import { TimerPair } from './timers.js';

export interface TransactionHooks<M extends SipMessage> {
  send: (message: M) => Promise<void>;
  /** Called on every timer-driven retransmission (statistics). */
  onRetransmit?: () => void;
  onError: (error: Error) => void;
  onTerminated: () => void;
}

export abstract class TransactionBase<State extends string, M extends SipMessage> {
  protected readonly timers = new TimerPair();

  constructor(
    protected readonly options: TransactionHooks<M>,
    public state: State | 'terminated',
  ) {}

  /** Ends the transaction without telling the TU anything (UA shutdown). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.stopAll();
    this.options.onTerminated();
  }

  protected transmit(message: M): void {
    this.options.send(message).catch((error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))));
  }

  protected retransmit(message: M): void {
    this.options.onRetransmit?.();
    this.transmit(message);
  }

  protected fail(error: Error): void {
    if (this.state === 'terminated') return;
    this.terminate();
    this.options.onError(error);
  }

  /** Waits `ms` then terminates; 0 (reliable transports) terminates at once. */
  protected linger(ms: number): void {
    if (ms === 0) this.terminate();
    else this.timers.deadline(ms, () => this.terminate());
  }
}
