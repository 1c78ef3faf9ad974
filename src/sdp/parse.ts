// Parses an SDP body into sdp-transform's object after checking the line grammar that sdp-transform
// itself skips over silently (it never fails), so a broken body is a 400 and not a half-read offer.
import { parse, type SessionDescription } from 'sdp-transform';
import { SdpSyntaxError } from './errors.js';

const LINE = /^[a-z]=/;
const MEDIA_LINE = /^m=[a-z]+ \d+(?:\/\d+)? [A-Za-z0-9/_.-]+(?: [^ ]+)+$/;
const CONNECTION_LINE = /^c=IN IP[46] [^ ]+$/;

export function parseSdp(text: string): SessionDescription {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (lines[0] !== 'v=0') throw new SdpSyntaxError('SDP does not start with v=0');
  for (const line of lines) {
    if (!LINE.test(line)) throw new SdpSyntaxError(`SDP line is not <type>=<value>: '${line.slice(0, 40)}'`);
    if (line.startsWith('m=') && !MEDIA_LINE.test(line)) throw new SdpSyntaxError(`bad media line '${line.slice(0, 60)}'`);
    if (line.startsWith('c=') && !CONNECTION_LINE.test(line)) throw new SdpSyntaxError(`bad connection line '${line.slice(0, 60)}'`);
  }
  if (!lines.some((line) => line.startsWith('o='))) throw new SdpSyntaxError('SDP has no o= line');
  const session = parse(text);
  for (const [index, media] of session.media.entries()) {
    if (media.port !== 0 && !media.connection && !session.connection) {
      throw new SdpSyntaxError(`media ${index} has no c= line, neither its own nor the session's`);
    }
    const port = Number(media.port);
    if (!Number.isInteger(port) || port > 65535) throw new SdpSyntaxError(`media ${index} has port ${media.port}`);
  }
  return session;
}

/** An SDP body as text, or already parsed by `parseSdp` (parse once per call, read many times: never mutated here). */
export type SdpInput = string | SessionDescription;

export function sessionOf(input: SdpInput): SessionDescription {
  return typeof input === 'string' ? parseSdp(input) : input;
}
