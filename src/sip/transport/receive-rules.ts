// Server-side receive rules: RFC 3261 §18.2.1 (`received`) and RFC 3581 §4 (`rport`). They record
// where a request really came from, so the response can find its way back through NATs.
import { formatVia, parseViaList, type Via } from '../header-values.js';
import type { SipMessage } from '../message.js';
import { canonicalAddress } from './endpoint.js';
import type { Endpoint } from './types.js';

/**
 * Stamps the top Via of `message` (a request, or a refusal built from one) with `received` when
 * the source address differs from the sent-by host, and fills a valueless `rport` with the source
 * port (RFC 3581 then requires `received` even when the addresses are equal).
 */
export function stampTopVia(message: SipMessage, source: Endpoint): void {
  // The parsed (cached) top Via says whether anything is to stamp; most requests need nothing.
  const cached = message.topVia;
  if (!needsStamp(cached, source)) return;
  // Stamped on a fresh parse of the first line, which is then rewritten whole.
  const lines = message.headers.getLines('Via');
  const vias = parseViaList(lines[0]!);
  const top = vias[0]!;
  if (rportRequested(top)) top.params.set('rport', String(source.port));
  top.params.set('received', source.address);
  lines[0] = vias.map(formatVia).join(', ');
  message.headers.set('Via', lines);
}

function rportRequested(via: Via): boolean {
  return via.params.has('rport') && via.params.get('rport') === null;
}

function needsStamp(top: Via, source: Endpoint): boolean {
  return rportRequested(top) || canonicalAddress(top.host) !== source.address;
}
