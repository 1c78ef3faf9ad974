// The parsers read a text through bytes index-aligned with it: b[i] is the code unit text[i], or
// 0x80 (in no character class) for a non-ASCII one. Reading a Uint8Array element costs about half a
// charCodeAt, and strings are still sliced from the text, which V8 does without a copy into C++.

/** True when `b` holds the ASCII `word` at `at` (before `end`): a few byte compares, no call into a string builtin. */
export function holds(b: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at < word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[at + k] !== word[k]) return false;
  return true;
}

/** Reused for texts that do not come with their bytes; one parse at a time runs on it. */
let scratch = Buffer.allocUnsafeSlow(65_536);

function fill(text: string, start: number, end: number, into: Buffer): Buffer {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    into[i] = code < 128 ? code : 0x80;
  }
  return into;
}

/** `text[start, end)` as aligned bytes in the shared scratch buffer, valid until the next call. */
export function codeUnits(text: string, start = 0, end = text.length): Buffer {
  if (scratch.length < end) scratch = Buffer.allocUnsafeSlow(end);
  return fill(text, start, end, scratch);
}

/**
 * Bytes aligned with `text`, which was decoded as UTF-8 from `data[offset, data.length)`.
 * When every byte became one code unit (`aligned`: ASCII, or stray non-UTF-8 bytes, all in no
 * class), the received bytes are used as they are. Otherwise they get their own buffer, leaving the
 * scratch one free for the values parsed apart while the head is read (folded header lines).
 */
export function messageBytes(data: Buffer, offset: number, text: string, aligned: boolean): Buffer {
  if (aligned) return offset === 0 ? data : data.subarray(offset);
  return fill(text, 0, text.length, Buffer.allocUnsafe(text.length));
}
