// Transactions in their wait state (Timers D, I, J, K, L, M) are thousands at once: three per call
// for 64*T1 = 32 s. A timer each would keep a Timeout and two closures per transaction that long.
// Waits of one duration end in the order they began, so each duration gets one FIFO and one timer.

/** What waits: terminated once its time is up (terminating twice is harmless). */
export interface Waiter {
  terminate(): void;
}

/** A monotonic clock in milliseconds (tests pass the mock clock they tick). */
export type Clock = () => number;

export class WaitQueue {
  private readonly lanes = new Map<number, WaitLane>();

  constructor(private readonly now: Clock = () => performance.now()) {}

  /** Terminates `waiter` in `ms`. */
  add(ms: number, waiter: Waiter): void {
    let lane = this.lanes.get(ms);
    if (!lane) {
      lane = new WaitLane(ms, this.now);
      this.lanes.set(ms, lane);
    }
    lane.push(waiter);
  }

  get size(): number {
    let size = 0;
    for (const lane of this.lanes.values()) size += lane.size;
    return size;
  }

  /** Forgets every waiter without terminating it, and stops the timers (UA shutdown). */
  clear(): void {
    for (const lane of this.lanes.values()) lane.clear();
    this.lanes.clear();
  }
}

/** The waiters of one duration, in deadline order, under one timer. */
class WaitLane {
  private waiters: (Waiter | undefined)[] = [];
  private deadlines: number[] = [];
  /** Index of the first waiter still waiting: the arrays are compacted now and then, not shifted. */
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly now: Clock,
  ) {}

  get size(): number {
    return this.waiters.length - this.head;
  }

  push(waiter: Waiter): void {
    this.waiters.push(waiter);
    this.deadlines.push(this.now() + this.ms);
    if (this.timer === undefined) this.arm();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiters = [];
    this.deadlines = [];
    this.head = 0;
  }

  private arm(): void {
    this.timer = setTimeout(this.expire, Math.max(0, this.deadlines[this.head]! - this.now()));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = this.now();
    while (this.head < this.waiters.length && this.deadlines[this.head]! <= now) {
      const waiter = this.waiters[this.head]!;
      this.waiters[this.head] = undefined;
      this.head++;
      waiter.terminate();
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    if (this.head >= 1024 && this.head * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm();
  };
}
