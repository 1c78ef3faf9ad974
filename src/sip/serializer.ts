// Canonical wire form: long header names, CRLF line ends, a Content-Length that matches the body.
import { displayName } from './header-names.js';
import type { SipMessage } from './message.js';
import { formatUri } from './uri.js';

// displayName() runs a regex; header keys repeat endlessly, so remember each spelling.
const spelling = new Map<string, string>();

function nameOf(key: string): string {
  let name = spelling.get(key);
  if (name === undefined) {
    name = displayName(key);
    spelling.set(key, name);
  }
  return name;
}

function startLine(msg: SipMessage): string {
  return msg.kind === 'request'
    ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0\r\n`
    : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
}

/**
 * Writes the message. Content-Length is rewritten to the body length where the message had it,
 * or appended after the last header when it had none.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = startLine(msg);
  const contentLength = `Content-Length: ${msg.body.length}\r\n`;
  let wroteLength = false;
  for (const field of msg.headers) {
    if (field.key === 'content-length') {
      if (!wroteLength) head += contentLength;
      wroteLength = true;
    } else {
      head += nameOf(field.key) + ': ' + field.value + '\r\n';
    }
  }
  if (!wroteLength) head += contentLength;
  head += '\r\n';
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}
