// Responses the transport sends on its own for requests it cannot hand up: 400 for a message
// that does not parse, 513 for one over the size limit (RFC 3261 §21.5.14).
import { randomBytes } from 'node:crypto';
import { SipHeaders } from '../headers.js';
import { SipResponse } from '../message.js';
import { extractResponseRouting } from '../parser.js';

/**
 * A response to the request in `raw` (whole, or only its header block) with the Via, From, To,
 * Call-ID and CSeq copied (§8.2.6.2) and a To tag added; undefined when `raw` is a response, an
 * ACK (never answered, §17.2) or has no Via to route an answer by.
 */
export function refusalFor(raw: Buffer, status: number, reason: string): SipResponse | undefined {
  const routing = extractResponseRouting(raw);
  if (!routing?.isRequest || isAck(raw, routing.cseq)) return undefined;
  const headers = new SipHeaders();
  for (const via of routing.via) headers.append('Via', via);
  if (routing.from !== undefined) headers.append('From', routing.from);
  if (routing.to !== undefined) headers.append('To', withTag(routing.to));
  if (routing.callId !== undefined) headers.append('Call-ID', routing.callId);
  if (routing.cseq !== undefined) headers.append('CSeq', routing.cseq);
  return new SipResponse(status, reason, headers);
}

function isAck(raw: Buffer, cseq: string | undefined): boolean {
  const startsWithAck = /^(\r\n)*ACK /.test(raw.toString('latin1', 0, 64));
  return startsWithAck || (cseq !== undefined && /\sACK$/i.test(cseq));
}

function withTag(to: string): string {
  return /;\s*tag\s*=/i.test(to) ? to : `${to};tag=${randomBytes(6).toString('hex')}`;
}
