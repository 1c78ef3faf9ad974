// Hold and resume across the two legs (reference §3.7), as directions the B2BUA states on each leg.
//
// A leg "holds" when its last offer said sendonly or inactive (answers never count: a peer that
// answers a hold with inactive is not holding, so nothing goes back to the holder). The B2BUA wants
// to send on a leg only what the other party sends, hence:
//   other leg holds, this one too  → inactive   (both on hold)
//   other leg holds                → sendonly   (we hold this party; its UA shows "paused by remote")
//   other leg does not hold        → sendrecv
// This yields the outcomes the reference lists: the pausee is re-INVITEd with sendonly whatever the
// pauser used (sendonly or inactive); a second pause makes both inactive; in a double hold the one
// who resumes is answered sendonly (it is still held) until the other resumes too.
import type { MediaDirection } from '../media/bridge.js';

export function holdsBy(offered: MediaDirection): boolean {
  return offered === 'sendonly' || offered === 'inactive';
}

/** The direction the B2BUA wants on a leg, from whether the other leg and this one hold. */
export function wantedDirection(otherHolds: boolean, thisHolds: boolean): MediaDirection {
  if (!otherHolds) return 'sendrecv';
  return thisHolds ? 'inactive' : 'sendonly';
}
