// Transaction matching keys (RFC 3261 §17.1.3 and §17.2.3).
import type { SipRequest, SipResponse } from '../message.js';
import type { Via } from '../header-values.js';

export const MAGIC_COOKIE = 'z9hG4bK';

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/** Client side: the branch of the top Via plus the CSeq method (a CANCEL has its own transaction). */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function responseKey(response: SipResponse): string | undefined {
  const branch = response.topVia.params.get('branch');
  return branch ? clientKey(branch, response.cseq.method) : undefined;
}

/**
 * Server side. With an RFC 3261 branch: branch + sent-by + method, where an ACK maps to its INVITE.
 * Without the magic cookie (RFC 2543 peers): Request-URI, From tag, Call-ID, CSeq number, top Via
 * and method; the To tag is checked separately by `matchesLegacyToTag` because an ACK carries the
 * tag of our response while its INVITE had none.
 */
export function serverKey(request: SipRequest, methodOverride?: string): string {
  const via = request.topVia;
  const method = methodOverride ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const branch = via.params.get('branch');
  if (branch && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy(via)}|${method}`;
  const uri = request.uri;
  const fromTag = request.from.params.get('tag') ?? '';
  return [
    '2543', uri.scheme, uri.user ?? '', uri.host.toLowerCase(), uri.port ?? '',
    fromTag, request.callId, request.cseq.seq, sentBy(via), branch ?? '', method,
  ].join('|');
}

export function isLegacy(request: SipRequest): boolean {
  return !request.topVia.params.get('branch')?.startsWith(MAGIC_COOKIE);
}

/** What RFC 2543 matching needs to know of an existing server transaction. */
export interface LegacyMatchable {
  readonly method: string;
  readonly toTag: string | null;
  readonly responseToTag: string | null;
}

/**
 * §17.2.3 for RFC 2543 requests: a retransmission carries the original To tag; an ACK carries the
 * To tag of the response it acknowledges.
 */
export function matchesLegacyToTag(original: LegacyMatchable, request: SipRequest): boolean {
  const tag = request.to.params.get('tag') ?? null;
  if (request.method === 'ACK' && original.method === 'INVITE') return tag === original.responseToTag;
  return tag === original.toTag;
}
