// Typed errors of the SDP layer. `status` is the SIP response the core sends to the leg whose SDP
// could not be used: 400 for a body that does not parse, 488 for one we understand but cannot accept.

export type SdpErrorStatus = 400 | 488;

export class SdpError extends Error {
  /** `reason` is short enough for a SIP reason phrase or a Warning header. */
  constructor(readonly reason: string, readonly status: SdpErrorStatus) {
    super(reason);
    this.name = new.target.name;
  }
}

/** The body breaks the SDP grammar (RFC 8866): the core answers 400. */
export class SdpSyntaxError extends SdpError {
  constructor(reason: string) {
    super(reason, 400);
  }
}

/** Valid SDP we cannot take (no common codec, no usable key, unknown profile): the core answers 488. */
export class SdpNotAcceptableError extends SdpError {
  constructor(reason: string) {
    super(reason, 488);
  }
}

/** One `a=crypto` line that is malformed (400) or uses what we do not support (488). */
export class CryptoAttributeError extends SdpError {}
