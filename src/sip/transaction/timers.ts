// RFC 3261 §17 timer settings and the named one-shot timers a transaction runs.

/** T1 (RTT estimate), T2 (max retransmit interval for non-INVITE and INVITE responses), T4 (max time a message stays in the network), in ms. */
export interface TimerSettings {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMERS: Readonly<TimerSettings> = { t1: 500, t2: 4000, t4: 5000 };

/**
 * The two timers a transaction (or a dialog waiting for an ACK) runs at once at most: one that
 * repeats a message (A, E, G, 2xx) and one that ends a state (B, D, F, H, I, J, K, L, M, 100 Trying).
 * Two fields rather than a map: thousands of transactions linger at once for 64*T1.
 * Uses the global setTimeout so that `mock.timers` can drive it in tests.
 */
export class TimerPair {
  private repeatTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  repeat(ms: number, fire: () => void): void {
    this.stopRepeat();
    this.repeatTimer = setTimeout(() => {
      this.repeatTimer = undefined;
      fire();
    }, ms);
  }

  deadline(ms: number, fire: () => void): void {
    this.stopDeadline();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      fire();
    }, ms);
  }

  stopRepeat(): void {
    if (this.repeatTimer !== undefined) clearTimeout(this.repeatTimer);
    this.repeatTimer = undefined;
  }

  stopDeadline(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  stopAll(): void {
    this.stopRepeat();
    this.stopDeadline();
  }
}
