// SIP message parser (RFC 3261 §7, §18.3, §25): start line, unfolded headers, Content-Length framing.
// Headers stay raw strings in SipHeaders. The ones a proxy needs are parsed (and so validated) here,
// once, and handed to the message as its cached views.
import { CLASS, TOKEN, WS, is, isToken, scan } from './chars.js';
import { SipParseError } from './errors.js';
import { displayName, headerKey } from './header-names.js';
import { isWildcardContactIn, parseCSeq, parseNameAddrIn, parseNameAddrListIn, parseViaListIn } from './header-values.js';
import type { CSeq } from './header-values.js';
import { SipHeaders } from './headers.js';
import type { HeaderField } from './headers.js';
import { SipRequest, SipResponse } from './message.js';
import type { HeaderViews, SipMessage } from './message.js';
import { parseUriIn } from './uri.js';

export { extractResponseRouting } from './routing.js';
export type { ResponseRouting } from './routing.js';

export interface ParseOptions {
  /**
   * The buffer is one whole UDP datagram: octets past Content-Length are dropped and a missing
   * Content-Length means "the rest of the datagram" (RFC 3261 §18.3). On a stream transport the
   * buffer must be exactly one framed message with a Content-Length.
   */
  datagram?: boolean;
}

const CRLF = 0x0a0d; // "\r\n" read as a little-endian uint16
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Offset of the start line: stream keep-alives may leave CRLFs before it (§7.5). */
function skipLeadingCrlf(data: Buffer): number {
  let i = 0;
  while (i + 1 < data.length && data.readUInt16LE(i) === CRLF) i += 2;
  return i;
}

// The headers a proxy reads, numbered so the parser sorts them with a switch on small integers.
const OTHER = 0;
const VIA = 1;
const CONTACT = 2;
const ROUTE = 3;
const RECORD_ROUTE = 4;
const FROM = 5;
const TO = 6;
const CALL_ID = 7;
const CSEQ = 8;
const CONTENT_LENGTH = 9;
const CONTENT_TYPE = 10;
const MAX_FORWARDS = 11;
const DATE = 12;

const PICKED: Record<string, number> = {
  via: VIA, contact: CONTACT, route: ROUTE, 'record-route': RECORD_ROUTE, from: FROM, to: TO, 'call-id': CALL_ID,
  cseq: CSEQ, 'content-length': CONTENT_LENGTH, 'content-type': CONTENT_TYPE, 'max-forwards': MAX_FORWARDS, date: DATE,
};

// Header names repeat endlessly; canonicalising one (lower case, compact form, display case) is
// worth caching. The usual spellings are matched in place, without slicing the name out.
interface Name {
  key: string;
  name: string;
  picked: number;
}

const COMMON = [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Route', 'Record-Route', 'Max-Forwards',
  'Content-Type', 'Content-Length', 'Allow', 'Supported', 'Require', 'User-Agent', 'Server', 'Expires',
  'Session-Expires', 'Min-SE', 'Accept', 'Event', 'Subscription-State', 'Refer-To', 'Referred-By',
  'Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Proxy-Authorization', 'Date',
  'P-Asserted-Identity', 'Privacy', 'Reason', 'Allow-Events', 'Content-Disposition', 'RSeq', 'RAck',
  'Subject', 'Timestamp', 'Warning', 'Organization', 'Priority', 'Accept-Encoding', 'Accept-Language',
  ...'ifmtvlcksoeurbxy',
  ...'IFMTVLCKSOEURBXY',
];

function canonical(raw: string): Name {
  const key = headerKey(raw);
  return { key, name: raw.length === 1 ? displayName(key) : raw, picked: PICKED[key] ?? OTHER };
}

/**
 * Common spellings indexed by length and first character: a name is then compared with one or
 * two candidates only. Names are tokens, so their first character is ASCII.
 */
const MAX_INDEXED_LENGTH = 32;
const spellings: { raw: string; known: Name }[][] = [];
const slot = (length: number, first: number) => (length << 7) | first;
for (const raw of COMMON) (spellings[slot(raw.length, raw.charCodeAt(0))] ??= []).push({ raw, known: canonical(raw) });

/**
 * `text` holds `word` at `start`, its first character already matched by the slot (an inlined loop
 * beats a startsWith call for a few characters).
 */
function sameAt(text: string, start: number, word: string): boolean {
  for (let k = 1; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

const seenNames = new Map<string, Name>();
const MAX_SEEN_NAMES = 512; // names come off the wire: bound the cache

function canonicalName(head: string, start: number, stop: number): Name {
  if (stop - start < MAX_INDEXED_LENGTH) {
    const candidates = spellings[slot(stop - start, head.charCodeAt(start))];
    if (candidates !== undefined) for (const candidate of candidates) if (sameAt(head, start, candidate.raw)) return candidate.known;
  }
  if (start === stop || scan(head, start, TOKEN) !== stop) throw new SipParseError('invalid header name');
  const raw = head.slice(start, stop);
  let known = seenNames.get(raw);
  if (known === undefined) {
    known = canonical(raw);
    if (seenNames.size < MAX_SEEN_NAMES) seenNames.set(raw, known);
  }
  return known;
}

/** `head[start, stop)` without its leading and trailing LWS. */
function trimmedSlice(head: string, start: number, stop: number): string {
  while (start < stop && (CLASS[head.charCodeAt(start)]! & WS) !== 0) start++;
  while (stop > start && (CLASS[head.charCodeAt(stop - 1)]! & WS) !== 0) stop--;
  return head.slice(start, stop);
}

/**
 * Where a structured header's value is: a range of the head, so that its view is parsed in place,
 * or a whole unfolded value when continuation lines made it.
 */
interface Span {
  text: string;
  start: number;
  end: number;
}

/** The raw values a proxy reads; single-valued headers may appear once only. */
interface KeyHeaders {
  via: Span[];
  contact: Span[];
  route: Span[];
  recordRoute: Span[];
  from?: Span;
  to?: Span;
  callId?: string;
  cseq?: string;
  contentLength?: string;
  contentType?: string;
  maxForwards?: string;
  date?: string;
}

function once<T>(current: T | undefined, value: T, name: string): T {
  if (current !== undefined) throw new SipParseError(`multiple ${name} headers`);
  return value;
}

function spanOf(field: HeaderField, head: string, start: number, end: number, folded: boolean): Span {
  return folded ? { text: field.value, start: 0, end: field.value.length } : { text: head, start, end };
}

/**
 * Files a complete header line under the key header it is, if any: its value is `head[start, end)`,
 * unless continuation lines were folded into `field.value`.
 */
function pick(picked: KeyHeaders, which: number, field: HeaderField, head: string, start: number, end: number, folded: boolean): void {
  if (which === OTHER) return;
  const value = field.value;
  switch (which) {
    case VIA: picked.via.push(spanOf(field, head, start, end, folded)); break;
    case CONTACT: picked.contact.push(spanOf(field, head, start, end, folded)); break;
    case ROUTE: picked.route.push(spanOf(field, head, start, end, folded)); break;
    case RECORD_ROUTE: picked.recordRoute.push(spanOf(field, head, start, end, folded)); break;
    case FROM: picked.from = once(picked.from, spanOf(field, head, start, end, folded), 'From'); break;
    case TO: picked.to = once(picked.to, spanOf(field, head, start, end, folded), 'To'); break;
    case CALL_ID: picked.callId = once(picked.callId, value, 'Call-ID'); break;
    case CSEQ: picked.cseq = once(picked.cseq, value, 'CSeq'); break;
    case CONTENT_LENGTH: picked.contentLength = once(picked.contentLength, value, 'Content-Length'); break;
    case CONTENT_TYPE: picked.contentType = once(picked.contentType, value, 'Content-Type'); break;
    case MAX_FORWARDS: picked.maxForwards = once(picked.maxForwards, value, 'Max-Forwards'); break;
    case DATE: picked.date = value; break;
    default: break;
  }
}

/**
 * Reads the header block (after the start line) into fields, unfolding continuation lines, and
 * files the key headers in `picked` as each line completes.
 */
function parseHeaderLines(head: string, start: number, picked: KeyHeaders): HeaderField[] {
  const fields: HeaderField[] = [];
  let last: HeaderField | undefined;
  let lastPicked = OTHER;
  let valueStart = 0;
  let valueEnd = 0;
  let folded = false;
  let i = start;
  while (i < head.length) {
    // Searching one character is faster than two; a LF without its CR is refused.
    let lineEnd = head.indexOf('\n', i);
    if (lineEnd === -1) lineEnd = head.length + 1;
    else if (head.charCodeAt(lineEnd - 1) !== 13) throw new SipParseError('bare LF in header');
    lineEnd--;
    const first = head.charCodeAt(i);
    if (first === 32 || first === 9) {
      if (!last) throw new SipParseError('continuation line without header');
      const more = trimmedSlice(head, i, lineEnd);
      if (more) {
        last.value = last.value ? last.value + ' ' + more : more;
        folded = true;
      }
    } else {
      // The colon is found natively; the name before it is then checked by matching a known
      // spelling, or by a scan when it is none.
      const colon = head.indexOf(':', i);
      if (colon === -1 || colon >= lineEnd) throw new SipParseError('header line without colon');
      let nameEnd = colon;
      while (nameEnd > i && (CLASS[head.charCodeAt(nameEnd - 1)]! & WS) !== 0) nameEnd--;
      if (last) pick(picked, lastPicked, last, head, valueStart, valueEnd, folded);
      const { key, name, picked: which } = canonicalName(head, i, nameEnd);
      valueStart = colon + 1;
      valueEnd = lineEnd;
      while (valueStart < valueEnd && (CLASS[head.charCodeAt(valueStart)]! & WS) !== 0) valueStart++;
      while (valueEnd > valueStart && (CLASS[head.charCodeAt(valueEnd - 1)]! & WS) !== 0) valueEnd--;
      last = { key, name, value: head.slice(valueStart, valueEnd) };
      lastPicked = which;
      folded = false;
      fields.push(last);
    }
    i = lineEnd + 2;
  }
  if (last) pick(picked, lastPicked, last, head, valueStart, valueEnd, folded);
  return fields;
}

function isDigits(value: string, maxLength: number): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

const EMPTY = Buffer.alloc(0);

/** The body is copied: the receive buffer may be reused, or be much larger than one message. */
function copyBody(data: Buffer, start: number, stop: number): Buffer {
  if (start === stop) return EMPTY;
  // Copied straight from the receive buffer: no intermediate subarray view to create.
  const body = Buffer.allocUnsafe(stop - start);
  data.copy(body, 0, start, stop);
  return body;
}

/** Body per Content-Length, applying the datagram rules of RFC 3261 §18.3. */
function frameBody(data: Buffer, bodyStart: number, contentLength: string | undefined, datagram: boolean): Buffer {
  const available = data.length - bodyStart;
  if (contentLength === undefined) {
    if (!datagram) throw new SipParseError('missing Content-Length');
    return copyBody(data, bodyStart, data.length);
  }
  if (!isDigits(contentLength, 9)) throw new SipParseError('invalid Content-Length');
  const length = Number(contentLength);
  if (length > available) throw new SipParseError('Content-Length larger than body');
  if (length < available && !datagram) throw new SipParseError('data after message body');
  return copyBody(data, bodyStart, bodyStart + length);
}

function checkVersion(version: string): void {
  if (version !== 'SIP/2.0') {
    throw new SipParseError(/^SIP\/\d+\.\d+$/i.test(version) ? 'unsupported SIP version' : 'invalid SIP version');
  }
}

function parseStatusLine(line: string, headers: SipHeaders, body: Buffer): SipResponse {
  const sp = line.indexOf(' ');
  if (sp === -1) throw new SipParseError('invalid Status-Line');
  checkVersion(line.slice(0, sp));
  let codeEnd = line.indexOf(' ', sp + 1);
  if (codeEnd === -1) codeEnd = line.length;
  const code = line.slice(sp + 1, codeEnd);
  if (!isDigits(code, 3) || code.length !== 3 || code < '100' || code > '699') {
    throw new SipParseError('invalid status code');
  }
  return new SipResponse(Number(code), line.slice(codeEnd + 1), headers, body);
}

/** The Request-Line `head[0, lineEnd)`; its URI is parsed in place in the head. */
function parseRequestLine(head: string, lineEnd: number, headers: SipHeaders, body: Buffer): SipRequest {
  if (is(head.charCodeAt(lineEnd - 1), WS)) throw new SipParseError('trailing whitespace in Request-Line');
  const first = head.indexOf(' ');
  const last = head.lastIndexOf(' ', lineEnd - 1);
  if (first === -1 || first >= lineEnd || first === last) throw new SipParseError('invalid Request-Line');
  const method = head.slice(0, first);
  if (!isToken(method)) throw new SipParseError('invalid method');
  checkVersion(head.slice(last + 1, lineEnd));
  const uriStart = first + 1;
  const uriEnd = last;
  if (uriStart < uriEnd && (head.charCodeAt(uriStart) === 32 || head.charCodeAt(uriEnd - 1) === 32)) {
    throw new SipParseError('extra whitespace in Request-Line');
  }
  // Both searches are native: past the URI they stop at the version's space, or at worst the head's end.
  if (head.indexOf(' ', uriStart) < uriEnd || isBefore(head.indexOf('\t', uriStart), uriEnd)) {
    throw new SipParseError('whitespace in Request-URI');
  }
  if (head.charCodeAt(uriStart) === 60 /* < */) throw new SipParseError('Request-URI enclosed in <>');
  const uri = parseUriIn(head, uriStart, uriEnd);
  if (uri.headers.size > 0) throw new SipParseError('Request-URI must not contain headers');
  return new SipRequest(method, uri, headers, body);
}

/** An indexOf result that was found before `end`. */
function isBefore(at: number, end: number): boolean {
  return at !== -1 && at < end;
}

/** Parses one header value, naming the header in the error. */
function parseIn<T>(name: string, parse: (s: string, start: number, end: number) => T, span: Span): T {
  try {
    return parse(span.text, span.start, span.end);
  } catch (error) {
    if (error instanceof SipParseError && !error.reason.includes(name)) {
      throw new SipParseError(`${error.reason} in ${name} header`);
    }
    throw error;
  }
}

function parseListIn<T>(name: string, parse: (s: string, start: number, end: number) => T[], lines: Span[]): T[] {
  if (lines.length === 0) return [];
  if (lines.length === 1) return parseIn(name, parse, lines[0]!);
  const all: T[] = [];
  for (const line of lines) for (const item of parseIn(name, parse, line)) all.push(item);
  return all;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new SipParseError(`missing ${name} header`);
  return value;
}

const RFC1123_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Mandatory headers and every header a proxy reads: a bad one is a 400 now, not a crash later. */
function validateKeyHeaders(picked: KeyHeaders): HeaderViews & { cseq: CSeq } {
  if (picked.via.length === 0) throw new SipParseError('missing Via header');
  const via = parseListIn('Via', parseViaListIn, picked.via);
  const from = parseIn('From', parseNameAddrIn, required(picked.from, 'From'));
  const to = parseIn('To', parseNameAddrIn, required(picked.to, 'To'));
  const callId = required(picked.callId, 'Call-ID');
  if (callId === '' || callId.includes(' ') || callId.includes('\t')) throw new SipParseError('invalid Call-ID');
  const cseqValue = required(picked.cseq, 'CSeq');
  const cseq = parseIn('CSeq', parseCSeq, { text: cseqValue, start: 0, end: cseqValue.length });
  const views: HeaderViews & { cseq: CSeq } = { via, from, to, cseq };
  const only = picked.contact.length === 1 ? picked.contact[0]! : undefined;
  const wildcard = only !== undefined && isWildcardContactIn(only.text, only.start, only.end);
  // Absent lists are primed empty too: the accessors need not look for them again.
  if (!wildcard) views.contact = parseListIn('Contact', parseNameAddrListIn, picked.contact);
  views.route = parseListIn('Route', parseNameAddrListIn, picked.route);
  views.recordRoute = parseListIn('Record-Route', parseNameAddrListIn, picked.recordRoute);
  if (picked.maxForwards !== undefined && !isDigits(picked.maxForwards, 9)) {
    throw new SipParseError('invalid Max-Forwards');
  }
  if (picked.date !== undefined && !RFC1123_DATE.test(picked.date)) throw new SipParseError('invalid Date header');
  return views;
}

export function parseMessage(data: Buffer, opts: ParseOptions = {}): SipMessage {
  const start = skipLeadingCrlf(data);
  const headEnd = data.indexOf(CRLFCRLF, start);
  if (headEnd === -1) throw new SipParseError('missing end of headers');
  const head = data.toString('utf8', start, headEnd);
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = head.length;
  const picked: KeyHeaders = { via: [], contact: [], route: [], recordRoute: [] };
  const fields = parseHeaderLines(head, lineEnd + 2, picked);
  const body = frameBody(data, headEnd + 4, picked.contentLength, opts.datagram ?? false);
  const headers = SipHeaders.fromFields(fields);
  const msg = head.startsWith('SIP/')
    ? parseStatusLine(head.slice(0, lineEnd), headers, body)
    : parseRequestLine(head, lineEnd, headers, body);
  const views = validateKeyHeaders(picked);
  if (msg.kind === 'request' && views.cseq.method !== msg.method) {
    throw new SipParseError('CSeq method does not match request method');
  }
  msg.primeViews(views);
  return msg;
}
