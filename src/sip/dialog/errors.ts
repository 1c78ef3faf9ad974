// Typed errors of the dialog layer.

/** A request was asked of a dialog that has ended. */
export class DialogTerminatedError extends Error {
  constructor(readonly callId: string) {
    super(`dialog ${callId} is terminated`);
    this.name = 'DialogTerminatedError';
  }
}

/** A 2xx to an INVITE was retransmitted for 64*T1 without an ACK (§13.3.1.4); the dialog was ended with BYE. */
export class AckTimeoutError extends Error {
  constructor(readonly callId: string, readonly cseq: number) {
    super(`no ACK for the 2xx to INVITE ${cseq} of ${callId}`);
    this.name = 'AckTimeoutError';
  }
}

/** A re-INVITE was asked while another INVITE transaction of the dialog is in progress (§14.1). */
export class RequestPendingError extends Error {
  constructor(readonly callId: string) {
    super(`an INVITE is already in progress in dialog ${callId}`);
    this.name = 'RequestPendingError';
  }
}
