// Character classes of the RFC 3261 §25 grammar, as bit flags in one lookup table, and the scans
// the parsers run with it. The parsers scan bytes (see code-units.ts): an element of a Uint8Array
// is read in about half the time of a charCodeAt, and a byte indexes this table in bounds.

export const TOKEN = 1; // alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
export const USER = 2; // unreserved / user-unreserved (escapes handled apart)
export const PASSWORD = 4; // unreserved / "&" / "=" / "+" / "$" / ","
export const PARAM = 8; // unreserved / param-unreserved
export const HNV = 16; // unreserved / hnv-unreserved
export const HOST = 32; // alphanum / "-" / "." (hostname and IPv4)
export const WS = 64; // SP / HTAB
export const GENVALUE = 128; // token / host (incl. IPv6 reference): a header parameter value
export const UPPER = 256; // "A".."Z", to know whether a name needs lower-casing

const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MARK = "-_.!~*'()";
const UNRESERVED = ALPHANUM + MARK;

/** One entry per byte value; bytes from 0x80 up (non-ASCII) are in no class. */
export const CLASS = new Uint16Array(256);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)]! |= flag;
}

mark(ALPHANUM + "-.!%*_+`'~", TOKEN | GENVALUE);
mark(':[]', GENVALUE);
mark(UNRESERVED + '&=+$,;?/', USER);
mark(UNRESERVED + '&=+$,', PASSWORD);
mark(UNRESERVED + '[]/:&+$', PARAM);
mark(UNRESERVED + '[]/?:+$', HNV);
mark(ALPHANUM + '-.', HOST);
mark(' \t', WS);
mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', UPPER);

/** True when the byte or UTF-16 code unit belongs to the class (non-ASCII never does; NaN, past the end, neither). */
export function is(code: number, flag: number): boolean {
  return code < 128 && (CLASS[code]! & flag) !== 0;
}

// Hot loops read the table through a local constant: a module binding is loaded again on each
// iteration, which costs about a third of the loop.

/** First index from `i` that is not SP/HTAB, at most `end`. */
export function skipWs(b: Uint8Array, i: number, end: number): number {
  const classes = CLASS;
  while (i < end && (classes[b[i]!]! & WS) !== 0) i++;
  return i;
}

/** End index of a run of bytes of one class starting at `i`, at most `end`. */
export function scan(b: Uint8Array, i: number, flag: number, end: number): number {
  const classes = CLASS;
  while (i < end && (classes[b[i]!]! & flag) !== 0) i++;
  return i;
}

/** Strips SP/HTAB only: String.prototype.trim would also eat U+FEFF and other Unicode spaces of a value. */
export function trimLws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && is(s.charCodeAt(start), WS)) start++;
  while (end > start && is(s.charCodeAt(end - 1), WS)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
