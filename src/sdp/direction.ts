// Media directions in offer/answer (RFC 3264 §5.1, §6.1), as send/receive flags seen from one side.
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { MediaDirection } from '../media/bridge.js';

interface Flags {
  send: boolean;
  receive: boolean;
}

function flags(direction: MediaDirection): Flags {
  return { send: direction === 'sendrecv' || direction === 'sendonly', receive: direction === 'sendrecv' || direction === 'recvonly' };
}

function fromFlags({ send, receive }: Flags): MediaDirection {
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

/** A media line's direction; a session-level attribute applies to lines without their own (RFC 8866 §6.7). */
export function directionOf(session: SessionDescription, media: MediaDescription): MediaDirection {
  return media.direction ?? session.direction ?? 'sendrecv';
}

/**
 * Our direction on a leg after the offer/answer: we send only if we offered to send and the answerer
 * agreed to receive, and the reverse (RFC 3264 §6.1). `offered` is the offerer's, `answered` the answerer's.
 */
export function offererDirection(offered: MediaDirection, answered: MediaDirection): MediaDirection {
  const ours = flags(offered);
  const theirs = flags(answered);
  return fromFlags({ send: ours.send && theirs.receive, receive: ours.receive && theirs.send });
}

/**
 * The direction the B2BUA answers on leg A: it sends to A only what leg B will send to it, and takes
 * from A only what it can pass on to leg B (`legB` is the B2BUA's own negotiated direction on leg B).
 */
export function bridgedAnswerDirection(legAOffered: MediaDirection, legB: MediaDirection): MediaDirection {
  const a = flags(legAOffered);
  const b = flags(legB);
  return fromFlags({ send: a.receive && b.receive, receive: a.send && b.send });
}
