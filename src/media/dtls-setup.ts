// The `a=setup` negotiation of DTLS-SRTP (RFC 5763 §5, RFC 4145 §4): what we answer, and which
// DTLS role (the engine's `dtls.setup`) a leg ends up with.
import { MediaError } from './errors.js';

export type SetupAttribute = 'actpass' | 'active' | 'passive' | 'holdconn';

/** Both sides claimed the same role, or an answer said actpass. */
export class DtlsSetupError extends MediaError {}

/** Our answer to an offered `a=setup` (the answerer chooses; active is RFC 5763's recommendation). */
export function answerSetup(offered: SetupAttribute): SetupAttribute {
  switch (offered) {
    case 'actpass':
    case 'passive':
      return 'active';
    case 'active':
      return 'passive';
    case 'holdconn':
      return 'holdconn';
  }
}

/**
 * The leg's DTLS role from our `a=setup` and the peer's: 'active' = DTLS client. undefined while
 * either side holds the connection (`holdconn`): start no handshake yet.
 */
export function dtlsRole(local: SetupAttribute, remote: SetupAttribute): 'active' | 'passive' | undefined {
  if (local === 'holdconn' || remote === 'holdconn') return undefined;
  const resolved = local === 'actpass' ? (remote === 'active' ? 'passive' : remote === 'passive' ? 'active' : undefined) : local;
  if (!resolved || resolved === remote) {
    throw new DtlsSetupError(`a=setup:${local} here and a=setup:${remote} there leave no DTLS client and server`, 'ERR_DTLS_SETUP');
  }
  return resolved;
}
