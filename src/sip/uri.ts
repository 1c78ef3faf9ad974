// SIP, SIPS and TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966), plus any other absoluteURI kept opaque.
import { CHAR_CLASSES, CharClass, is } from './chars.js';
import { codeUnits, holds } from './code-units.js';
import { SipParseError } from './errors.js';
import { LazyMap } from './lazy-map.js';

const CLASS = CHAR_CLASSES; // a constant of this module: see chars.ts

/** `other` is an absoluteURI of an unsupported scheme: valid syntax, rejected by the application (416). */
export type UriScheme = 'sip' | 'sips' | 'tel' | 'other';

export interface SipUri {
  scheme: UriScheme;
  /** Unescaped user part (for tel: the number). */
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference *without* brackets. Empty for tel: URIs. */
  host: string;
  port?: number;
  /** URI parameters in order; a parameter without value maps to null. Names keep their case. */
  params: Map<string, string | null>;
  /** URI headers (`?a=b&c=d`), unescaped. */
  headers: Map<string, string>;
  /** For scheme `other` only: the whole URI text as received (e.g. `urn:service:sos`). */
  opaque?: string;
}

const HEX = '0123456789ABCDEF';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Checks `b[start, end)` against a character class plus `%HH` escapes; true when it holds escapes.
 */
function checkPart(b: Uint8Array, start: number, end: number, flag: number, what: string): boolean {
  const classes = CLASS;
  let escapes = false;
  for (let i = start; i < end; i++) {
    const code = b[i]!;
    if (code === 37) {
      if (i + 2 >= end) throw new SipParseError(`bad escape in URI ${what}`);
      if (hexValue(b[i + 1]!) < 0 || hexValue(b[i + 2]!) < 0) {
        throw new SipParseError(`bad escape in URI ${what}`);
      }
      escapes = true;
      i += 2;
    } else if ((classes[code]! & flag) === 0) {
      throw new SipParseError(`invalid character in URI ${what}`);
    }
  }
  return escapes;
}

/** `text[start, end)` with its escapes decoded: UTF-8, or Latin-1 when the bytes are not valid UTF-8. */
function decodeEscapes(text: string, start: number, end: number): string {
  const bytes: number[] = [];
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 37) {
      bytes.push(hexValue(text.charCodeAt(i + 1)) * 16 + hexValue(text.charCodeAt(i + 2)));
      i += 2;
    } else {
      bytes.push(code);
    }
  }
  const raw = Uint8Array.from(bytes);
  try {
    return utf8.decode(raw);
  } catch {
    return Buffer.from(raw).toString('latin1');
  }
}

/** Checks `text[start, end)` against a character class (plus `%HH` escapes) and returns it unescaped. */
function unescapePart(text: string, b: Uint8Array, start: number, end: number, flag: number, what: string): string {
  return checkPart(b, start, end, flag, what) ? decodeEscapes(text, start, end) : text.slice(start, end);
}

/** Escapes every character outside the class (and `%`) as UTF-8 `%HH`. */
export function escapePart(value: string, flag: number): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!is(code, flag)) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte < 128 && (CLASS[byte]! & flag) !== 0) out += String.fromCharCode(byte);
    else out += '%' + HEX[byte >> 4]! + HEX[byte & 15]!;
  }
  return out;
}

/** Scheme of the URI at `text[start, end)`, lower-cased, and the index after its colon. */
function parseScheme(text: string, b: Uint8Array, start: number, end: number): { scheme: string; rest: number } {
  const colon = text.indexOf(':', start);
  if (colon <= start || colon >= end) throw new SipParseError('invalid URI: missing scheme');
  for (let i = start; i < colon; i++) {
    const code = b[i]! | 0x20;
    const alpha = code >= 97 && code <= 122;
    if (!alpha && (i === start || !'0123456789+-.'.includes(text[i]!))) throw new SipParseError('invalid URI scheme');
  }
  return { scheme: text.slice(start, colon).toLowerCase(), rest: colon + 1 };
}

/** Port digits `b[start, end)`: 0-65535. */
export function parsePort(b: Uint8Array, start: number, end: number): number {
  if (start === end || end - start > 5) throw new SipParseError('invalid port');
  let port = 0;
  for (let i = start; i < end; i++) {
    const digit = b[i]! - 48;
    if (digit < 0 || digit > 9) throw new SipParseError('invalid port');
    port = port * 10 + digit;
  }
  if (port > 65535) throw new SipParseError('invalid port');
  return port;
}

const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * Host at `text[start..end)`: IPv6 reference or hostname/IPv4, returned without brackets.
 * It ends at `start + hostLength(text, start, host)`.
 */
export function parseHost(text: string, b: Uint8Array, start: number, end: number): string {
  if (b[start] === 91 /* [ */ && start < end) {
    const close = text.indexOf(']', start);
    if (close === -1 || close >= end) throw new SipParseError('unterminated IPv6 reference');
    const host = text.slice(start + 1, close);
    if (host.length < 2 || !IPV6.test(host) || !host.includes(':')) throw new SipParseError('invalid IPv6 reference');
    return host;
  }
  const classes = CLASS;
  let i = start;
  while (i < end && (classes[b[i]!]! & CharClass.HOST) !== 0) i++;
  if (i === start) throw new SipParseError('invalid URI host');
  return text.slice(start, i);
}

/** Characters the host parsed at `start` took in the text (brackets included). */
export function hostLength(b: Uint8Array, start: number, host: string): number {
  return b[start] === 91 ? host.length + 2 : host.length;
}

/**
 * Checks the `;name[=value]` parameters from `text[start]` (a ';') up to `end` or the `?` of the
 * URI headers, and returns where they stopped. Given a Map it stores them unescaped: the parser
 * checks, the LazyMap stores on first read.
 */
function readUriParams(text: string, b: Uint8Array, start: number, end: number, into: Map<string, string | null> | null): number {
  const classes = CLASS;
  let i = start;
  while (i < end && b[i] !== 63 /* ? */) {
    const nameStart = i + 1;
    let eq = -1;
    // One pass finds the delimiters and checks the characters; escapes (rare) take the slower
    // checking path, which also reports the offending character.
    let plain = true;
    let j = nameStart;
    for (; j < end; j++) {
      const code = b[j]!;
      if (code === 59 /* ; */ || code === 63 /* ? */) break;
      if (code === 61 /* = */ && eq === -1) eq = j;
      else if ((classes[code]! & CharClass.PARAM) === 0) plain = false;
    }
    const nameEnd = eq === -1 ? j : eq;
    if (nameEnd === nameStart || eq + 1 === j) throw new SipParseError('invalid URI parameter');
    if (!plain) {
      checkPart(b, nameStart, nameEnd, CharClass.PARAM, 'parameter');
      if (eq !== -1) checkPart(b, eq + 1, j, CharClass.PARAM, 'parameter');
    }
    if (into !== null) {
      const name = plain ? text.slice(nameStart, nameEnd) : decodeEscapes(text, nameStart, nameEnd);
      const value = eq === -1 ? null : plain ? text.slice(eq + 1, j) : decodeEscapes(text, eq + 1, j);
      into.set(name, value);
    }
    i = j;
  }
  return i;
}

/** LazyMap filler of URI parameters: the text was checked when parsed, so only its bytes are made again. */
function fillUriParams(text: string, start: number, end: number, into: Map<string, string | null>): void {
  readUriParams(text, codeUnits(text, start, end), start, end, into);
}

/** Checks the `name=value&...` headers in `text[start, end)` and, given a Map, stores them unescaped. */
function readUriHeaders(text: string, b: Uint8Array, start: number, end: number, into: Map<string, string> | null): void {
  let i = start;
  while (i < end) {
    let stop = text.indexOf('&', i);
    if (stop === -1 || stop > end) stop = end;
    const eq = text.indexOf('=', i);
    if (eq === -1 || eq > stop || eq === i) throw new SipParseError('invalid URI header');
    if (into === null) {
      checkPart(b, i, eq, CharClass.HNV, 'header');
      checkPart(b, eq + 1, stop, CharClass.HNV, 'header');
    } else {
      into.set(unescapePart(text, b, i, eq, CharClass.HNV, 'header'), unescapePart(text, b, eq + 1, stop, CharClass.HNV, 'header'));
    }
    i = stop + 1;
  }
}

function fillUriHeaders(text: string, start: number, end: number, into: Map<string, string>): void {
  readUriHeaders(text, codeUnits(text, start, end), start, end, into);
}

/** Parameters of a tel URI, `text[start, end)`: checked now and built on first read. */
function telParams(text: string, b: Uint8Array, start: number, end: number): Map<string, string | null> {
  if (readUriParams(text, b, start, end, null) !== end) throw new SipParseError('invalid character in URI parameter');
  return new LazyMap(fillUriParams, text, start, end);
}

/** Index of the byte `code` in `b[from, end)`, or -1: a URI is short, and `indexOf` on the text could run to its end. */
function indexBefore(b: Uint8Array, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === code) return i;
  return -1;
}

function parseSipUri(text: string, b: Uint8Array, scheme: 'sip' | 'sips', start: number, end: number): SipUri {
  let i = start;
  let user: string | undefined;
  let password: string | undefined;
  // Most users and hosts are letters, digits, dots and dashes: one scan over those finds the end of
  // the first part, and the byte that stopped it tells which part that was.
  const classes = CLASS;
  let first = i;
  while (first < end && (classes[b[first]!]! & CharClass.HOST) !== 0) first++;
  // '@' may only delimit the userinfo: it is neither user, host, param nor header character.
  const plainUser = first > i && b[first] === 64 /* @ */;
  const at = plainUser ? first : indexBefore(b, 64, first, end);
  if (plainUser) {
    user = text.slice(i, at); // host characters are user characters, none an escape
    i = at + 1;
  } else if (at !== -1) {
    const colon = indexBefore(b, 58 /* : */, i, at);
    if (colon !== -1) {
      user = unescapePart(text, b, i, colon, CharClass.USER, 'user');
      password = unescapePart(text, b, colon + 1, at, CharClass.PASSWORD, 'password');
    } else {
      user = unescapePart(text, b, i, at, CharClass.USER, 'user');
    }
    if (user === '') throw new SipParseError('empty URI user');
    i = at + 1;
  }
  // No search for the `?` of the headers: `text` may be the whole head, and the scans below stop at it.
  // Without a user, the run scanned first is the host already.
  const host = at === -1 && first > i ? text.slice(i, first) : parseHost(text, b, i, end);
  i += hostLength(b, i, host);
  let port: number | undefined;
  if (i < end && b[i] === 58 /* : */) {
    let portEnd = i + 1;
    while (portEnd < end && b[portEnd] !== 59 && b[portEnd] !== 63) portEnd++;
    port = parsePort(b, i + 1, portEnd);
    i = portEnd;
  }
  if (i < end && b[i] !== 59 /* ; */ && b[i] !== 63 /* ? */) {
    throw new SipParseError('invalid URI host');
  }
  const paramsEnd = readUriParams(text, b, i, end, null);
  const params = new LazyMap(fillUriParams, text, i, paramsEnd);
  const headersStart = paramsEnd === end ? end : paramsEnd + 1;
  readUriHeaders(text, b, headersStart, end, null);
  const headers = new LazyMap(fillUriHeaders, text, headersStart, end);
  // One literal with every field (absent ones undefined): properties added afterwards would each
  // move the object to another shape and spill into an out-of-object store.
  return { scheme, user, password, host, port, params, headers };
}

const TEL_NUMBER = /^\+?[0-9A-Fa-f*#().\-]+$/;

function parseTelUri(text: string, b: Uint8Array, start: number, end: number): SipUri {
  const semi = indexBefore(b, 59 /* ; */, start, end);
  const numberEnd = semi === -1 ? end : semi;
  const number = text.slice(start, numberEnd);
  if (!TEL_NUMBER.test(number)) throw new SipParseError('invalid tel URI number');
  return { scheme: 'tel', user: number, host: '', params: telParams(text, b, numberEnd, end), headers: new Map() };
}

/** Any other absoluteURI (RFC 3261 §25.1): kept as text, only checked for forbidden characters. */
function parseOtherUri(text: string, b: Uint8Array, start: number, end: number): SipUri {
  for (let i = start; i < end; i++) {
    const code = b[i]!;
    if (code <= 32 || code >= 127 || code === 34 || code === 60 || code === 62) {
      throw new SipParseError('invalid character in URI');
    }
  }
  return { scheme: 'other', host: '', params: new Map(), headers: new Map(), opaque: text.slice(start, end) };
}

export function parseUri(text: string): SipUri {
  return readUri(text, codeUnits(text), 0, text.length);
}

/** The URI at `text[start, end)`, read in place (no copy of its text). */
export function parseUriIn(text: string, start: number, end: number): SipUri {
  return readUri(text, codeUnits(text, start, end), start, end);
}

const SIP_COLON = Buffer.from('sip:');
const SIPS_COLON = Buffer.from('sips:');

/** The URI at `text[start, end)`, with `b` the bytes aligned with `text` (code-units.ts). */
export function readUri(text: string, b: Uint8Array, start: number, end: number): SipUri {
  // Fast path for the schemes nearly every URI has.
  if (holds(b, start, end, SIP_COLON)) return parseSipUri(text, b, 'sip', start + 4, end);
  if (holds(b, start, end, SIPS_COLON)) return parseSipUri(text, b, 'sips', start + 5, end);
  const { scheme, rest } = parseScheme(text, b, start, end);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, b, scheme, rest, end);
  if (scheme === 'tel') return parseTelUri(text, b, rest, end);
  return parseOtherUri(text, b, start, end);
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function formatUriParams(params: Map<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + escapePart(name, CharClass.PARAM);
    if (value !== null) out += '=' + escapePart(value, CharClass.PARAM);
  }
  return out;
}

export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'other') return uri.opaque ?? '';
  if (uri.scheme === 'tel') return 'tel:' + (uri.user ?? '') + formatUriParams(uri.params);
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += escapePart(uri.user, CharClass.USER);
    if (uri.password !== undefined) out += ':' + escapePart(uri.password, CharClass.PASSWORD);
    out += '@';
  }
  out += formatHost(uri.host);
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatUriParams(uri.params);
  let separator = '?';
  for (const [name, value] of uri.headers) {
    out += separator + escapePart(name, CharClass.HNV) + '=' + escapePart(value, CharClass.HNV);
    separator = '&';
  }
  return out;
}
