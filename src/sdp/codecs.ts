// Payload types of a media line and the `audio-codec` / `video-codec` filter (reference §3.12).
//
// The filter keeps, case-insensitively, the payload types of the named codec (`audio-codec` is
// `<name>/<rate>`, `video-codec` a name), plus on audio the telephone-event payloads at the same
// clock rate so RFC 4733 DTMF keeps flowing beside the codec (other rates would not match the
// audio clock). Comfort noise and redundancy payloads are dropped with the other codecs.
import type { MediaDescription } from 'sdp-transform';

export interface CodecFilter {
  /** `audio-codec`: `<name>/<rate>`, empty or absent = every codec. */
  audio?: string;
  /** `video-codec`: `<name>`, empty or absent = every codec. */
  video?: string;
}

export interface Codec {
  name: string;
  rate: number;
}

// RFC 3551 §6: static payload types, used when a line lists them without a=rtpmap.
const STATIC: Record<number, Codec> = {
  0: { name: 'PCMU', rate: 8000 },
  3: { name: 'GSM', rate: 8000 },
  4: { name: 'G723', rate: 8000 },
  5: { name: 'DVI4', rate: 8000 },
  6: { name: 'DVI4', rate: 16000 },
  7: { name: 'LPC', rate: 8000 },
  8: { name: 'PCMA', rate: 8000 },
  9: { name: 'G722', rate: 8000 },
  10: { name: 'L16', rate: 44100 },
  11: { name: 'L16', rate: 44100 },
  12: { name: 'QCELP', rate: 8000 },
  13: { name: 'CN', rate: 8000 },
  14: { name: 'MPA', rate: 90000 },
  15: { name: 'G728', rate: 8000 },
  16: { name: 'DVI4', rate: 11025 },
  17: { name: 'DVI4', rate: 22050 },
  18: { name: 'G729', rate: 8000 },
  25: { name: 'CelB', rate: 90000 },
  26: { name: 'JPEG', rate: 90000 },
  28: { name: 'nv', rate: 90000 },
  31: { name: 'H261', rate: 90000 },
  32: { name: 'MPV', rate: 90000 },
  33: { name: 'MP2T', rate: 90000 },
  34: { name: 'H263', rate: 90000 },
};

/** The m= line's format list as payload type numbers, in order. */
export function payloadTypes(media: MediaDescription): number[] {
  return String(media.payloads ?? '')
    .split(' ')
    .filter(Boolean)
    .map(Number);
}

export function codecOf(media: MediaDescription, payload: number): Codec | undefined {
  const mapped = media.rtp.find((rtp) => rtp.payload === payload);
  // String(): sdp-transform parses a numeric-looking codec name as a number.
  return mapped ? { name: String(mapped.codec), rate: Number(mapped.rate ?? 0) } : STATIC[payload];
}

function wanted(media: MediaDescription, filter: CodecFilter): ((codec: Codec) => boolean) | undefined {
  const setting = media.type === 'audio' ? filter.audio : media.type === 'video' ? filter.video : undefined;
  if (!setting) return undefined;
  const [name = '', rate] = setting.toLowerCase().split('/');
  const matches = (codec: Codec) => codec.name.toLowerCase() === name && (rate === undefined || codec.rate === Number(rate));
  if (media.type !== 'audio') return matches;
  return (codec) => matches(codec) || (codec.name.toLowerCase() === 'telephone-event' && codec.rate === Number(rate));
}

/** The payload types the filter keeps, in offered order (all of them when no filter applies). */
export function filteredPayloadTypes(media: MediaDescription, filter: CodecFilter): number[] {
  const keep = wanted(media, filter);
  const all = payloadTypes(media);
  if (!keep) return all;
  const kept = all.filter((payload) => {
    const codec = codecOf(media, payload);
    return codec !== undefined && keep(codec);
  });
  // telephone-event alone is no codec: the line has nothing the filter asked for.
  return kept.some((payload) => codecOf(media, payload)!.name.toLowerCase() !== 'telephone-event') ? kept : [];
}

/**
 * The codec attributes of `payloads` copied from `source`: a=rtpmap, a=fmtp, a=rtcp-fb (per payload
 * or `*`) and a=ptime / a=maxptime. Everything else on the line is left behind.
 */
export function codecAttributes(source: MediaDescription, payloads: number[]): Partial<MediaDescription> {
  const kept = (payload: number | string) => payload === '*' || payloads.includes(Number(payload));
  const attributes: Partial<MediaDescription> = {
    rtp: source.rtp.filter((rtp) => kept(rtp.payload)),
    fmtp: source.fmtp.filter((fmtp) => kept(fmtp.payload)),
  };
  const rtcpFb = source.rtcpFb?.filter((fb) => kept(fb.payload));
  if (rtcpFb?.length) attributes.rtcpFb = rtcpFb;
  const trrInt = source.rtcpFbTrrInt?.filter((fb) => kept(fb.payload));
  if (trrInt?.length) attributes.rtcpFbTrrInt = trrInt;
  if (source.ptime !== undefined) attributes.ptime = source.ptime;
  if (source.maxptime !== undefined) attributes.maxptime = source.maxptime;
  return attributes;
}
