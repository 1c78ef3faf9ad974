// Typed errors of the user-agent API.

/** A session method was called in a state that does not allow it (e.g. accept after CANCEL). */
export class SessionStateError extends Error {
  constructor(readonly action: string, readonly state: string) {
    super(`cannot ${action} a session in state ${state}`);
    this.name = 'SessionStateError';
  }
}

/** Our INVITE was cancelled but the callee answered anyway: the call was ACKed and BYEd (§9.1). */
export class CallCancelledError extends Error {
  constructor(readonly callId: string) {
    super(`call ${callId} was cancelled`);
    this.name = 'CallCancelledError';
  }
}

/** The user agent was closed while the session was in progress. */
export class UserAgentClosedError extends Error {
  constructor() {
    super('user agent closed');
    this.name = 'UserAgentClosedError';
  }
}
