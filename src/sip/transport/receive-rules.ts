// Server-side receive rules: RFC 3261 §18.2.1 (`received`) and RFC 3581 §4 (`rport`). They record
// where a request really came from, so the response can find its way back through NATs.
import { SipParseError } from '../errors.js';
import { formatVia, parseViaList } from '../header-values.js';
import type { SipMessage } from '../message.js';
import { canonicalAddress } from './endpoint.js';
import type { Endpoint } from './types.js';

/**
 * Stamps the top Via of `message` (a request, or a refusal built from one) with `received` when
 * the source address differs from the sent-by host, and fills a valueless `rport` with the source
 * port (RFC 3581 then requires `received` even when the addresses are equal).
 */
export function stampTopVia(message: SipMessage, source: Endpoint): void {
  const lines = message.headers.getLines('Via');
  const firstLine = lines[0];
  if (firstLine === undefined) throw new SipParseError('missing Via header');
  const vias = parseViaList(firstLine);
  const top = vias[0];
  if (!top) throw new SipParseError('empty Via header');
  const rportRequested = top.params.has('rport') && top.params.get('rport') === null;
  const addressDiffers = canonicalAddress(top.host) !== source.address;
  if (!rportRequested && !addressDiffers) return;
  if (rportRequested) top.params.set('rport', String(source.port));
  top.params.set('received', source.address);
  lines[0] = vias.map(formatVia).join(', ');
  message.headers.set('Via', lines);
}
