// Typed errors of the SIP layer.

/** A message or header that does not follow the grammar. `reason` is fit for a 400 reason phrase. */
export class SipParseError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SipParseError';
  }
}

/** A message larger than the configured maximum (64 KiB by default). */
export class MessageTooLargeError extends Error {
  constructor(readonly size: number, readonly limit: number) {
    super(`message of ${size} bytes exceeds the ${limit}-byte limit`);
    this.name = 'MessageTooLargeError';
  }
}

/** A transport-level failure (connect refused, TLS failure, no route). */
export class TransportError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'TransportError';
  }
}

/** No listener of the protocol (or address family) a destination needs: nothing can be sent there. */
export class NoTransportError extends TransportError {
  constructor(message: string) {
    super(message);
    this.name = 'NoTransportError';
  }
}

/** A client transaction that ended without a final response (Timer B/F, transport error). */
export class TransactionTimeoutError extends Error {
  constructor(readonly method: string, readonly timer: string) {
    super(`${method} transaction timed out (Timer ${timer})`);
    this.name = 'TransactionTimeoutError';
  }
}
