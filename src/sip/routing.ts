// Lenient reading of a message too broken for parseMessage: just what a 400 response needs
// (RFC 3261 §8.2.6.2: Via, From, To, Call-ID and CSeq are copied from the request).
import { headerKey } from './header-names.js';

export interface ResponseRouting {
  isRequest: boolean;
  /** Every Via header line, top first, as received (unfolded). */
  via: string[];
  from?: string;
  to?: string;
  callId?: string;
  cseq?: string;
}

/** Header lines of the head, unfolded; accepts bare LF line ends too since the message is broken anyway. */
function headerLines(head: string): string[] {
  const lines: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else {
      lines.push(line);
    }
  }
  return lines;
}

/**
 * Reads the routing headers of a message that failed to parse. Returns undefined when there is
 * no Via to answer to (nothing can route a response), or the start line does not look like SIP.
 */
export function extractResponseRouting(raw: Buffer): ResponseRouting | undefined {
  let text = raw.toString('utf8');
  const blank = text.search(/\r?\n\r?\n/);
  if (blank !== -1) text = text.slice(0, blank);
  const [startLine = '', ...lines] = headerLines(text.replace(/^(\r?\n)+/, ''));
  const isResponse = startLine.startsWith('SIP/');
  if (!isResponse && !/\sSIP\/\d/i.test(startLine)) return undefined;
  const routing: ResponseRouting = { isRequest: !isResponse, via: [] };
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const value = line.slice(colon + 1).trim();
    switch (headerKey(line.slice(0, colon).trim())) {
      case 'via':
        routing.via.push(value);
        break;
      case 'from':
        routing.from ??= value;
        break;
      case 'to':
        routing.to ??= value;
        break;
      case 'call-id':
        routing.callId ??= value;
        break;
      case 'cseq':
        routing.cseq ??= value;
        break;
      default:
        break;
    }
  }
  return routing.via.length > 0 ? routing : undefined;
}
