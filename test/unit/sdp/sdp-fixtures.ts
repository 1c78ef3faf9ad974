// Reads the captured SDP bodies of test/fixtures/sdp and the B2BUA-side options the tests share.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
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

/** Drops, duplicates or truncates lines, or overwrites characters, of one of the real `bodies`. */
export const damaged = (bodies: string[]) =>
  fc
    .record({
      body: fc.constantFrom(...bodies),
      edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'duplicate', 'truncate', 'poke'), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }),
    })
    .map(({ body, edits }) => {
      const lines = body.split('\r\n');
      for (const [at, edit, offset, text] of edits) {
        const index = at % lines.length;
        const line = lines[index]!;
        const cut = offset % (line.length + 1);
        if (edit === 'drop') lines.splice(index, 1);
        else if (edit === 'duplicate') lines.splice(index, 0, line);
        else if (edit === 'truncate') lines[index] = line.slice(0, cut);
        else lines[index] = line.slice(0, cut) + text + line.slice(cut + text.length);
      }
      return lines.join('\r\n');
    });
