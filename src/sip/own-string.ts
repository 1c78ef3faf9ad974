// V8 keeps a string sliced from a longer one as a view of it: a Call-ID or a tag read from a
// received message holds the whole message text alive. What outlives the message (a waiting
// transaction's key, a dialog's identity) is copied into a string of its own.

/** `text` as a string that shares no storage with a longer one. */
export function ownString(text: string): string {
  // Joining forces V8 to copy the characters into a new flat string; the slice is a view of that
  // copy only (shorter strings are copied outright).
  return ` ${text}`.slice(1);
}
