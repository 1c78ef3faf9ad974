// SIP message parser (RFC 3261 §7, §18.3, §25): start line, unfolded headers, Content-Length framing.
// Headers stay raw strings in SipHeaders. The ones a proxy needs are parsed (and so validated) here,
// once, and handed to the message as its cached views.
import { CLASS, TOKEN, WS, is, isToken, scan } from './chars.js';
import { SipParseError } from './errors.js';
import { displayName, headerKey } from './header-names.js';
import { isWildcardContact, parseCSeq, parseNameAddr, parseNameAddrList, parseViaList } from './header-values.js';
import type { CSeq, NameAddr, Via } from './header-values.js';
import { SipHeaders } from './headers.js';
import type { HeaderField } from './headers.js';
import { SipRequest, SipResponse } from './message.js';
import type { SipMessage } from './message.js';
import { parseUri } from './uri.js';

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

// Header names repeat endlessly; canonicalising one (lower case, compact form, display case) is
// worth caching. The usual spellings are matched in place, without slicing the name out.
interface Name {
  key: string;
  name: string;
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
  return { key, name: raw.length === 1 ? displayName(key) : raw };
}

/** Common spellings grouped by length, for an in-place comparison. */
const byLength: { raw: string; known: Name }[][] = [];
for (const raw of COMMON) (byLength[raw.length] ??= []).push({ raw, known: canonical(raw) });

/** `text` holds `word` at `start` (an inlined loop beats a startsWith call for a few characters). */
function sameAt(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

const seenNames = new Map<string, Name>();
const MAX_SEEN_NAMES = 512; // names come off the wire: bound the cache

function canonicalName(head: string, start: number, stop: number): Name {
  const candidates = byLength[stop - start];
  if (candidates !== undefined) {
    for (const candidate of candidates) if (sameAt(head, start, candidate.raw)) return candidate.known;
  }
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

/** Reads the header block (after the start line) into fields, unfolding continuation lines. */
function parseHeaderLines(head: string, start: number): HeaderField[] {
  const fields: HeaderField[] = [];
  let last: HeaderField | undefined;
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
      if (more) last.value = last.value ? last.value + ' ' + more : more;
    } else {
      const nameEnd = scan(head, i, TOKEN);
      let colon = nameEnd;
      while (colon < lineEnd && (CLASS[head.charCodeAt(colon)]! & WS) !== 0) colon++;
      if (nameEnd === i || colon >= lineEnd || head.charCodeAt(colon) !== 58 /* : */) {
        const anyColon = head.indexOf(':', i);
        throw new SipParseError(anyColon !== -1 && anyColon < lineEnd ? 'invalid header name' : 'header line without colon');
      }
      const { key, name } = canonicalName(head, i, nameEnd);
      last = { key, name, value: trimmedSlice(head, colon + 1, lineEnd) };
      fields.push(last);
    }
    i = lineEnd + 2;
  }
  return fields;
}

/** The raw values a proxy reads; single-valued headers may appear once only. */
interface KeyHeaders {
  via: string[];
  contact: string[];
  route: string[];
  recordRoute: string[];
  from?: string;
  to?: string;
  callId?: string;
  cseq?: string;
  contentLength?: string;
  maxForwards?: string;
  date?: string;
}

function once(current: string | undefined, value: string, name: string): string {
  if (current !== undefined) throw new SipParseError(`multiple ${name} headers`);
  return value;
}

function pickKeyHeaders(fields: HeaderField[]): KeyHeaders {
  const picked: KeyHeaders = { via: [], contact: [], route: [], recordRoute: [] };
  let contentType: string | undefined;
  for (const { key, value } of fields) {
    switch (key) {
      case 'via': picked.via.push(value); break;
      case 'contact': picked.contact.push(value); break;
      case 'route': picked.route.push(value); break;
      case 'record-route': picked.recordRoute.push(value); break;
      case 'from': picked.from = once(picked.from, value, 'From'); break;
      case 'to': picked.to = once(picked.to, value, 'To'); break;
      case 'call-id': picked.callId = once(picked.callId, value, 'Call-ID'); break;
      case 'cseq': picked.cseq = once(picked.cseq, value, 'CSeq'); break;
      case 'content-length': picked.contentLength = once(picked.contentLength, value, 'Content-Length'); break;
      case 'content-type': contentType = once(contentType, value, 'Content-Type'); break;
      case 'max-forwards': picked.maxForwards = once(picked.maxForwards, value, 'Max-Forwards'); break;
      case 'date': picked.date = value; break;
      default: break;
    }
  }
  return picked;
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

function parseRequestLine(line: string, headers: SipHeaders, body: Buffer): SipRequest {
  if (is(line.charCodeAt(line.length - 1), WS)) throw new SipParseError('trailing whitespace in Request-Line');
  const first = line.indexOf(' ');
  const last = line.lastIndexOf(' ');
  if (first === -1 || first === last) throw new SipParseError('invalid Request-Line');
  const method = line.slice(0, first);
  if (!isToken(method)) throw new SipParseError('invalid method');
  checkVersion(line.slice(last + 1));
  const uriText = line.slice(first + 1, last);
  if (uriText.charCodeAt(0) === 32 || uriText.charCodeAt(uriText.length - 1) === 32) {
    throw new SipParseError('extra whitespace in Request-Line');
  }
  if (uriText.includes(' ') || uriText.includes('\t')) throw new SipParseError('whitespace in Request-URI');
  if (uriText.charCodeAt(0) === 60 /* < */) throw new SipParseError('Request-URI enclosed in <>');
  const uri = parseUri(uriText);
  if (uri.headers.size > 0) throw new SipParseError('Request-URI must not contain headers');
  return new SipRequest(method, uri, headers, body);
}

/** Parses one header value, naming the header in the error. */
function parseIn<T>(name: string, parse: (value: string) => T, value: string): T {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof SipParseError && !error.reason.includes(name)) {
      throw new SipParseError(`${error.reason} in ${name} header`);
    }
    throw error;
  }
}

function parseListIn<T>(name: string, parse: (value: string) => T[], lines: string[]): T[] {
  if (lines.length === 1) return parseIn(name, parse, lines[0]!);
  const all: T[] = [];
  for (const line of lines) for (const item of parseIn(name, parse, line)) all.push(item);
  return all;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new SipParseError(`missing ${name} header`);
  return value;
}

const RFC1123_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Views parsed while validating; the message receives them as its cache. */
interface KeyViews {
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  cseq: CSeq;
  contact?: NameAddr[];
  route?: NameAddr[];
  recordRoute?: NameAddr[];
}

/** Mandatory headers and every header a proxy reads: a bad one is a 400 now, not a crash later. */
function validateKeyHeaders(picked: KeyHeaders): KeyViews {
  if (picked.via.length === 0) throw new SipParseError('missing Via header');
  const via = parseListIn('Via', parseViaList, picked.via);
  const from = parseIn('From', parseNameAddr, required(picked.from, 'From'));
  const to = parseIn('To', parseNameAddr, required(picked.to, 'To'));
  const callId = required(picked.callId, 'Call-ID');
  if (callId === '' || callId.includes(' ') || callId.includes('\t')) throw new SipParseError('invalid Call-ID');
  const cseq = parseIn('CSeq', parseCSeq, required(picked.cseq, 'CSeq'));
  const views: KeyViews = { via, from, to, cseq };
  const wildcard = picked.contact.length === 1 && isWildcardContact(picked.contact[0]!);
  if (picked.contact.length > 0 && !wildcard) views.contact = parseListIn('Contact', parseNameAddrList, picked.contact);
  if (picked.route.length > 0) views.route = parseListIn('Route', parseNameAddrList, picked.route);
  if (picked.recordRoute.length > 0) {
    views.recordRoute = parseListIn('Record-Route', parseNameAddrList, picked.recordRoute);
  }
  if (picked.maxForwards !== undefined && !isDigits(picked.maxForwards, 9)) {
    throw new SipParseError('invalid Max-Forwards');
  }
  if (picked.date !== undefined && !RFC1123_DATE.test(picked.date)) throw new SipParseError('invalid Date header');
  return views;
}

function primeViews(msg: SipMessage, views: KeyViews): void {
  msg.primeView('via', views.via);
  msg.primeView('from', views.from);
  msg.primeView('to', views.to);
  msg.primeView('cseq', views.cseq);
  if (views.contact) msg.primeView('contact', views.contact);
  if (views.route) msg.primeView('route', views.route);
  if (views.recordRoute) msg.primeView('record-route', views.recordRoute);
}

export function parseMessage(data: Buffer, opts: ParseOptions = {}): SipMessage {
  const start = skipLeadingCrlf(data);
  const headEnd = data.indexOf(CRLFCRLF, start);
  if (headEnd === -1) throw new SipParseError('missing end of headers');
  const head = data.toString('utf8', start, headEnd);
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = head.length;
  const fields = parseHeaderLines(head, lineEnd + 2);
  const picked = pickKeyHeaders(fields);
  const body = frameBody(data, headEnd + 4, picked.contentLength, opts.datagram ?? false);
  const startLine = head.slice(0, lineEnd);
  const headers = SipHeaders.fromFields(fields);
  const msg = startLine.startsWith('SIP/')
    ? parseStatusLine(startLine, headers, body)
    : parseRequestLine(startLine, headers, body);
  const views = validateKeyHeaders(picked);
  if (msg.kind === 'request' && views.cseq.method !== msg.method) {
    throw new SipParseError('CSeq method does not match request method');
  }
  primeViews(msg, views);
  return msg;
}
