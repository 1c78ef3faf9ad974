import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trenscrypter } from '../../../src/apps/trenscrypter/trenscrypter.js';
import type { CallView, Decline, LegAView, LegBPlan } from '../../../src/b2bua/application.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { EncryptionMode } from '../../../src/config/trenscrypter-lists.js';
import { formatNameAddr, parseNameAddr } from '../../../src/sip/header-values.js';
import { formatUri, parseUri } from '../../../src/sip/uri.js';

// The configuration of Flexisip's trenscrypter test suite (reference §4.2), verbatim.
const REFERENCE_CONF = String.raw`
[b2bua-server::trenscrypter]
outgoing-enc-regex=zrtp .*b2bua_zrtp.*@sip\.example\.org(;.*)? sdes .*b2bua_srtp.*@sip\.example\.org(;.*)? dtls-srtp .*b2bua_dtls.*@sip\.example\.org(;.*)?
outgoing-srtp-regex=AEAD_AES_256_GCM .*b2bua_srtpgcm.*@sip\.example\.org(;.*)? AES_256_CM_HMAC_SHA1_80;AES_256_CM_HMAC_SHA1_32 .*b2bua_srtp256.*@sip\.example\.org(;.*)? AES_CM_128_HMAC_SHA1_80 .*b2bua_srtp.*@sip\.example\.org(;.*)?
`;

const ALL_MODES: EncryptionMode[] = ['none', 'sdes', 'dtls-srtp', 'zrtp'];

function config(text: string) {
  return loadConfigText(text, 'test.conf', [], '/tmp');
}

function legA(to: string, mediaMode: EncryptionMode = 'none', from = '"Alice" <sip:alice@sip.example.org>;tag=a1'): LegAView {
  return { requestUri: parseUri('sip:b2bua@127.0.0.1:6067;transport=tcp'), from: parseNameAddr(from), to: parseNameAddr(to), mediaMode };
}

function plan(result: Decline | LegBPlan): LegBPlan {
  assert.equal(result.kind, 'leg-b', `expected a leg B plan, got ${JSON.stringify(result)}`);
  return result as LegBPlan;
}

/** Leg B's mode for a call from a plain-RTP leg A to `to`. */
function legBMode(app: Trenscrypter, to: string): EncryptionMode {
  return plan(app.onCallCreate(legA(to, 'none'))).media.mode;
}

function declined(result: Decline | LegBPlan): Decline {
  assert.equal(result.kind, 'decline', 'expected a decline');
  return result as Decline;
}

test('the reference suite: each callee gets the mode and suites Flexisip tests expect', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  const media = (user: string, mode: EncryptionMode) => plan(app.onCallCreate(legA(`<sip:${user}@sip.example.org>`, mode))).media;
  assert.deepEqual(media('b2bua_zrtp', 'sdes'), { mode: 'zrtp' });
  assert.deepEqual(media('b2bua_dtls', 'zrtp'), { mode: 'dtls-srtp' });
  assert.deepEqual(media('b2bua_srtp', 'none'), { mode: 'sdes', srtpSuites: ['AES_CM_128_HMAC_SHA1_80'] });
  // First match wins: these two also match the later `.*b2bua_srtp.*` rule of both lists.
  assert.deepEqual(media('b2bua_srtp256', 'none'), { mode: 'sdes', srtpSuites: ['AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32'] });
  assert.deepEqual(media('b2bua_srtpgcm', 'dtls-srtp'), { mode: 'sdes', srtpSuites: ['AEAD_AES_256_GCM'] });
});

test('no encryption rule matches: leg B uses leg A\'s mode, whatever it is', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  for (const mode of ['none', 'zrtp', 'dtls-srtp'] as const) {
    assert.deepEqual(plan(app.onCallCreate(legA('<sip:bob@sip.example.org>', mode))).media, { mode });
  }
  // The same user in another domain matches no rule.
  assert.deepEqual(plan(app.onCallCreate(legA('<sip:b2bua_zrtp@other.example.org>', 'none'))).media, { mode: 'none' });
});

test('an inherited SDES still consults outgoing-srtp-regex', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF.replace(/^outgoing-enc-regex=.*$/m, 'outgoing-enc-regex=zrtp sip:nobody@nowhere')));
  const media = plan(app.onCallCreate(legA('<sip:b2bua_srtp256@sip.example.org>', 'sdes'))).media;
  assert.deepEqual(media, { mode: 'sdes', srtpSuites: ['AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32'] });
});

test('SDES with no suite rule matching offers the default list of §4.2', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  assert.deepEqual(plan(app.onCallCreate(legA('<sip:carol@elsewhere.org>', 'sdes'))).media, {
    mode: 'sdes',
    srtpSuites: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32'],
  });
});

test('empty lists: every call keeps leg A\'s mode', () => {
  const app = new Trenscrypter(config(''));
  for (const mode of ALL_MODES) {
    const { media } = plan(app.onCallCreate(legA('<sip:b2bua_zrtp@sip.example.org>', mode)));
    assert.equal(media.mode, mode);
  }
});

test('the callee is leg A\'s To URI with its parameters, not the Request-URI', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  const gruu = '<sip:b2bua_zrtp@sip.example.org;gr=urn:uuid:6e2a0b8a-0d10-4cd9-a1b8-1f7b2f2e2d41>;tag=t9';
  const result = plan(app.onCallCreate({ ...legA(gruu, 'none'), requestUri: parseUri('sip:b2bua_dtls@sip.example.org') }));
  assert.equal(formatUri(result.callee), 'sip:b2bua_zrtp@sip.example.org;gr=urn:uuid:6e2a0b8a-0d10-4cd9-a1b8-1f7b2f2e2d41');
  assert.deepEqual(result.media, { mode: 'zrtp' });
});

test('regexes match the whole URI: without (;.*)? a rule misses a callee with parameters', () => {
  const app = new Trenscrypter(config(String.raw`
[b2bua-server::trenscrypter]
outgoing-enc-regex=zrtp sip:.*@secure\.example\.org
`));
  const mode = (to: string) => legBMode(app, to);
  assert.equal(mode('<sip:bob@secure.example.org>'), 'zrtp');
  assert.equal(mode('<sip:bob@secure.example.org;gr=urn:uuid:1>'), 'none');
  assert.equal(mode('<sip:bob@secure.example.org.evil>'), 'none');
  assert.equal(mode('<sip:bob@secure.example.org:5061>'), 'none');
  // Case-sensitive, as std::regex_match.
  assert.equal(mode('<sip:bob@SECURE.example.org>'), 'none');
});

test('the matched text is the canonical URI: escapes normalised, parameters in received order', () => {
  const app = new Trenscrypter(config(String.raw`
[b2bua-server::trenscrypter]
outgoing-enc-regex=dtls-srtp sip:bob@example\.org;transport=tcp;gr=x dtls-srtp tel:\+33.*
`));
  const mode = (to: string) => legBMode(app, to);
  assert.equal(mode('<sip:%62ob@example.org;transport=tcp;gr=x>'), 'dtls-srtp');
  assert.equal(mode('<sip:bob@example.org;gr=x;transport=tcp>'), 'none');
  assert.equal(mode('<tel:+33123456789>'), 'dtls-srtp');
});

test('URI headers of the To URI are not part of the callee', () => {
  const app = new Trenscrypter(config(String.raw`
[b2bua-server::trenscrypter]
outgoing-enc-regex=zrtp sip:bob@example\.org
`));
  const result = plan(app.onCallCreate(legA('<sip:bob@example.org?Subject=hello>', 'none')));
  assert.equal(formatUri(result.callee), 'sip:bob@example.org');
  assert.equal(result.media.mode, 'zrtp');
});

test('leg B\'s From is leg A\'s From with its display name, without leg A\'s tag', () => {
  const app = new Trenscrypter(config(''));
  const result = plan(app.onCallCreate(legA('<sip:bob@example.org>', 'none', '"Alice Liddell" <sip:alice@wonderland.example;user=phone>;tag=8f2c')));
  assert.equal(formatNameAddr(result.from), '"Alice Liddell" <sip:alice@wonderland.example;user=phone>');
});

test('a mode leg B cannot use is declined with 488, chosen by rule or inherited', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF), { usableModes: new Set<EncryptionMode>(['none', 'sdes', 'dtls-srtp']) });
  const byRule = declined(app.onCallCreate(legA('<sip:b2bua_zrtp@sip.example.org>', 'none')));
  assert.equal(byRule.status, 488);
  assert.match(byRule.reason, /zrtp/);
  assert.equal(declined(app.onCallCreate(legA('<sip:bob@sip.example.org>', 'zrtp'))).status, 488);
  // A rule can also move a caller off the unusable mode.
  assert.deepEqual(plan(app.onCallCreate(legA('<sip:b2bua_dtls@sip.example.org>', 'zrtp'))).media, { mode: 'dtls-srtp' });
});

test('SUBSCRIBE is refused with 488', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  const result = app.onSubscribe({
    requestUri: parseUri('sip:bob@sip.example.org'),
    from: parseNameAddr('<sip:alice@sip.example.org>;tag=1'),
    to: parseNameAddr('<sip:bob@sip.example.org>'),
    event: 'message-summary',
    expires: 3600,
  });
  assert.deepEqual(result, { kind: 'decline', status: 488, reason: 'Not Supported Yet' });
});

test('a transfer target is never translated', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  const legAView = legA('<sip:b2bua_srtp@sip.example.org>', 'none');
  const call: CallView = { legA: legAView, plan: plan(app.onCallCreate(legAView)) };
  assert.equal(app.onTransfer(parseUri('sip:b2bua_zrtp@sip.example.org'), call), undefined);
});

test('a reload changes the choice for the next call only', () => {
  const app = new Trenscrypter(config(REFERENCE_CONF));
  const before = plan(app.onCallCreate(legA('<sip:b2bua_srtp@sip.example.org>', 'none')));
  app.reload(config(String.raw`
[b2bua-server::trenscrypter]
outgoing-enc-regex=sdes sip:b2bua_srtp@sip\.example\.org
outgoing-srtp-regex=AEAD_AES_128_GCM sip:b2bua_srtp@sip\.example\.org
`));
  const after = plan(app.onCallCreate(legA('<sip:b2bua_srtp@sip.example.org>', 'none')));
  assert.deepEqual(after.media, { mode: 'sdes', srtpSuites: ['AEAD_AES_128_GCM'] });
  assert.deepEqual(before.media, { mode: 'sdes', srtpSuites: ['AES_CM_128_HMAC_SHA1_80'] });
  // The reloaded lists have no rule for b2bua_zrtp any more.
  assert.deepEqual(plan(app.onCallCreate(legA('<sip:b2bua_zrtp@sip.example.org>', 'none'))).media, { mode: 'none' });
});
