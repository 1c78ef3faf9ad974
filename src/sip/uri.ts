// SIP, SIPS and TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966), plus any other absoluteURI kept opaque.
import { CLASS, HNV, HOST, PARAM, PASSWORD, USER } from './chars.js';
import { SipParseError } from './errors.js';

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
 * Checks `text[start, end)` against a character class (plus `%HH` escapes) and returns it unescaped.
 * Escaped bytes are read as UTF-8, or Latin-1 when they are not valid UTF-8.
 */
export function unescapePart(text: string, start: number, end: number, flag: number, what: string): string {
  let escapes = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 37) {
      if (i + 2 >= end) throw new SipParseError(`bad escape in URI ${what}`);
      if (hexValue(text.charCodeAt(i + 1)) < 0 || hexValue(text.charCodeAt(i + 2)) < 0) {
        throw new SipParseError(`bad escape in URI ${what}`);
      }
      escapes = true;
      i += 2;
    } else if ((CLASS[code]! & flag) === 0) {
      throw new SipParseError(`invalid character in URI ${what}`);
    }
  }
  if (!escapes) return text.slice(start, end);
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

/** Escapes every character outside the class (and `%`) as UTF-8 `%HH`. */
export function escapePart(value: string, flag: number): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || (CLASS[code]! & flag) === 0) {
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

function parseScheme(text: string): { scheme: string; rest: number } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipParseError('invalid URI: missing scheme');
  for (let i = 0; i < colon; i++) {
    const code = text.charCodeAt(i) | 0x20;
    const alpha = code >= 97 && code <= 122;
    if (!alpha && (i === 0 || !'0123456789+-.'.includes(text[i]!))) throw new SipParseError('invalid URI scheme');
  }
  return { scheme: text.slice(0, colon).toLowerCase(), rest: colon + 1 };
}

/** Port digits `text[start, end)`: 0-65535. */
export function parsePort(text: string, start: number, end: number): number {
  if (start === end || end - start > 5) throw new SipParseError('invalid port');
  let port = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
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
export function parseHost(text: string, start: number, end: number): string {
  if (text.charCodeAt(start) === 91 /* [ */) {
    const close = text.indexOf(']', start);
    if (close === -1 || close >= end) throw new SipParseError('unterminated IPv6 reference');
    const host = text.slice(start + 1, close);
    if (host.length < 2 || !IPV6.test(host) || !host.includes(':')) throw new SipParseError('invalid IPv6 reference');
    return host;
  }
  let i = start;
  while (i < end && (CLASS[text.charCodeAt(i)]! & HOST) !== 0) i++;
  if (i === start) throw new SipParseError('invalid URI host');
  return text.slice(start, i);
}

/** Characters the host parsed at `start` took in the text (brackets included). */
export function hostLength(text: string, start: number, host: string): number {
  return text.charCodeAt(start) === 91 ? host.length + 2 : host.length;
}

/** `;name[=value]` parameters in `text[start, end)` (text[start] is ';'), checked and unescaped in one pass. */
function parseUriParams(text: string, start: number, end: number, params: Map<string, string | null>): void {
  let i = start;
  while (i < end) {
    const nameStart = i + 1;
    let eq = -1;
    // One pass finds the delimiters and checks the characters; escapes (rare) take the slower
    // unescaping path, which also reports the offending character.
    let plain = true;
    let j = nameStart;
    for (; j < end; j++) {
      const code = text.charCodeAt(j);
      if (code === 59 /* ; */) break;
      if (code === 61 /* = */ && eq === -1) eq = j;
      else if ((CLASS[code]! & PARAM) === 0) plain = false;
    }
    if (eq === -1) {
      if (j === nameStart) throw new SipParseError('invalid URI parameter');
      params.set(plain ? text.slice(nameStart, j) : unescapePart(text, nameStart, j, PARAM, 'parameter'), null);
    } else {
      if (eq === nameStart || eq + 1 === j) throw new SipParseError('invalid URI parameter');
      params.set(
        plain ? text.slice(nameStart, eq) : unescapePart(text, nameStart, eq, PARAM, 'parameter'),
        plain ? text.slice(eq + 1, j) : unescapePart(text, eq + 1, j, PARAM, 'parameter'),
      );
    }
    i = j;
  }
}

function parseUriHeaders(text: string, start: number, headers: Map<string, string>): void {
  let i = start;
  while (i < text.length) {
    let stop = text.indexOf('&', i);
    if (stop === -1) stop = text.length;
    const eq = text.indexOf('=', i);
    if (eq === -1 || eq > stop || eq === i) throw new SipParseError('invalid URI header');
    headers.set(unescapePart(text, i, eq, HNV, 'header'), unescapePart(text, eq + 1, stop, HNV, 'header'));
    i = stop + 1;
  }
}

function parseSipUri(text: string, scheme: 'sip' | 'sips', start: number): SipUri {
  let i = start;
  let user: string | undefined;
  let password: string | undefined;
  // '@' may only delimit the userinfo: it is neither user, host, param nor header character.
  const at = text.indexOf('@', i);
  if (at !== -1) {
    const colon = text.indexOf(':', i);
    if (colon !== -1 && colon < at) {
      user = unescapePart(text, i, colon, USER, 'user');
      password = unescapePart(text, colon + 1, at, PASSWORD, 'password');
    } else {
      user = unescapePart(text, i, at, USER, 'user');
    }
    if (user === '') throw new SipParseError('empty URI user');
    i = at + 1;
  }
  const question = text.indexOf('?', i);
  const paramsEnd = question === -1 ? text.length : question;
  const host = parseHost(text, i, paramsEnd);
  i += hostLength(text, i, host);
  let port: number | undefined;
  if (text.charCodeAt(i) === 58 /* : */) {
    let portEnd = i + 1;
    while (portEnd < paramsEnd && text.charCodeAt(portEnd) !== 59) portEnd++;
    port = parsePort(text, i + 1, portEnd);
    i = portEnd;
  }
  const params = new Map<string, string | null>();
  if (i < paramsEnd) {
    if (text.charCodeAt(i) !== 59 /* ; */) throw new SipParseError('invalid URI host');
    parseUriParams(text, i, paramsEnd, params);
  }
  const headers = new Map<string, string>();
  if (question !== -1) parseUriHeaders(text, question + 1, headers);
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

const TEL_NUMBER = /^\+?[0-9A-Fa-f*#().\-]+$/;

function parseTelUri(text: string, start: number): SipUri {
  const semi = text.indexOf(';', start);
  const numberEnd = semi === -1 ? text.length : semi;
  const number = text.slice(start, numberEnd);
  if (!TEL_NUMBER.test(number)) throw new SipParseError('invalid tel URI number');
  const uri: SipUri = { scheme: 'tel', user: number, host: '', params: new Map(), headers: new Map() };
  if (semi !== -1) parseUriParams(text, semi, text.length, uri.params);
  return uri;
}

/** Any other absoluteURI (RFC 3261 §25.1): kept as text, only checked for forbidden characters. */
function parseOtherUri(text: string): SipUri {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 32 || code >= 127 || code === 34 || code === 60 || code === 62) {
      throw new SipParseError('invalid character in URI');
    }
  }
  return { scheme: 'other', host: '', params: new Map(), headers: new Map(), opaque: text };
}

export function parseUri(text: string): SipUri {
  // Fast path for the schemes nearly every URI has.
  if (text.startsWith('sip:')) return parseSipUri(text, 'sip', 4);
  if (text.startsWith('sips:')) return parseSipUri(text, 'sips', 5);
  const { scheme, rest } = parseScheme(text);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, scheme, rest);
  if (scheme === 'tel') return parseTelUri(text, rest);
  return parseOtherUri(text);
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function formatUriParams(params: Map<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + escapePart(name, PARAM);
    if (value !== null) out += '=' + escapePart(value, PARAM);
  }
  return out;
}

export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'other') return uri.opaque ?? '';
  if (uri.scheme === 'tel') return 'tel:' + (uri.user ?? '') + formatUriParams(uri.params);
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += escapePart(uri.user, USER);
    if (uri.password !== undefined) out += ':' + escapePart(uri.password, PASSWORD);
    out += '@';
  }
  out += formatHost(uri.host);
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatUriParams(uri.params);
  let separator = '?';
  for (const [name, value] of uri.headers) {
    out += separator + escapePart(name, HNV) + '=' + escapePart(value, HNV);
    separator = '&';
  }
  return out;
}
