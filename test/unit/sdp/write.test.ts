// writeLegSdp writes exactly what sdp-transform's write() writes for the descriptions the builders
// make, so that replacing it changed no byte on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, write, type SessionDescription } from 'sdp-transform';
import { MEDIA_FIELDS, SESSION_FIELDS, writeLegSdp } from '../../../src/sdp/write.js';
import { damaged, fixture, LINPHONE_MODES, linphoneAnswer, linphoneOffer } from './sdp-fixtures.js';

function pick<T extends object>(from: T, keys: ReadonlySet<string>): T {
  return Object.fromEntries([...keys].filter((key) => key in from).map((key) => [key, (from as Record<string, unknown>)[key]])) as T;
}

/** What sdp-transform parsed of `body`, cut down to the fields the builders set (with whatever values the body gave them). */
function writable(body: string): SessionDescription {
  const parsed = parse(body);
  return { ...pick(parsed, SESSION_FIELDS), media: parsed.media.map((media) => pick(media, MEDIA_FIELDS)) } as SessionDescription;
}

const bodies = [
  ...LINPHONE_MODES.flatMap((mode) => [linphoneOffer(mode), linphoneAnswer(mode)]),
  fixture('baresip-1.0-dtls-offer.sdp'),
  fixture('baresip-1.0-dtls-answer.sdp'),
  fixture('sipp-3.6-uas-answer.sdp'),
];

test('captured bodies: the same text as sdp-transform', () => {
  for (const body of bodies) {
    const session = writable(body);
    assert.equal(writeLegSdp(session), write(structuredClone(session)));
  }
});

test('damaged bodies (odd values in every field): the same text as sdp-transform', () => {
  fc.assert(
    fc.property(damaged(bodies), (body) => {
      const session = writable(body);
      // sdp-transform's parse leaves `origin`/`timing` out when their line is gone; the builders always set them.
      fc.pre(session.origin !== undefined && session.media.every((media) => media.rtp && media.fmtp));
      assert.equal(writeLegSdp(session), write(structuredClone(session)));
    }),
    { numRuns: 2000, seed: 4242 }, // a fixed seed keeps the suite deterministic
  );
});

test('a field it does not write is refused, not dropped', () => {
  const session = writable(linphoneOffer('none'));
  session.media[0]!.mid = 'audio';
  assert.throws(() => writeLegSdp(session), /media field 'mid'/);
  const withBundle = writable(linphoneOffer('none'));
  withBundle.groups = [{ type: 'BUNDLE', mids: '0' }];
  assert.throws(() => writeLegSdp(withBundle), /session field 'groups'/);
});
