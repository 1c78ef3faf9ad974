// Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3: by Content-Length), answers
// the keep-alive of RFC 5626 §4.4.1 and enforces the maximum message size without losing the
// connection when the framing is still known.

const CRLF = Buffer.from('\r\n');
const DOUBLE_CRLF = Buffer.from('\r\n\r\n');

export type StreamUnit =
  /** One whole message: start line, headers and exactly Content-Length bytes of body. */
  | { kind: 'message'; data: Buffer }
  /** A CRLFCRLF keep-alive ping between messages: the receiver answers with one CRLF. */
  | { kind: 'ping' }
  /** A header block the stream cannot frame (no usable Content-Length); taken to have no body. */
  | { kind: 'malformed'; head: Buffer; reason: string }
  /** A message over the limit: its header block is given, its body is skipped. */
  | { kind: 'oversized'; head: Buffer; size: number }
  /**
   * A header block over the limit with no end in sight: the message boundary is lost, so the
   * connection must be closed. Nothing more is produced after it.
   */
  | { kind: 'overflow'; buffered: number };

export class StreamFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of an oversized body still to drop. */
  private skip = 0;
  /** Where the search for the end of the header block resumes (bytes before it were searched). */
  private searchedUpTo = 0;
  private broken = false;

  constructor(private readonly maxMessageSize: number) {}

  /** Feeds the next chunk read from the stream; returns the units it completed, in order. */
  push(chunk: Buffer): StreamUnit[] {
    if (this.broken) return [];
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const units: StreamUnit[] = [];
    for (;;) {
      if (this.skip > 0) {
        const dropped = Math.min(this.skip, data.length);
        this.skip -= dropped;
        data = data.subarray(dropped);
        if (this.skip > 0) break;
        continue;
      }
      if (data.length === 0) break;
      if (startsWith(data, DOUBLE_CRLF)) {
        units.push({ kind: 'ping' });
        data = data.subarray(DOUBLE_CRLF.length);
        continue;
      }
      // "\r", "\r\n" or "\r\n\r" may be the start of a ping split across reads: wait for more.
      if (data.length < DOUBLE_CRLF.length && DOUBLE_CRLF.subarray(0, data.length).equals(data)) break;
      if (startsWith(data, CRLF)) {
        // A stray CRLF between messages (or a pong answering our own ping): skipped.
        data = data.subarray(CRLF.length);
        continue;
      }
      const headEnd = data.indexOf(DOUBLE_CRLF, Math.max(0, this.searchedUpTo - (DOUBLE_CRLF.length - 1)));
      if (headEnd === -1) {
        if (data.length > this.maxMessageSize) {
          this.broken = true;
          units.push({ kind: 'overflow', buffered: data.length });
          data = Buffer.alloc(0);
          break;
        }
        this.searchedUpTo = data.length;
        break;
      }
      const headLength = headEnd + DOUBLE_CRLF.length;
      const head = data.subarray(0, headLength);
      const bodyLength = readContentLength(head);
      if (typeof bodyLength === 'string') {
        units.push({ kind: 'malformed', head: Buffer.from(head), reason: bodyLength });
        data = data.subarray(headLength);
        this.searchedUpTo = 0;
        continue;
      }
      const size = headLength + bodyLength;
      if (size > this.maxMessageSize) {
        units.push({ kind: 'oversized', head: Buffer.from(head), size });
        const consumed = Math.min(size, data.length);
        this.skip = size - consumed;
        data = data.subarray(consumed);
        this.searchedUpTo = 0;
        continue;
      }
      if (data.length < size) {
        this.searchedUpTo = headEnd;
        break;
      }
      // A copy, so a retained message does not pin the whole read buffer it came in.
      units.push({ kind: 'message', data: Buffer.from(data.subarray(0, size)) });
      data = data.subarray(size);
      this.searchedUpTo = 0;
    }
    this.pending = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
    return units;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.pending.length;
  }
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

// A header line naming Content-Length (long or compact form), anywhere after the start line.
const CONTENT_LENGTH_LINE = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r]*?)[ \t]*(?=\r\n)/gi;

/** The body length a header block announces, or the reason it cannot be framed. */
export function readContentLength(head: Buffer): number | string {
  const text = head.toString('latin1');
  let found: number | undefined;
  for (const match of text.matchAll(CONTENT_LENGTH_LINE)) {
    const value = match[1]!;
    if (!/^\d{1,9}$/.test(value)) return `invalid Content-Length '${value}'`;
    const length = Number(value);
    if (found !== undefined && found !== length) return 'conflicting Content-Length headers';
    found = length;
  }
  return found ?? 'missing Content-Length';
}
