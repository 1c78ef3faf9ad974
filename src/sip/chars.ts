// Character classes of the RFC 3261 §25 grammar, as bit flags in one lookup table, and the scans
// the parsers run with it. The parsers scan bytes (see code-units.ts): an element of a Uint8Array
// is read in about half the time of a charCodeAt, and a byte indexes this table in bounds.

// A const enum, so that every use compiles to its number: an imported `const` is read again from
// its module cell (and checked for initialisation) at each use, in the scan loops a fifth of their time.
export const enum CharClass {
  TOKEN = 1, // alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
  USER = 2, // unreserved / user-unreserved (escapes handled apart)
  PASSWORD = 4, // unreserved / "&" / "=" / "+" / "$" / ","
  PARAM = 8, // unreserved / param-unreserved
  HNV = 16, // unreserved / hnv-unreserved
  HOST = 32, // alphanum / "-" / "." (hostname and IPv4)
  WS = 64, // SP / HTAB
  GENVALUE = 128, // token / host (incl. IPv6 reference): a header parameter value
  UPPER = 256, // "A".."Z", to know whether a name needs lower-casing
}

const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MARK = "-_.!~*'()";
const UNRESERVED = ALPHANUM + MARK;

/** One entry per byte value; bytes from 0x80 up (non-ASCII) are in no class. */
const TABLE = new Uint16Array(256);

/**
 * The table, for the parsers to bind to a constant of their own module (`const CLASS = CHAR_CLASSES`):
 * the optimising compiler reads a module's own constant as a known array, where it loads an
 * imported (or exported) binding and checks its type and bounds again at each use.
 */
export const CHAR_CLASSES = TABLE;

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)]! |= flag;
}

mark(ALPHANUM + "-.!%*_+`'~", CharClass.TOKEN | CharClass.GENVALUE);
mark(':[]', CharClass.GENVALUE);
mark(UNRESERVED + '&=+$,;?/', CharClass.USER);
mark(UNRESERVED + '&=+$,', CharClass.PASSWORD);
mark(UNRESERVED + '[]/:&+$', CharClass.PARAM);
mark(UNRESERVED + '[]/?:+$', CharClass.HNV);
mark(ALPHANUM + '-.', CharClass.HOST);
mark(' \t', CharClass.WS);
mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', CharClass.UPPER);

/** True when the byte or UTF-16 code unit belongs to the class (non-ASCII never does; NaN, past the end, neither). */
export function is(code: number, flag: number): boolean {
  return code < 128 && (TABLE[code]! & flag) !== 0;
}

// The scans read the table through a constant of this module, as the parsers' loops do (see CHAR_CLASSES).

/** First index from `i` that is not SP/HTAB, at most `end`. */
export function skipWs(b: Uint8Array, i: number, end: number): number {
  const classes = TABLE;
  while (i < end && (classes[b[i]!]! & CharClass.WS) !== 0) i++;
  return i;
}

/** End index of a run of bytes of one class starting at `i`, at most `end`. */
export function scan(b: Uint8Array, i: number, flag: number, end: number): number {
  const classes = TABLE;
  while (i < end && (classes[b[i]!]! & flag) !== 0) i++;
  return i;
}

/** Strips SP/HTAB only: String.prototype.trim would also eat U+FEFF and other Unicode spaces of a value. */
export function trimLws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && is(s.charCodeAt(start), CharClass.WS)) start++;
  while (end > start && is(s.charCodeAt(end - 1), CharClass.WS)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
