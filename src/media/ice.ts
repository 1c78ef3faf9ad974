// ICE-lite's SDP side (RFC 8445 §2.5, RFC 8839): our credentials and candidates for one media
// section. The engine answers the checks (bridge.updateLeg(..., { ice })); this only writes SDP.
import { randomInt } from 'node:crypto';

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4).
const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function iceString(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ICE_CHARS[randomInt(ICE_CHARS.length)];
  return text;
}

/** Fresh credentials: 8 characters of ufrag (>= 4), 24 of password (>= 22), 6 random bits each. */
export function newIceCredentials(): IceCredentials {
  return { ufrag: iceString(8), pwd: iceString(24) };
}

export interface CandidateSpec {
  /** The leg's local address (host candidate). */
  hostAddress: string;
  rtpPort: number;
  /** Absent with rtcp-mux: one component only. */
  rtcpPort?: number;
  /** `nat-addresses`: public addresses announced as server-reflexive candidates of the host one. */
  natAddresses?: string[];
}

const TYPE_PREFERENCE = { host: 126, srflx: 100 } as const;

/** RFC 8445 §5.1.2.1: type preference, then local preference (one address per type here), then component. */
function priority(type: keyof typeof TYPE_PREFERENCE, component: number): number {
  return TYPE_PREFERENCE[type] * 2 ** 24 + 65535 * 2 ** 8 + (256 - component);
}

/** The attribute values (after `a=`) of an ICE-lite media section: credentials then candidates. */
export function iceLiteAttributes(credentials: IceCredentials, spec: CandidateSpec): string[] {
  const lines = [`ice-ufrag:${credentials.ufrag}`, `ice-pwd:${credentials.pwd}`];
  const components: [number, number][] = [[1, spec.rtpPort]];
  if (spec.rtcpPort !== undefined) components.push([2, spec.rtcpPort]);
  for (const [component, port] of components) {
    lines.push(`candidate:1 ${component} UDP ${priority('host', component)} ${spec.hostAddress} ${port} typ host`);
    (spec.natAddresses ?? []).forEach((address, index) => {
      lines.push(
        `candidate:${index + 2} ${component} UDP ${priority('srflx', component)} ${address} ${port} typ srflx raddr ${spec.hostAddress} rport ${port}`,
      );
    });
  }
  return lines;
}

/** The session-level attribute that marks us as a lite implementation. */
export const ICE_LITE_ATTRIBUTE = 'ice-lite';
