// Reads the captured SDP bodies of test/fixtures/sdp and the B2BUA-side options the tests share.
import { readFileSync } from 'node:fs';
import type { LocalLeg } from '../../../src/sdp/bridge-sdp.js';

const root = new URL('../../../../test/fixtures/sdp/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, root), 'utf8');
}

export const LINPHONE_MODES = ['none', 'srtp', 'zrtp', 'dtls'] as const;
export type LinphoneMode = (typeof LINPHONE_MODES)[number];

export const linphoneOffer = (mode: LinphoneMode) => fixture(`linphone-5.1-${mode}-offer.sdp`);
export const linphoneAnswer = (mode: LinphoneMode) => fixture(`linphone-5.1-${mode}-answer.sdp`);

export const OUR_FINGERPRINT = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';

/** The B2BUA's side of a leg with `lines` media lines, each bridged on its own ports. */
export function localLeg(address: string, basePort: number, lines = 1): LocalLeg {
  return {
    address,
    ports: Array.from({ length: lines }, (_, line) => ({ rtpPort: basePort + 4 * line, rtcpPort: basePort + 4 * line + 1 })),
    zrtpHelloHashes: Array.from({ length: lines }, (_, line) => `1.10 ${String(line).repeat(64)}`),
  };
}
