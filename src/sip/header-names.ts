// Header name canonicalisation: compact forms (RFC 3261 §7.3.3 and extensions) and display case.

const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', f: 'from', t: 'to', v: 'via', l: 'content-length', c: 'content-type',
  k: 'supported', s: 'subject', e: 'content-encoding', o: 'event', u: 'allow-events', r: 'refer-to',
  b: 'referred-by', x: 'session-expires', y: 'identity',
};

const DISPLAY: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', www: 'WWW', 'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version', 'rack': 'RAck', 'rseq': 'RSeq', 'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match', 'x-flexisip-b2bua': 'X-Flexisip-B2BUA',
};

/** Lower-case long form of a header name: the key used for every lookup. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
}

/** The conventional spelling used when serialising (e.g. `call-id` → `Call-ID`). */
export function displayName(key: string): string {
  return DISPLAY[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}
