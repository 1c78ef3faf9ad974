// Typed errors of the B2BUA core.

/** The core refuses an incoming INVITE with this final response before any leg B exists. */
export class CallRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Headers the refusal must carry (Min-SE of a 422). */
    readonly headers?: Record<string, string>,
  ) {
    super(`${status} ${reason}`);
    this.name = new.target.name;
  }
}
