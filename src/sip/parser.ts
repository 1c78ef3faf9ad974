// SIP message parser (RFC 3261 §7, §18.3, §25): start line, unfolded headers, Content-Length framing.
// Headers stay raw strings in SipHeaders. The ones a proxy needs are parsed (and so validated) here,
// once, as each line is read, and handed to the message as its cached views. The head is decoded
// once; its grammar is checked on the received bytes, aligned with it (code-units.ts).
import { CHAR_CLASSES, CharClass, scan } from './chars.js';
import { codeUnits, holds, messageBytes } from './code-units.js';
import { SipParseError } from './errors.js';
import { displayName, headerKey } from './header-names.js';
import { isWildcardContactAt, methodAt, readCSeq, readNameAddr, readNameAddrList, readViaList } from './header-values.js';
import type { CSeq, NameAddr, Via } from './header-values.js';
import { SipHeaders } from './headers.js';
import { SpellingTrie } from './spelling-trie.js';
import type { HeaderField } from './headers.js';
import { SipRequest, SipResponse } from './message.js';
import type { HeaderViews, SipMessage } from './message.js';
import { readUri } from './uri.js';
import type { SipUri } from './uri.js';

const CLASS = CHAR_CLASSES; // a constant of this module: see chars.ts

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

const SPELLINGS = new SpellingTrie(COMMON.map((raw) => [raw, canonical(raw)] as const));

const seenNames = new Map<string, Name>();
const MAX_SEEN_NAMES = 512; // names come off the wire: bound the cache

/** Any other name, `head[start, stop)`, already checked to be a token. */
function otherName(head: string, start: number, stop: number): Name {
  const raw = head.slice(start, stop);
  let known = seenNames.get(raw);
  if (known === undefined) {
    known = canonical(raw);
    if (seenNames.size < MAX_SEEN_NAMES) seenNames.set(raw, known);
  }
  return known;
}

/** The views and raw values a proxy reads, filled as the header lines are read. */
interface KeyHeaders {
  via: Via[];
  contact: NameAddr[];
  route: NameAddr[];
  recordRoute: NameAddr[];
  from?: NameAddr;
  to?: NameAddr;
  cseq?: CSeq;
  callId?: string;
  contentLength?: string;
  contentType?: string;
  maxForwards?: string;
  date?: string;
  /** Contact lines seen, and whether one was `*` (only valid alone). */
  contactLines: number;
  wildcardContact: boolean;
  /** Where the body starts in the text: after the blank line that ends the head. */
  bodyStart: number;
}

function once<T>(current: T | undefined, value: T, name: string): T {
  if (current !== undefined) throw new SipParseError(`multiple ${name} headers`);
  return value;
}

/**
 * Files one complete header value under the key header it is: `text[start, end)` read through the
 * aligned bytes `b` (the head itself, or an unfolded value), `value` being that range as a string.
 */
function pick(picked: KeyHeaders, which: number, text: string, b: Uint8Array, start: number, end: number, value: string): void {
  switch (which) {
    case VIA: readViaList(text, b, start, end, picked.via); break;
    case CONTACT:
      picked.contactLines++;
      if (isWildcardContactAt(b, start, end)) picked.wildcardContact = true;
      else readNameAddrList(text, b, start, end, picked.contact);
      break;
    case ROUTE: readNameAddrList(text, b, start, end, picked.route); break;
    case RECORD_ROUTE: readNameAddrList(text, b, start, end, picked.recordRoute); break;
    case FROM: picked.from = once(picked.from, readNameAddr(text, b, start, end), 'From'); break;
    case TO: picked.to = once(picked.to, readNameAddr(text, b, start, end), 'To'); break;
    case CALL_ID: picked.callId = once(picked.callId, value, 'Call-ID'); break;
    case CSEQ: picked.cseq = once(picked.cseq, readCSeq(text, b, start, end), 'CSeq'); break;
    case CONTENT_LENGTH: picked.contentLength = once(picked.contentLength, value, 'Content-Length'); break;
    case CONTENT_TYPE: picked.contentType = once(picked.contentType, value, 'Content-Type'); break;
    case MAX_FORWARDS: picked.maxForwards = once(picked.maxForwards, value, 'Max-Forwards'); break;
    case DATE: picked.date = value; break;
    default: break;
  }
}

/** Display names of the key headers, by number, for the reasons of values that do not parse. */
const PICKED_NAMES: string[] = [];
for (const [key, which] of Object.entries(PICKED)) PICKED_NAMES[which] = displayName(key);

/** `pick`, with the header named in the reason of a value that does not parse. */
function pickNamed(picked: KeyHeaders, which: number, text: string, b: Uint8Array, start: number, end: number, value: string): void {
  try {
    pick(picked, which, text, b, start, end, value);
  } catch (error) {
    const header = PICKED_NAMES[which]!;
    if (error instanceof SipParseError && !error.reason.includes(header)) {
      throw new SipParseError(`${error.reason} in ${header} header`);
    }
    throw error;
  }
}

/** Index of the CR ending the line that starts at `i`; a LF without its CR is refused. */
function lineEndFrom(text: string, i: number): number {
  // Searching one character is faster than two.
  const lf = text.indexOf('\n', i);
  if (lf === -1) throw new SipParseError('missing end of headers');
  if (text.charCodeAt(lf - 1) !== 13) throw new SipParseError('bare LF in header');
  return lf - 1;
}

function isContinuation(b: Uint8Array, lineStart: number): boolean {
  return b[lineStart] === 32 || b[lineStart] === 9;
}

/** `head[start, stop)` without its leading and trailing LWS. */
function trimmedSlice(head: string, b: Uint8Array, start: number, stop: number): string {
  while (start < stop && (CLASS[b[start]!]! & CharClass.WS) !== 0) start++;
  while (stop > start && (CLASS[b[stop - 1]!]! & CharClass.WS) !== 0) stop--;
  return head.slice(start, stop);
}

/**
 * Reads the header lines from `head[start]` (after the start line) up to the blank line into
 * fields, unfolding continuation lines, and files the key headers in `picked` as each one
 * completes. The blank line is found on the way, which saves searching the head for it first.
 */
function parseHeaderLines(head: string, b: Uint8Array, start: number, picked: KeyHeaders): HeaderField[] {
  const fields: HeaderField[] = [];
  const classes = CLASS;
  let i = start;
  while (b[i] !== 13 || b[i + 1] !== 10) {
    let lineEnd = lineEndFrom(head, i);
    if (isContinuation(b, i)) throw new SipParseError('continuation line without header');
    // The name is checked while it is scanned; the colon must follow it, after optional LWS.
    let known = SPELLINGS.match(b, i, lineEnd);
    let nameEnd = SPELLINGS.end;
    if (nameEnd < lineEnd && (classes[b[nameEnd]!]! & CharClass.TOKEN) !== 0) {
      known = undefined; // a longer name than the spelling it starts with
      nameEnd = scan(b, nameEnd, CharClass.TOKEN, lineEnd);
    }
    let colon = nameEnd;
    while (colon < lineEnd && (classes[b[colon]!]! & CharClass.WS) !== 0) colon++;
    if (colon === lineEnd || b[colon] !== 58 /* : */ || nameEnd === i) {
      const anyColon = head.indexOf(':', i);
      throw new SipParseError(anyColon === -1 || anyColon >= lineEnd ? 'header line without colon' : 'invalid header name');
    }
    const { key, name, picked: which } = known ?? otherName(head, i, nameEnd);
    let valueStart = colon + 1;
    let valueEnd = lineEnd;
    while (valueStart < valueEnd && (classes[b[valueStart]!]! & CharClass.WS) !== 0) valueStart++;
    while (valueEnd > valueStart && (classes[b[valueEnd - 1]!]! & CharClass.WS) !== 0) valueEnd--;
    let value = head.slice(valueStart, valueEnd);
    if (!isContinuation(b, lineEnd + 2)) {
      if (which !== OTHER) pickNamed(picked, which, head, b, valueStart, valueEnd, value);
    } else {
      while (isContinuation(b, lineEnd + 2)) {
        const next = lineEnd + 2;
        lineEnd = lineEndFrom(head, next);
        const more = trimmedSlice(head, b, next, lineEnd);
        if (more) value = value ? value + ' ' + more : more;
      }
      if (which !== OTHER) pickNamed(picked, which, value, codeUnits(value), 0, value.length, value);
    }
    fields.push({ key, name, value });
    i = lineEnd + 2;
  }
  picked.bodyStart = i + 2;
  return fields;
}

/** The number written by 1 to `maxLength` digits, or -1 when `value` is not that. */
function digitsValue(value: string, maxLength: number): number {
  if (value.length === 0 || value.length > maxLength) return -1;
  let number = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Body per Content-Length, applying the datagram rules of RFC 3261 §18.3. It is a view of `data`,
 * not a copy: every datagram, and every message the stream framer cuts out, is a buffer of its own.
 */
function frameBody(data: Buffer, bodyStart: number, contentLength: string | undefined, datagram: boolean): Buffer {
  const available = data.length - bodyStart;
  if (contentLength === undefined) {
    if (!datagram) throw new SipParseError('missing Content-Length');
    return available === 0 ? EMPTY : data.subarray(bodyStart);
  }
  const length = digitsValue(contentLength, 9);
  if (length === -1) throw new SipParseError('invalid Content-Length');
  if (length > available) throw new SipParseError('Content-Length larger than body');
  if (length < available && !datagram) throw new SipParseError('data after message body');
  return length === 0 ? EMPTY : data.subarray(bodyStart, bodyStart + length);
}

const SIP_2_0 = Buffer.from('SIP/2.0');

function checkVersion(version: string): void {
  if (version !== 'SIP/2.0') {
    throw new SipParseError(/^SIP\/\d+\.\d+$/i.test(version) ? 'unsupported SIP version' : 'invalid SIP version');
  }
}

/** The start line, read before the headers: its faults are the first a reader meets. */
type StartLine = { status: number; reason: string } | { method: string; uri: SipUri };

const SIP_2_0_SP = Buffer.from('SIP/2.0 ');

/** The Status-Line `head[0, lineEnd)`. */
function parseStatusLine(head: string, b: Uint8Array, lineEnd: number): StartLine {
  // The usual form, read in place: `SIP/2.0 `, the three digits of the code, a space or the end.
  if (lineEnd >= 11 && holds(b, 0, lineEnd, SIP_2_0_SP) && (lineEnd === 11 || b[11] === 32)) {
    const hundreds = b[8]! - 48;
    const tens = b[9]! - 48;
    const units = b[10]! - 48;
    if (hundreds < 1 || hundreds > 6 || tens < 0 || tens > 9 || units < 0 || units > 9) {
      throw new SipParseError('invalid status code');
    }
    return { status: hundreds * 100 + tens * 10 + units, reason: lineEnd === 11 ? '' : head.slice(12, lineEnd) };
  }
  const line = head.slice(0, lineEnd);
  const sp = line.indexOf(' ');
  if (sp === -1) throw new SipParseError('invalid Status-Line');
  checkVersion(line.slice(0, sp));
  let codeEnd = line.indexOf(' ', sp + 1);
  if (codeEnd === -1) codeEnd = line.length;
  const code = line.slice(sp + 1, codeEnd);
  const status = code.length === 3 ? digitsValue(code, 3) : -1;
  if (status < 100 || status > 699) throw new SipParseError('invalid status code');
  return { status, reason: line.slice(codeEnd + 1) };
}

/** A URI holding LWS fails to parse; the reason then says so rather than what the LWS broke. */
function readRequestUri(head: string, b: Uint8Array, start: number, end: number): SipUri {
  try {
    return readUri(head, b, start, end);
  } catch (error) {
    for (let i = start; i < end; i++) if ((CLASS[b[i]!]! & CharClass.WS) !== 0) throw new SipParseError('whitespace in Request-URI');
    throw error;
  }
}

/** The Request-Line `head[0, lineEnd)`; its URI is parsed in place in the head. */
function parseRequestLine(head: string, b: Uint8Array, lineEnd: number): StartLine {
  if ((CLASS[b[lineEnd - 1]!]! & CharClass.WS) !== 0) throw new SipParseError('trailing whitespace in Request-Line');
  const first = head.indexOf(' ');
  let last = lineEnd - 1;
  while (last > first && b[last] !== 32) last--;
  if (first === -1 || first >= lineEnd || first === last) throw new SipParseError('invalid Request-Line');
  const method = methodAt(head, b, 0, first);
  if (method === undefined) throw new SipParseError('invalid method');
  if (lineEnd - last !== 8 || !holds(b, last + 1, lineEnd, SIP_2_0)) checkVersion(head.slice(last + 1, lineEnd));
  const uriStart = first + 1;
  const uriEnd = last;
  if (uriStart < uriEnd && (b[uriStart] === 32 || b[uriEnd - 1] === 32)) {
    throw new SipParseError('extra whitespace in Request-Line');
  }
  if (b[uriStart] === 60 /* < */) throw new SipParseError('Request-URI enclosed in <>');
  const uri = readRequestUri(head, b, uriStart, uriEnd);
  if (uri.headers.size > 0) throw new SipParseError('Request-URI must not contain headers');
  return { method, uri };
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new SipParseError(`missing ${name} header`);
  return value;
}

const RFC1123_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Mandatory headers and every header a proxy reads: a bad one is a 400 now, not a crash later. */
function validateKeyHeaders(picked: KeyHeaders): HeaderViews & { cseq: CSeq } {
  if (picked.via.length === 0) throw new SipParseError('missing Via header');
  const from = required(picked.from, 'From');
  const to = required(picked.to, 'To');
  const callId = required(picked.callId, 'Call-ID');
  if (callId === '' || callId.includes(' ') || callId.includes('\t')) throw new SipParseError('invalid Call-ID');
  const cseq = required(picked.cseq, 'CSeq');
  if (picked.wildcardContact && picked.contactLines > 1) {
    throw new SipParseError('wildcard Contact is not a name-addr in Contact header');
  }
  // Absent lists are primed empty too: the accessors need not look for them again.
  const views: HeaderViews & { cseq: CSeq } = { callId, via: picked.via, from, to, cseq, route: picked.route, recordRoute: picked.recordRoute };
  if (!picked.wildcardContact) views.contact = picked.contact;
  if (picked.maxForwards !== undefined && digitsValue(picked.maxForwards, 9) === -1) {
    throw new SipParseError('invalid Max-Forwards');
  }
  if (picked.date !== undefined && !RFC1123_DATE.test(picked.date)) throw new SipParseError('invalid Date header');
  return views;
}

export function parseMessage(data: Buffer, opts: ParseOptions = {}): SipMessage {
  const start = skipLeadingCrlf(data);
  // The whole message is decoded at once (without arguments, toString takes node's shortest path):
  // the head's end is found while its lines are read, rather than by a Buffer search, which would
  // cost a call into C++ of its own.
  const text = start === 0 ? data.toString() : data.toString('utf8', start);
  try {
    return parseText(data, start, text, opts.datagram ?? false);
  } catch (error) {
    // A head cut short is the fault to report, whatever broke first in what there is of it.
    if (error instanceof SipParseError && !text.includes('\r\n\r\n')) throw new SipParseError('missing end of headers');
    throw error;
  }
}

/** The message decoded as `text` from `data[start, data.length)`. */
function parseText(data: Buffer, start: number, text: string, datagram: boolean): SipMessage {
  const aligned = text.length === data.length - start;
  const b = messageBytes(data, start, text, aligned);
  const lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) throw new SipParseError('missing end of headers');
  const startLine = text.startsWith('SIP/') ? parseStatusLine(text, b, lineEnd) : parseRequestLine(text, b, lineEnd);
  const picked: KeyHeaders = { via: [], contact: [], route: [], recordRoute: [], contactLines: 0, wildcardContact: false, bodyStart: 0 };
  const headers = SipHeaders.fromFields(parseHeaderLines(text, b, lineEnd + 2, picked));
  // The body's offset in bytes is its offset in the text, unless some bytes decoded to fewer code units.
  const bodyStart = aligned ? start + picked.bodyStart : data.indexOf(CRLFCRLF, start) + 4;
  const body = frameBody(data, bodyStart, picked.contentLength, datagram);
  const msg = 'status' in startLine
    ? new SipResponse(startLine.status, startLine.reason, headers, body)
    : new SipRequest(startLine.method, startLine.uri, headers, body);
  const views = validateKeyHeaders(picked);
  if (msg.kind === 'request' && views.cseq.method !== msg.method) {
    throw new SipParseError('CSeq method does not match request method');
  }
  msg.primeViews(views);
  return msg;
}
