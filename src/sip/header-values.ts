// Structured views of header values: Via, name-addr (From/To/Contact/Route...), CSeq, parameters.
// Values reach these parsers unfolded (no CRLF); LWS is SP/HTAB.
import { CLASS, GENVALUE, TOKEN, UPPER, WS, is, scan, skipWs, trimLws } from './chars.js';
import { SipParseError } from './errors.js';
import { formatHost, formatUri, hostLength, parseHost, parsePort, parseUri } from './uri.js';
import type { SipUri } from './uri.js';

/**
 * Header parameters in order. Names are lower-cased (they compare case-insensitively);
 * a parameter without value maps to null; quoted values keep their quotes, so they write back as read.
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

/** Index just past the closing quote of the quoted-string opening at `start`. */
export function quotedStringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
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

/** Reads `*( SEMI generic-param )` from `start` into `params`; returns the index after the last one. */
export function parseParamsAt(s: string, start: number, params: Params): number {
  // Hot path (every Via and name-addr): loops are inline and never read past the end, which
  // would turn the character code into NaN and the whole loop into floating point.
  const n = s.length;
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
    // Names compare case-insensitively; most are lower case already.
    const name = (seen & UPPER) !== 0 ? s.slice(nameStart, i).toLowerCase() : s.slice(nameStart, i);
    const nameEnd = i;
    while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
    if (i === n || s.charCodeAt(i) !== 61 /* = */) {
      params.set(name, null);
      i = nameEnd;
      continue;
    }
    i++;
    while (i < n && (CLASS[s.charCodeAt(i)]! & WS) !== 0) i++;
    const valueStart = i;
    if (i < n && s.charCodeAt(i) === DQUOTE) i = quotedStringEnd(s, i);
    else while (i < n && (CLASS[s.charCodeAt(i)]! & GENVALUE) !== 0) i++;
    if (i === valueStart) throw new SipParseError(`invalid ${name} parameter value`);
    params.set(name, s.slice(valueStart, i));
  }
}

/** Parses a whole `;a=b;c` parameter string. */
export function parseParams(text: string): Params {
  const params: Params = new Map();
  if (parseParamsAt(text, 0, params) !== text.length) throw new SipParseError('invalid header parameter');
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? ';' + name : ';' + name + '=' + value;
  return out;
}

/** End of a token at `start` (must be non-empty). */
function tokenEnd(s: string, start: number, what: string): number {
  const end = scan(s, start, TOKEN);
  if (end === start) throw new SipParseError(`invalid ${what}`);
  return end;
}

/** `SWS "/" SWS` between sent-protocol parts. */
function expectSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 47 /* / */) throw new SipParseError('invalid Via sent-protocol');
  return skipWs(s, i + 1);
}

function checkViaParams(params: Params): void {
  const rport = params.get('rport');
  if (rport) parsePort(rport, 0, rport.length);
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) {
    throw new SipParseError('invalid Via ttl');
  }
  if (params.get('branch') === null) throw new SipParseError('invalid Via branch');
}

// The element parsers below return their value and leave where it ended in `end`: a hot path
// that would otherwise allocate a { value, next } pair per Via, URI and name-addr.
let end = 0;

/** Index after `SIP/2.0/`, allowing LWS around the slashes and any case of "SIP". */
function sentProtocolEnd(s: string, start: number): number {
  if (s.startsWith('SIP/2.0/', start)) return start + 8;
  const nameEnd = tokenEnd(s, start, 'Via sent-protocol');
  let i = expectSlash(s, nameEnd);
  const versionEnd = tokenEnd(s, i, 'Via sent-protocol');
  if (s.slice(start, nameEnd).toUpperCase() !== 'SIP' || s.slice(i, versionEnd) !== '2.0') {
    throw new SipParseError('unsupported Via protocol');
  }
  i = expectSlash(s, versionEnd);
  return i;
}

/** Upper-case transport, without allocating for the usual spellings. */
function transportName(s: string, start: number, stop: number): string {
  switch (stop - start) {
    case 3:
      if (s.startsWith('UDP', start)) return 'UDP';
      if (s.startsWith('TCP', start)) return 'TCP';
      if (s.startsWith('TLS', start)) return 'TLS';
      break;
    case 2:
      if (s.startsWith('WS', start)) return 'WS';
      break;
    default:
      break;
  }
  return s.slice(start, stop).toUpperCase();
}

function parseViaAt(s: string, start: number): Via {
  let i = sentProtocolEnd(s, skipWs(s, start));
  const transportEnd = tokenEnd(s, i, 'Via transport');
  const transport = transportName(s, i, transportEnd);
  i = skipWs(s, transportEnd);
  if (i === transportEnd) throw new SipParseError('invalid Via sent-by');
  const host = parseHost(s, i, s.length);
  i = skipWs(s, i + hostLength(s, i, host));
  let port: number | undefined;
  if (s.charCodeAt(i) === 58 /* : */) {
    const portStart = skipWs(s, i + 1);
    let portEnd = portStart;
    while (portEnd < s.length && s.charCodeAt(portEnd) >= 48 && s.charCodeAt(portEnd) <= 57) portEnd++;
    port = parsePort(s, portStart, portEnd);
    i = portEnd;
  }
  const params: Params = new Map();
  end = parseParamsAt(s, i, params);
  checkViaParams(params);
  return port === undefined ? { transport, host, params } : { transport, host, port, params };
}

/** Every Via of one header line (`Via: a, b`). */
export function parseViaList(line: string): Via[] {
  const vias: Via[] = [];
  let i = 0;
  for (;;) {
    vias.push(parseViaAt(line, i));
    if (end === line.length) return vias;
    if (line.charCodeAt(end) !== 44 /* , */) throw new SipParseError('invalid Via');
    i = end + 1;
  }
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : ':' + via.port;
  return `SIP/2.0/${via.transport} ${formatHost(via.host)}${port}${formatParams(via.params)}`;
}

function parseBracketedUri(s: string, open: number): SipUri {
  const close = s.indexOf('>', open);
  if (close === -1) throw new SipParseError('unterminated <URI>');
  // LWS inside the brackets is only tolerated by lax parsers (RFC 4475 badaspec); inner LWS fails in parseUri.
  if (is(s.charCodeAt(open + 1), WS) || is(s.charCodeAt(close - 1), WS)) throw new SipParseError('whitespace in URI');
  end = close + 1;
  return parseUri(s.slice(open + 1, close));
}

/** An addr-spec without `<>`: it ends at `;`, `,` or LWS, and may not carry `?headers` (§20). */
function parseBareUri(s: string, start: number): SipUri {
  let i = start;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    if (code === 59 || code === 44 || is(code, WS)) break;
    i++;
  }
  const text = s.slice(start, i);
  if (!text.includes(':')) {
    throw new SipParseError(s.indexOf('<', i) !== -1 ? 'invalid display name' : 'invalid URI');
  }
  if (text.includes('?')) throw new SipParseError('URI with headers must be enclosed in <>');
  end = i;
  return parseUri(text);
}

/** An unquoted display name, `*(token LWS)`: returns the index of `<`, or -1 if none follows. */
function tokenDisplayNameEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    // Non-ASCII is not token, but UAs do send UTF-8 names unquoted; nothing is ambiguous about it.
    if (code !== 60 && (is(code, TOKEN) || is(code, WS) || code >= 128)) i++;
    else break;
  }
  return s.charCodeAt(i) === 60 /* < */ ? i : -1;
}

function parseNameAddrAt(s: string, start: number): NameAddr {
  const i = skipWs(s, start);
  let displayName: string | undefined;
  let uri: SipUri;
  const first = s.charCodeAt(i);
  if (first === 60 /* < */) {
    uri = parseBracketedUri(s, i);
  } else if (first === DQUOTE) {
    const quoteEnd = quotedStringEnd(s, i);
    displayName = unquote(s.slice(i, quoteEnd));
    const angle = skipWs(s, quoteEnd);
    if (s.charCodeAt(angle) !== 60) throw new SipParseError('expected <URI> after display name');
    uri = parseBracketedUri(s, angle);
  } else {
    const angle = tokenDisplayNameEnd(s, i);
    if (angle !== -1) {
      const name = trimLws(s.slice(i, angle));
      if (name) displayName = name;
      uri = parseBracketedUri(s, angle);
    } else {
      uri = parseBareUri(s, i);
    }
  }
  const params: Params = new Map();
  end = parseParamsAt(s, end, params);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** A single-valued name-addr header (From, To, Refer-To...). */
export function parseNameAddr(value: string): NameAddr {
  const parsed = parseNameAddrAt(value, 0);
  if (end !== value.length) {
    throw new SipParseError(value.charCodeAt(end) === 44 ? 'multiple values in single-value header' : 'invalid name-addr');
  }
  return parsed;
}

/** `Contact: *` (REGISTER removing every binding) is not a name-addr. */
export function isWildcardContact(value: string): boolean {
  return trimLws(value) === '*';
}

/** A comma-separated name-addr list (Contact, Route, Record-Route, Path...). */
export function parseNameAddrList(value: string): NameAddr[] {
  if (isWildcardContact(value)) throw new SipParseError('wildcard Contact is not a name-addr');
  const list: NameAddr[] = [];
  let i = 0;
  for (;;) {
    list.push(parseNameAddrAt(value, i));
    if (end === value.length) return list;
    if (value.charCodeAt(end) !== 44) throw new SipParseError('invalid name-addr');
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
