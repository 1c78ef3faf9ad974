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

// Every header lookup turns its name into a key, mostly from the same few literals: remember them.
const keys = new Map<string, string>();
const MAX_KEYS = 512; // names may come off the wire: bound the memo

/** Lower-case long form of a header name: the key used for every lookup. */
export function headerKey(name: string): string {
  let key = keys.get(name);
  if (key === undefined) {
    const lower = name.toLowerCase();
    key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
    if (keys.size < MAX_KEYS) keys.set(name, key);
  }
  return key;
}

const displayNames = new Map<string, string>(); // bounded like `keys`: every key passes through headerKey

/** The conventional spelling used when serialising (e.g. `call-id` → `Call-ID`). */
export function displayName(key: string): string {
  let name = displayNames.get(key);
  if (name === undefined) {
    name = DISPLAY[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
    if (displayNames.size < MAX_KEYS) displayNames.set(key, name);
  }
  return name;
}
