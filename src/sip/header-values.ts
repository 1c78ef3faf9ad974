// Structured views of header values: Via, name-addr (From/To/Contact/Route...), CSeq, parameters.
// Values reach these parsers unfolded (no CRLF); LWS is SP/HTAB.
import { CLASS, GENVALUE, TOKEN, UPPER, WS, is, scan, skipWs, trimLws } from './chars.js';
import { SipParseError } from './errors.js';
import { LazyMap } from './lazy-map.js';
import { formatHost, formatUri, hostLength, parseHost, parsePort, parseUriIn } from './uri.js';
import type { SipUri } from './uri.js';

/**
 * Header parameters in order. Names are lower-cased (they compare case-insensitively);
 * a parameter without value maps to null; quoted values keep their quotes, so they write back as read.
 * Parsed ones are LazyMaps: checked with the header, built on first read.
 */
export type Params = Map<string, string | null>;

export interface Via {
  /** e.g. `UDP`, `TCP`, `TLS`, `WS`, `WSS` (upper case). */
  transport: string;
  host: string;
  port?: number;
  /** branch, received, rport (null when present without value, RFC 3581), maddr, ttl... */
  params: Params;
}

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters (tag, expires, q, +sip.instance...), not URI parameters. */
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

const DQUOTE = 34;
const BACKSLASH = 92;

/** Index just past the closing quote of the quoted-string opening at `start`, before `end`. */
export function quotedStringEnd(s: string, start: number, end = s.length): number {
  // Native searches first: without a backslash before the next quote, that quote closes it.
  const quote = s.indexOf('"', start + 1);
  if (quote === -1 || quote >= end) throw new SipParseError('unterminated quoted string');
  const backslash = s.indexOf('\\', start + 1);
  if (backslash === -1 || backslash > quote) return quote + 1;
  for (let i = backslash; i < end; i++) {
    const code = s.charCodeAt(i);
    if (code === DQUOTE) return i + 1;
    if (code === BACKSLASH) i++;
  }
  throw new SipParseError('unterminated quoted string');
}

/** The content of a quoted-string (with its quotes), quoted-pairs resolved. */
export function unquote(quoted: string): string {
  if (!quoted.includes('\\')) return quoted.slice(1, -1);
  let out = '';
  for (let i = 1; i < quoted.length - 1; i++) {
    if (quoted.charCodeAt(i) === BACKSLASH) i++;
    out += quoted[i];
  }
  return out;
}

/** A quoted-string for `text`. CR and LF cannot be quoted (RFC 3261 §25.1) and become spaces. */
export function quote(text: string): string {
  return '"' + text.replace(/[\r\n]/g, ' ').replace(/["\\]/g, '\\$&') + '"';
}

/**
 * Splits a comma-separated header value into trimmed elements, ignoring commas inside
 * quoted strings and `<...>`. Empty elements are dropped.
 */
export function splitHeaderList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === DQUOTE) i = quotedStringEnd(value, i) - 1;
    else if (code === 60 /* < */) inAngle = true;
    else if (code === 62 /* > */) inAngle = false;
    else if (code === 44 /* , */ && !inAngle) {
      const item = trimLws(value.slice(start, i));
      if (item) items.push(item);
      start = i + 1;
    }
  }
  const last = trimLws(value.slice(start));
  if (last) items.push(last);
  return items;
}

/** Names of the Via parameters whose value the parser checks, case-insensitively, in place. */
function nameIs(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  // Parameter names are tokens, and no token character but a capital letter ORs 0x20 into a letter.
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(start + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

function isTtl(s: string, start: number, end: number): boolean {
  if (end - start < 1 || end - start > 3) return false;
  let ttl = 0;
  for (let i = start; i < end; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    ttl = ttl * 10 + digit;
  }
  return ttl <= 255;
}

/** RFC 3261 §20.42 and RFC 3581: a branch has a value, rport a port (or none), ttl 0-255. */
function checkViaParam(s: string, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
  const hasValue = valueStart !== -1;
  if (nameIs(s, nameStart, nameEnd, 'branch')) {
    if (!hasValue) throw new SipParseError('invalid Via branch');
  } else if (nameIs(s, nameStart, nameEnd, 'rport')) {
    if (hasValue) parsePort(s, valueStart, valueEnd);
  } else if (nameIs(s, nameStart, nameEnd, 'ttl')) {
    if (!hasValue || !isTtl(s, valueStart, valueEnd)) throw new SipParseError('invalid Via ttl');
  }
}

/**
 * Reads `*( SEMI generic-param )` from `start` (stopping before `limit`) and returns the index
 * after the last one. Given a Map it stores them, lower-cased names; `via` checks the Via ones.
 */
function readHeaderParams(s: string, start: number, limit: number, into: Params | null, via: boolean): number {
  // Hot path (every Via and name-addr): loops are inline and never read past the end, which
  // would turn the character code into NaN and the whole loop into floating point.
  const n = limit;
  let i = start;
  for (;;) {
    while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
    if (i === n || s.charCodeAt(i) !== 59 /* ; */) return i;
    i++;
    while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
    const nameStart = i;
    let seen = 0;
    while (i < n) {
      const flags = CLASS[s.charCodeAt(i)]!;
      if ((flags & TOKEN) === 0) break;
      seen |= flags;
      i++;
    }
    if (i === nameStart) throw new SipParseError('invalid header parameter');
    const nameEnd = i;
    while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
    let valueStart = -1;
    if (i === n || s.charCodeAt(i) !== 61 /* = */) {
      i = nameEnd;
    } else {
      i++;
      while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
      valueStart = i;
      if (i < n && s.charCodeAt(i) === DQUOTE) i = quotedStringEnd(s, i, n);
      else while (i < n && (CLASS[s.charCodeAt(i)]! & GENVALUE) !== 0) i++;
      if (i === valueStart) {
        throw new SipParseError(`invalid ${s.slice(nameStart, nameEnd).toLowerCase()} parameter value`);
      }
    }
    if (via) checkViaParam(s, nameStart, nameEnd, valueStart, i);
    if (into !== null) {
      // Names compare case-insensitively; most are lower case already.
      const name = (seen & UPPER) !== 0 ? s.slice(nameStart, nameEnd).toLowerCase() : s.slice(nameStart, nameEnd);
      into.set(name, valueStart === -1 ? null : s.slice(valueStart, i));
    }
  }
}

function fillHeaderParams(s: string, start: number, end: number, into: Params): void {
  readHeaderParams(s, start, end, into, false);
}

/** The parameters from `start`, checked now and built on first read; `end` is left after them. */
function lazyHeaderParams(s: string, start: number, stop: number, via: boolean): Params {
  end = readHeaderParams(s, start, stop, null, via);
  return new LazyMap(fillHeaderParams, s, start, end);
}

/** Parses a whole `;a=b;c` parameter string. */
export function parseParams(text: string): Params {
  const params: Params = new Map();
  if (readHeaderParams(text, 0, text.length, params, false) !== text.length) {
    throw new SipParseError('invalid header parameter');
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? ';' + name : ';' + name + '=' + value;
  return out;
}

/** End of a token at `start` (must be non-empty). */
function tokenEnd(s: string, start: number, stop: number, what: string): number {
  const end = scan(s, start, TOKEN, stop);
  if (end === start) throw new SipParseError(`invalid ${what}`);
  return end;
}

/** `SWS "/" SWS` between sent-protocol parts. */
function expectSlash(s: string, i: number, stop: number): number {
  i = skipWs(s, i, stop);
  if (i === stop || s.charCodeAt(i) !== 47 /* / */) throw new SipParseError('invalid Via sent-protocol');
  return skipWs(s, i + 1, stop);
}

// The element parsers below read `s[start, stop)`, where `s` is a header value or the whole head of
// the message (saving a slice per header, and reading a flat string is faster than a slice). They
// return their value and leave where it ended in `end`: a hot path that would otherwise allocate a
// { value, next } pair per Via, URI and name-addr.
let end = 0;

/** Index after `SIP/2.0/`, allowing LWS around the slashes and any case of "SIP". */
function sentProtocolEnd(s: string, start: number, stop: number): number {
  // The value ends before LWS or CR, so the literal cannot run past `stop`.
  if (s.startsWith('SIP/2.0/', start)) return start + 8;
  const nameEnd = tokenEnd(s, start, stop, 'Via sent-protocol');
  let i = expectSlash(s, nameEnd, stop);
  const versionEnd = tokenEnd(s, i, stop, 'Via sent-protocol');
  if (s.slice(start, nameEnd).toUpperCase() !== 'SIP' || s.slice(i, versionEnd) !== '2.0') {
    throw new SipParseError('unsupported Via protocol');
  }
  i = expectSlash(s, versionEnd, stop);
  return i;
}

/** Upper-case transport, without allocating for the usual spellings. */
function transportName(s: string, start: number, stop: number): string {
  if (stop - start === 3) {
    const a = s.charCodeAt(start);
    const b = s.charCodeAt(start + 1);
    const c = s.charCodeAt(start + 2);
    if (a === 85 && b === 68 && c === 80) return 'UDP';
    if (a === 84 && b === 67 && c === 80) return 'TCP';
    if (a === 84 && b === 76 && c === 83) return 'TLS';
  }
  return s.slice(start, stop).toUpperCase();
}

function parseViaAt(s: string, start: number, stop: number): Via {
  let i = sentProtocolEnd(s, skipWs(s, start, stop), stop);
  const transportEnd = tokenEnd(s, i, stop, 'Via transport');
  const transport = transportName(s, i, transportEnd);
  i = skipWs(s, transportEnd, stop);
  if (i === transportEnd) throw new SipParseError('invalid Via sent-by');
  const host = parseHost(s, i, stop);
  i = skipWs(s, i + hostLength(s, i, host), stop);
  let port: number | undefined;
  if (i < stop && s.charCodeAt(i) === 58 /* : */) {
    const portStart = skipWs(s, i + 1, stop);
    let portEnd = portStart;
    while (portEnd < stop && s.charCodeAt(portEnd) >= 48 && s.charCodeAt(portEnd) <= 57) portEnd++;
    port = parsePort(s, portStart, portEnd);
    i = portEnd;
  }
  const params = lazyHeaderParams(s, i, stop, true);
  return port === undefined ? { transport, host, params } : { transport, host, port, params };
}

/** Every Via of one header line (`Via: a, b`). */
export function parseViaList(line: string): Via[] {
  return parseViaListIn(line, 0, line.length);
}

/** Every Via of the header value `s[start, stop)`. */
export function parseViaListIn(s: string, start: number, stop: number): Via[] {
  const vias: Via[] = [];
  let i = start;
  for (;;) {
    vias.push(parseViaAt(s, i, stop));
    if (end === stop) return vias;
    if (s.charCodeAt(end) !== 44 /* , */) throw new SipParseError('invalid Via');
    i = end + 1;
  }
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : ':' + via.port;
  return `SIP/2.0/${via.transport} ${formatHost(via.host)}${port}${formatParams(via.params)}`;
}

function parseBracketedUri(s: string, open: number, stop: number): SipUri {
  const close = s.indexOf('>', open);
  if (close === -1 || close >= stop) throw new SipParseError('unterminated <URI>');
  // LWS inside the brackets is only tolerated by lax parsers (RFC 4475 badaspec); inner LWS fails in parseUri.
  if (is(s.charCodeAt(open + 1), WS) || is(s.charCodeAt(close - 1), WS)) throw new SipParseError('whitespace in URI');
  const uri = parseUriIn(s, open + 1, close);
  end = close + 1;
  return uri;
}

/** An addr-spec without `<>`: it ends at `;`, `,` or LWS, and may not carry `?headers` (§20). */
function parseBareUri(s: string, start: number, stop: number): SipUri {
  let i = start;
  while (i < stop) {
    const code = s.charCodeAt(i);
    if (code === 59 || code === 44 || is(code, WS)) break;
    i++;
  }
  const colon = s.indexOf(':', start);
  if (colon === -1 || colon >= i) {
    const angle = s.indexOf('<', i);
    throw new SipParseError(angle !== -1 && angle < stop ? 'invalid display name' : 'invalid URI');
  }
  const question = s.indexOf('?', start);
  if (question !== -1 && question < i) throw new SipParseError('URI with headers must be enclosed in <>');
  const uri = parseUriIn(s, start, i);
  end = i;
  return uri;
}

/** An unquoted display name, `*(token LWS)`: returns the index of `<`, or -1 if none follows. */
function tokenDisplayNameEnd(s: string, start: number, stop: number): number {
  let i = start;
  while (i < stop) {
    const code = s.charCodeAt(i);
    // Non-ASCII is not token, but UAs do send UTF-8 names unquoted; nothing is ambiguous about it.
    if (code !== 60 && (is(code, TOKEN) || is(code, WS) || code >= 128)) i++;
    else break;
  }
  return i < stop && s.charCodeAt(i) === 60 /* < */ ? i : -1;
}

function parseNameAddrAt(s: string, start: number, stop: number): NameAddr {
  const i = skipWs(s, start, stop);
  let displayName: string | undefined;
  let uri: SipUri;
  const first = i < stop ? s.charCodeAt(i) : -1;
  if (first === 60 /* < */) {
    uri = parseBracketedUri(s, i, stop);
  } else if (first === DQUOTE) {
    const quoteEnd = quotedStringEnd(s, i, stop);
    displayName = unquote(s.slice(i, quoteEnd));
    const angle = skipWs(s, quoteEnd, stop);
    if (angle === stop || s.charCodeAt(angle) !== 60) throw new SipParseError('expected <URI> after display name');
    uri = parseBracketedUri(s, angle, stop);
  } else {
    const angle = tokenDisplayNameEnd(s, i, stop);
    if (angle !== -1) {
      const name = trimLws(s.slice(i, angle));
      if (name) displayName = name;
      uri = parseBracketedUri(s, angle, stop);
    } else {
      uri = parseBareUri(s, i, stop);
    }
  }
  const params = lazyHeaderParams(s, end, stop, false);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** A single-valued name-addr header (From, To, Refer-To...). */
export function parseNameAddr(value: string): NameAddr {
  return parseNameAddrIn(value, 0, value.length);
}

/** The single name-addr of the header value `s[start, stop)`. */
export function parseNameAddrIn(s: string, start: number, stop: number): NameAddr {
  const parsed = parseNameAddrAt(s, start, stop);
  if (end !== stop) {
    throw new SipParseError(s.charCodeAt(end) === 44 ? 'multiple values in single-value header' : 'invalid name-addr');
  }
  return parsed;
}

/** `Contact: *` (REGISTER removing every binding) is not a name-addr. */
export function isWildcardContact(value: string): boolean {
  return isWildcardContactIn(value, 0, value.length);
}

export function isWildcardContactIn(s: string, start: number, stop: number): boolean {
  const star = skipWs(s, start, stop);
  return star < stop && s.charCodeAt(star) === 42 /* * */ && skipWs(s, star + 1, stop) === stop;
}

/** A comma-separated name-addr list (Contact, Route, Record-Route, Path...). */
export function parseNameAddrList(value: string): NameAddr[] {
  return parseNameAddrListIn(value, 0, value.length);
}

/** The name-addr list of the header value `s[start, stop)`. */
export function parseNameAddrListIn(s: string, start: number, stop: number): NameAddr[] {
  if (isWildcardContactIn(s, start, stop)) throw new SipParseError('wildcard Contact is not a name-addr');
  const list: NameAddr[] = [];
  let i = start;
  for (;;) {
    list.push(parseNameAddrAt(s, i, stop));
    if (end === stop) return list;
    if (s.charCodeAt(end) !== 44) throw new SipParseError('invalid name-addr');
    i = end + 1;
  }
}

export function formatNameAddr(value: NameAddr): string {
  const name = value.displayName === undefined ? '' : quote(value.displayName) + ' ';
  return `${name}<${formatUri(value.uri)}>${formatParams(value.params)}`;
}

const MAX_CSEQ = 2 ** 31 - 1;

/** `CSeq: 1*DIGIT LWS Method`; the number must be below 2**31 (RFC 3261 §8.1.1.5). */
export function parseCSeq(value: string): CSeq {
  const start = skipWs(value, 0);
  let i = start;
  let seq = 0;
  while (i < value.length) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
    i++;
  }
  if (i === start) throw new SipParseError('invalid CSeq');
  if (seq > MAX_CSEQ) throw new SipParseError('CSeq number too large');
  const methodStart = skipWs(value, i);
  if (methodStart === i) throw new SipParseError('invalid CSeq');
  const methodEnd = scan(value, methodStart, TOKEN);
  if (methodEnd === methodStart || skipWs(value, methodEnd) !== value.length) throw new SipParseError('invalid CSeq');
  return { seq, method: value.slice(methodStart, methodEnd) };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
