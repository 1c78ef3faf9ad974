// Writes the SDP the B2BUA builds for a leg (bridge-sdp.ts), byte for byte what sdp-transform's
// write() gives for the same object, in one pass over the fields such a description can hold.
// sdp-transform's writer tries all of its ~60 attribute rules on every media line and formats each
// line through a regular expression: it was the largest SDP cost of a call (two writes per call).
// Lines come in sdp-transform's order: v o s c t, session a=, then per media m= and its a= lines
// in the order of sdp-transform's grammar.
import type { MediaDescription, SessionDescription } from 'sdp-transform';

/** What the builders set; any other field would be silently dropped, so it is refused instead. */
export const SESSION_FIELDS: ReadonlySet<string> = new Set(['version', 'origin', 'name', 'connection', 'timing', 'icelite', 'media']);
export const MEDIA_FIELDS: ReadonlySet<string> = new Set([
  'type', 'port', 'protocol', 'payloads', 'rtp', 'fmtp', 'rtcp', 'rtcpFbTrrInt', 'rtcpFb', 'crypto',
  'setup', 'ptime', 'maxptime', 'direction', 'fingerprint', 'rtcpMux', 'invalid',
]);

/** sdp-transform's `%d`. */
function num(value: unknown): string {
  return String(Number(value));
}

function assertFields(object: object, known: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) throw new TypeError(`writeLegSdp cannot write the ${where} field '${key}'`);
  }
}

function present<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

function writeMedia(media: MediaDescription): string {
  assertFields(media, MEDIA_FIELDS, 'media');
  let text = `m=${media.type} ${num(media.port)} ${media.protocol} ${media.payloads ?? ''}\r\n`;
  for (const rtp of media.rtp ?? []) {
    text += `a=rtpmap:${num(rtp.payload)} ${rtp.codec}`;
    if (rtp.encoding) text += `/${rtp.rate}/${rtp.encoding}`;
    else if (rtp.rate) text += `/${rtp.rate}`;
    text += '\r\n';
  }
  for (const fmtp of media.fmtp ?? []) text += `a=fmtp:${num(fmtp.payload)} ${fmtp.config}\r\n`;
  const rtcp = media.rtcp;
  if (present(rtcp)) {
    text += present(rtcp.address) ? `a=rtcp:${num(rtcp.port)} ${rtcp.netType} IP${num(rtcp.ipVer)} ${rtcp.address}\r\n` : `a=rtcp:${num(rtcp.port)}\r\n`;
  }
  for (const fb of media.rtcpFbTrrInt ?? []) text += `a=rtcp-fb:${fb.payload} trr-int ${num(fb.value)}\r\n`;
  for (const fb of media.rtcpFb ?? []) text += present(fb.subtype) ? `a=rtcp-fb:${fb.payload} ${fb.type} ${fb.subtype}\r\n` : `a=rtcp-fb:${fb.payload} ${fb.type}\r\n`;
  for (const crypto of media.crypto ?? []) {
    text += `a=crypto:${num(crypto.id)} ${crypto.suite} ${crypto.config}`;
    text += present(crypto.sessionConfig) ? ` ${crypto.sessionConfig}\r\n` : '\r\n';
  }
  if (present(media.setup)) text += `a=setup:${media.setup}\r\n`;
  if (present(media.ptime)) text += `a=ptime:${num(media.ptime)}\r\n`;
  if (present(media.maxptime)) text += `a=maxptime:${num(media.maxptime)}\r\n`;
  if (present(media.direction)) text += `a=${media.direction}\r\n`;
  if (present(media.fingerprint)) text += `a=fingerprint:${media.fingerprint.type} ${media.fingerprint.hash}\r\n`;
  if (present(media.rtcpMux)) text += `a=${media.rtcpMux}\r\n`;
  for (const { value } of media.invalid ?? []) text += `a=${value}\r\n`;
  return text;
}

/** The SDP text of a description made by bridge-sdp.ts; throws TypeError on a field it does not write. */
export function writeLegSdp(session: SessionDescription): string {
  assertFields(session, SESSION_FIELDS, 'session');
  const { origin, connection, timing } = session;
  let text = `v=${session.version ?? 0}\r\n`;
  text += `o=${origin.username} ${origin.sessionId} ${num(origin.sessionVersion)} ${origin.netType} IP${num(origin.ipVer)} ${origin.address}\r\n`;
  text += `s=${session.name ?? ' '}\r\n`;
  if (present(connection)) text += `c=IN IP${num(connection.version)} ${connection.ip}\r\n`;
  if (present(timing)) text += `t=${num(timing.start)} ${num(timing.stop)}\r\n`;
  if (present(session.icelite)) text += `a=${session.icelite}\r\n`;
  for (const media of session.media) text += writeMedia(media);
  return text;
}
