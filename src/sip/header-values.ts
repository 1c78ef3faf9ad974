// Structured views of header values: Via, name-addr (From/To/Contact/Route...), CSeq, parameters.
// Values reach these parsers unfolded (no CRLF); LWS is SP/HTAB.
import { CHAR_CLASSES, CharClass, scan, skipWs, trimLws } from './chars.js';
import { codeUnits, holds } from './code-units.js';
import { SipParseError } from './errors.js';
import { LazyMap } from './lazy-map.js';
import { SpellingTrie } from './spelling-trie.js';
import { formatHost, formatUri, hostLength, parseHost, parsePort, readUri } from './uri.js';
import type { SipUri } from './uri.js';

const CLASS = CHAR_CLASSES; // a constant of this module: see chars.ts

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

/** Index just past the closing quote of the quoted-string opening at `b[start]`, before `end`. */
function quotedStringEnd(b: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const code = b[i]!;
    if (code === DQUOTE) return i + 1;
    if (code === BACKSLASH) i++;
  }
  throw new SipParseError('unterminated quoted string');
}

/**
 * `quotedStringEnd` for a parameter value, often long (`+sip.instance="<urn:uuid:...>"`): two searches
 * in the text, each one call to a native scan, take less time than a walk over it byte by byte,
 * unless the string holds a quoted-pair, which only the walk reads.
 */
function quotedValueEnd(s: string, b: Uint8Array, start: number, end: number): number {
  const close = s.indexOf('"', start + 1);
  if (close !== -1 && close < end) {
    const backslash = s.indexOf('\\', start + 1);
    if (backslash === -1 || backslash > close) return close + 1;
  }
  return quotedStringEnd(b, start, end);
}

/** The content of the quoted-string `s[start, end)`, quoted-pairs resolved. */
function unquoteAt(s: string, start: number, end: number): string {
  let out = '';
  let from = start + 1;
  for (let i = from; i < end - 1; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    out += s.slice(from, i);
    i++;
    from = i;
  }
  return from === start + 1 ? s.slice(from, end - 1) : out + s.slice(from, end - 1);
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
  const b = codeUnits(value);
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const code = b[i]!;
    if (code === DQUOTE) i = quotedStringEnd(b, i, value.length) - 1;
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
function nameIs(b: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  // Parameter names are tokens, and no token character but a capital letter ORs 0x20 into a letter.
  for (let k = 0; k < word.length; k++) if ((b[start + k]! | 0x20) !== word[k]) return false;
  return true;
}

// As bytes: charCodeAt on the word would cost a builtin call per character.
const BRANCH = Buffer.from('branch');
const RPORT = Buffer.from('rport');
const TTL = Buffer.from('ttl');

function isTtl(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 1 || end - start > 3) return false;
  let ttl = 0;
  for (let i = start; i < end; i++) {
    const digit = b[i]! - 48;
    if (digit < 0 || digit > 9) return false;
    ttl = ttl * 10 + digit;
  }
  return ttl <= 255;
}

/** RFC 3261 §20.42 and RFC 3581: a branch has a value, rport a port (or none), ttl 0-255. */
function checkViaParam(b: Uint8Array, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
  const hasValue = valueStart !== -1;
  if (nameIs(b, nameStart, nameEnd, BRANCH)) {
    if (!hasValue) throw new SipParseError('invalid Via branch');
  } else if (nameIs(b, nameStart, nameEnd, RPORT)) {
    if (hasValue) parsePort(b, valueStart, valueEnd);
  } else if (nameIs(b, nameStart, nameEnd, TTL)) {
    if (!hasValue || !isTtl(b, valueStart, valueEnd)) throw new SipParseError('invalid Via ttl');
  }
}

/**
 * Reads `*( SEMI generic-param )` from `start` (stopping before `limit`) and returns the index
 * after the last one. Given a Map it stores them, lower-cased names; `via` checks the Via ones.
 */
function readHeaderParams(s: string, b: Uint8Array, start: number, limit: number, into: Params | null, via: boolean): number {
  // Hot path (every Via and name-addr): loops are inline and never read past the end.
  const n = limit;
  const classes = CLASS;
  let i = start;
  for (;;) {
    while (i < n && (classes[b[i]!]! & CharClass.WS) !== 0) i++;
    if (i === n || b[i] !== 59 /* ; */) return i;
    i++;
    while (i < n && (classes[b[i]!]! & CharClass.WS) !== 0) i++;
    const nameStart = i;
    let seen = 0;
    while (i < n) {
      const flags = classes[b[i]!]!;
      if ((flags & CharClass.TOKEN) === 0) break;
      seen |= flags;
      i++;
    }
    if (i === nameStart) throw new SipParseError('invalid header parameter');
    const nameEnd = i;
    while (i < n && (classes[b[i]!]! & CharClass.WS) !== 0) i++;
    let valueStart = -1;
    if (i === n || b[i] !== 61 /* = */) {
      i = nameEnd;
    } else {
      i++;
      while (i < n && (classes[b[i]!]! & CharClass.WS) !== 0) i++;
      valueStart = i;
      if (i < n && b[i] === DQUOTE) i = quotedValueEnd(s, b, i, n);
      else while (i < n && (classes[b[i]!]! & CharClass.GENVALUE) !== 0) i++;
      if (i === valueStart) {
        throw new SipParseError(`invalid ${s.slice(nameStart, nameEnd).toLowerCase()} parameter value`);
      }
    }
    if (via) checkViaParam(b, nameStart, nameEnd, valueStart, i);
    if (into !== null) {
      // Names compare case-insensitively; most are lower case already.
      const name = (seen & CharClass.UPPER) !== 0 ? s.slice(nameStart, nameEnd).toLowerCase() : s.slice(nameStart, nameEnd);
      into.set(name, valueStart === -1 ? null : s.slice(valueStart, i));
    }
  }
}

function fillHeaderParams(s: string, start: number, end: number, into: Params): void {
  readHeaderParams(s, codeUnits(s, start, end), start, end, into, false);
}

/** The parameters from `start`, checked now and built on first read; `end` is left after them. */
function lazyHeaderParams(s: string, b: Uint8Array, start: number, stop: number, via: boolean): Params {
  end = readHeaderParams(s, b, start, stop, null, via);
  return new LazyMap(fillHeaderParams, s, start, end);
}

/** Parses a whole `;a=b;c` parameter string. */
export function parseParams(text: string): Params {
  const params: Params = new Map();
  if (readHeaderParams(text, codeUnits(text), 0, text.length, params, false) !== text.length) {
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
function tokenEnd(b: Uint8Array, start: number, stop: number, what: string): number {
  const end = scan(b, start, CharClass.TOKEN, stop);
  if (end === start) throw new SipParseError(`invalid ${what}`);
  return end;
}

/** `SWS "/" SWS` between sent-protocol parts. */
function expectSlash(b: Uint8Array, i: number, stop: number): number {
  i = skipWs(b, i, stop);
  if (i === stop || b[i] !== 47 /* / */) throw new SipParseError('invalid Via sent-protocol');
  return skipWs(b, i + 1, stop);
}

// The element parsers below read `s[start, stop)`, where `s` is a header value or the whole head of
// the message (saving a slice per header), through `b`, the bytes aligned with `s` (code-units.ts). They
// return their value and leave where it ended in `end`: a hot path that would otherwise allocate a
// { value, next } pair per Via, URI and name-addr.
let end = 0;

const SIP_2_0_SLASH = Buffer.from('SIP/2.0/');

/** Index after `SIP/2.0/`, allowing LWS around the slashes and any case of "SIP". */
function sentProtocolEnd(s: string, b: Uint8Array, start: number, stop: number): number {
  // The value ends before LWS or CR, so the literal cannot run past `stop`.
  if (holds(b, start, stop, SIP_2_0_SLASH)) return start + 8;
  const nameEnd = tokenEnd(b, start, stop, 'Via sent-protocol');
  let i = expectSlash(b, nameEnd, stop);
  const versionEnd = tokenEnd(b, i, stop, 'Via sent-protocol');
  if (s.slice(start, nameEnd).toUpperCase() !== 'SIP' || s.slice(i, versionEnd) !== '2.0') {
    throw new SipParseError('unsupported Via protocol');
  }
  i = expectSlash(b, versionEnd, stop);
  return i;
}

/** Upper-case transport, without allocating for the usual spellings. */
function transportName(s: string, b: Uint8Array, start: number, stop: number): string {
  if (stop - start === 3) {
    const x = b[start];
    const y = b[start + 1];
    const z = b[start + 2];
    if (x === 85 && y === 68 && z === 80) return 'UDP';
    if (x === 84 && y === 67 && z === 80) return 'TCP';
    if (x === 84 && y === 76 && z === 83) return 'TLS';
  }
  return s.slice(start, stop).toUpperCase();
}

function parseViaAt(s: string, b: Uint8Array, start: number, stop: number): Via {
  let i = sentProtocolEnd(s, b, skipWs(b, start, stop), stop);
  const transportEnd = tokenEnd(b, i, stop, 'Via transport');
  const transport = transportName(s, b, i, transportEnd);
  i = skipWs(b, transportEnd, stop);
  if (i === transportEnd) throw new SipParseError('invalid Via sent-by');
  const host = parseHost(s, b, i, stop);
  i = skipWs(b, i + hostLength(b, i, host), stop);
  let port: number | undefined;
  if (i < stop && b[i] === 58 /* : */) {
    const portStart = skipWs(b, i + 1, stop);
    let portEnd = portStart;
    while (portEnd < stop && b[portEnd]! >= 48 && b[portEnd]! <= 57) portEnd++;
    port = parsePort(b, portStart, portEnd);
    i = portEnd;
  }
  const params = lazyHeaderParams(s, b, i, stop, true);
  return port === undefined ? { transport, host, params } : { transport, host, port, params };
}

/** Every Via of one header line (`Via: a, b`). */
export function parseViaList(line: string): Via[] {
  const vias: Via[] = [];
  readViaList(line, codeUnits(line), 0, line.length, vias);
  return vias;
}

/** Appends every Via of the header value `s[start, stop)` to `into`. */
export function readViaList(s: string, b: Uint8Array, start: number, stop: number, into: Via[]): void {
  let i = start;
  for (;;) {
    into.push(parseViaAt(s, b, i, stop));
    if (end === stop) return;
    if (b[end] !== 44 /* , */) throw new SipParseError('invalid Via');
    i = end + 1;
  }
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : ':' + via.port;
  return `SIP/2.0/${via.transport} ${formatHost(via.host)}${port}${formatParams(via.params)}`;
}

function parseBracketedUri(s: string, b: Uint8Array, open: number, stop: number): SipUri {
  const close = s.indexOf('>', open);
  if (close === -1 || close >= stop) throw new SipParseError('unterminated <URI>');
  // LWS inside the brackets is only tolerated by lax parsers (RFC 4475 badaspec); inner LWS fails in parseUri.
  if ((CLASS[b[open + 1]!]! & CharClass.WS) !== 0 || (CLASS[b[close - 1]!]! & CharClass.WS) !== 0) throw new SipParseError('whitespace in URI');
  const uri = readUri(s, b, open + 1, close);
  end = close + 1;
  return uri;
}

/** An addr-spec without `<>`: it ends at `;`, `,` or LWS, and may not carry `?headers` (§20). */
function parseBareUri(s: string, b: Uint8Array, start: number, stop: number): SipUri {
  let i = start;
  while (i < stop) {
    const code = b[i]!;
    if (code === 59 || code === 44 || (CLASS[code]! & CharClass.WS) !== 0) break;
    i++;
  }
  const colon = s.indexOf(':', start);
  if (colon === -1 || colon >= i) {
    const angle = s.indexOf('<', i);
    throw new SipParseError(angle !== -1 && angle < stop ? 'invalid display name' : 'invalid URI');
  }
  const question = s.indexOf('?', start);
  if (question !== -1 && question < i) throw new SipParseError('URI with headers must be enclosed in <>');
  const uri = readUri(s, b, start, i);
  end = i;
  return uri;
}

/** An unquoted display name, `*(token LWS)`: returns the index of `<`, or -1 if none follows. */
function tokenDisplayNameEnd(b: Uint8Array, start: number, stop: number): number {
  let i = start;
  while (i < stop) {
    const code = b[i]!;
    // Non-ASCII is not token, but UAs do send UTF-8 names unquoted; nothing is ambiguous about it.
    if (code !== 60 && ((CLASS[code]! & (CharClass.TOKEN | CharClass.WS)) !== 0 || code >= 128)) i++;
    else break;
  }
  return i < stop && b[i] === 60 /* < */ ? i : -1;
}

function parseNameAddrAt(s: string, b: Uint8Array, start: number, stop: number): NameAddr {
  const i = skipWs(b, start, stop);
  let displayName: string | undefined;
  let uri: SipUri;
  const first = i < stop ? b[i] : -1;
  if (first === 60 /* < */) {
    uri = parseBracketedUri(s, b, i, stop);
  } else if (first === DQUOTE) {
    const quoteEnd = quotedStringEnd(b, i, stop);
    displayName = unquoteAt(s, i, quoteEnd);
    const angle = skipWs(b, quoteEnd, stop);
    if (angle === stop || b[angle] !== 60) throw new SipParseError('expected <URI> after display name');
    uri = parseBracketedUri(s, b, angle, stop);
  } else {
    const angle = tokenDisplayNameEnd(b, i, stop);
    if (angle !== -1) {
      const name = trimLws(s.slice(i, angle));
      if (name) displayName = name;
      uri = parseBracketedUri(s, b, angle, stop);
    } else {
      uri = parseBareUri(s, b, i, stop);
    }
  }
  const params = lazyHeaderParams(s, b, end, stop, false);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** A single-valued name-addr header (From, To, Refer-To...). */
export function parseNameAddr(value: string): NameAddr {
  return readNameAddr(value, codeUnits(value), 0, value.length);
}

/** The single name-addr of the header value `s[start, stop)`. */
export function readNameAddr(s: string, b: Uint8Array, start: number, stop: number): NameAddr {
  const parsed = parseNameAddrAt(s, b, start, stop);
  if (end !== stop) {
    throw new SipParseError(b[end] === 44 ? 'multiple values in single-value header' : 'invalid name-addr');
  }
  return parsed;
}

/** `Contact: *` (REGISTER removing every binding) is not a name-addr. */
export function isWildcardContactAt(b: Uint8Array, start: number, stop: number): boolean {
  const star = skipWs(b, start, stop);
  return star < stop && b[star] === 42 /* * */ && skipWs(b, star + 1, stop) === stop;
}

/** A comma-separated name-addr list (Contact, Route, Record-Route, Path...). */
export function parseNameAddrList(value: string): NameAddr[] {
  const list: NameAddr[] = [];
  readNameAddrList(value, codeUnits(value), 0, value.length, list);
  return list;
}

/** Appends the name-addr list of the header value `s[start, stop)` to `into`. */
export function readNameAddrList(s: string, b: Uint8Array, start: number, stop: number, into: NameAddr[]): void {
  if (isWildcardContactAt(b, start, stop)) throw new SipParseError('wildcard Contact is not a name-addr');
  let i = start;
  for (;;) {
    into.push(parseNameAddrAt(s, b, i, stop));
    if (end === stop) return;
    if (b[end] !== 44) throw new SipParseError('invalid name-addr');
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
  return readCSeq(value, codeUnits(value), 0, value.length);
}

/** The CSeq of the header value `s[start, stop)`. */
export function readCSeq(s: string, b: Uint8Array, start: number, stop: number): CSeq {
  let i = skipWs(b, start, stop);
  const digitsStart = i;
  let seq = 0;
  while (i < stop) {
    const digit = b[i]! - 48;
    if (digit < 0 || digit > 9) break;
    seq = seq * 10 + digit;
    i++;
  }
  if (i === digitsStart) throw new SipParseError('invalid CSeq');
  if (seq > MAX_CSEQ) throw new SipParseError('CSeq number too large');
  const methodStart = skipWs(b, i, stop);
  if (methodStart === i) throw new SipParseError('invalid CSeq');
  let methodEnd = stop;
  while (methodEnd > methodStart && (CLASS[b[methodEnd - 1]!]! & CharClass.WS) !== 0) methodEnd--;
  const method = methodAt(s, b, methodStart, methodEnd);
  if (method === undefined) throw new SipParseError('invalid CSeq');
  return { seq, method };
}

const METHODS = new SpellingTrie(
  ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'UPDATE', 'INFO', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'PRACK', 'MESSAGE', 'PUBLISH'].map(
    (name) => [name, name] as const,
  ),
);

/**
 * The method name `s[start, stop)`, or undefined when that is not one token. The usual methods are
 * one shared string each (saving a copy per message), recognised in the pass that checks them.
 */
export function methodAt(s: string, b: Uint8Array, start: number, stop: number): string | undefined {
  const known = METHODS.match(b, start, stop);
  if (known !== undefined && METHODS.end === stop) return known;
  // The bytes the trie read are capital letters, tokens all.
  return start < stop && scan(b, METHODS.end, CharClass.TOKEN, stop) === stop ? s.slice(start, stop) : undefined;
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
