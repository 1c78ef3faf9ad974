// Secrets never reach a log line: SDES key material (`inline:` in a=crypto), passwords, secrets, keys.

const REDACTED = '[REDACTED]';
/** Field names whose value is a secret whatever it looks like. */
const SECRET_FIELD = /pass(word|wd)?$|secret|private-?key|master-?key|srtp-?key|key-?material|key-?salt|^ha1$/i;
/** SDES key-params: `inline:<base64 key||salt>` followed by optional `|lifetime|MKI`. */
const INLINE_KEY = /(inline:)[A-Za-z0-9+/=]+/g;

export function redactText(text: string): string {
  return text.replace(INLINE_KEY, `$1${REDACTED}`);
}

/** A copy of `value` with secret fields and `inline:` key material replaced. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    copy[name] = SECRET_FIELD.test(name) && field !== undefined && field !== '' ? REDACTED : redactValue(field, depth + 1);
  }
  return copy;
}
