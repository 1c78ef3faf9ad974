import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueFormatError } from '../../../src/config/errors.js';
import { encryptionRulesType, srtpSuitesRulesType } from '../../../src/config/trenscrypter-lists.js';

const REFERENCE_ENC =
  'zrtp .*b2bua_zrtp.*@sip\\.example\\.org(;.*)? sdes .*b2bua_srtp.*@sip\\.example\\.org(;.*)? dtls-srtp .*b2bua_dtls.*@sip\\.example\\.org(;.*)?';
const REFERENCE_SRTP =
  'AEAD_AES_256_GCM .*b2bua_srtpgcm.*@sip\\.example\\.org(;.*)? AES_256_CM_HMAC_SHA1_80;AES_256_CM_HMAC_SHA1_32 .*b2bua_srtp256.*@sip\\.example\\.org(;.*)? AES_CM_128_HMAC_SHA1_80 .*b2bua_srtp.*@sip\\.example\\.org(;.*)?';

function refuses(parse: () => unknown, reason: string): void {
  assert.throws(parse, (err: unknown) => err instanceof ValueFormatError && err.reason === reason);
}

test('the reference test lists parse into ordered typed rules', () => {
  const enc = encryptionRulesType.parse(REFERENCE_ENC);
  assert.deepEqual(enc.map((rule) => rule.mode), ['zrtp', 'sdes', 'dtls-srtp']);
  const srtp = srtpSuitesRulesType.parse(REFERENCE_SRTP);
  assert.deepEqual(srtp.map((rule) => rule.suites), [
    ['AEAD_AES_256_GCM'],
    ['AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32'],
    ['AES_CM_128_HMAC_SHA1_80'],
  ]);
});

test('first whole-URI match decides, as in the reference tests (order matters)', () => {
  const srtp = srtpSuitesRulesType.parse(REFERENCE_SRTP);
  const suitesFor = (uri: string) => srtp.find((rule) => rule.regex.test(uri))?.suites;
  assert.deepEqual(suitesFor('sip:b2bua_srtpgcm@sip.example.org'), ['AEAD_AES_256_GCM']);
  assert.deepEqual(suitesFor('sip:b2bua_srtp256@sip.example.org;gr=urn:uuid:1'), ['AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32']);
  assert.deepEqual(suitesFor('sip:b2bua_srtp@sip.example.org'), ['AES_CM_128_HMAC_SHA1_80']);
  assert.equal(suitesFor('sip:alice@other.org'), undefined);
});

test('matching is whole-string: a regex without (;.*)? does not match a URI with parameters', () => {
  const [rule] = encryptionRulesType.parse('zrtp .*@sip\\.secure-example\\.org');
  assert.ok(rule);
  assert.equal(rule.regex.test('sip:alice@sip.secure-example.org'), true);
  assert.equal(rule.regex.test('sip:alice@sip.secure-example.org;gr=urn:uuid:f81d4fae'), false);
  assert.equal(rule.regex.test('xsip:alice@sip.secure-example.org.evil'), false);
});

test('alternation stays inside the anchors', () => {
  const [rule] = encryptionRulesType.parse('none a|b');
  assert.equal(rule?.regex.test('ab'), false);
  assert.equal(rule?.regex.test('a'), true);
});

test('commas are part of a regex, not separators (Flexisip >= 2.6.0)', () => {
  const rules = encryptionRulesType.parse('sdes sip:[0-9]{1,3}@x\\.org');
  assert.equal(rules.length, 1);
  assert.equal(rules[0]?.regex.test('sip:123@x.org'), true);
});

test('empty lists are valid', () => {
  assert.deepEqual(encryptionRulesType.parse(''), []);
  assert.deepEqual(srtpSuitesRulesType.parse(''), []);
});

test('an invalid mode is fatal and named, with a suggestion', () => {
  refuses(
    () => encryptionRulesType.parse('zrtp .* dtsl-srtp .*dtls@x'),
    "list contains invalid encryption mode 'dtsl-srtp' (did you mean 'dtls-srtp'?); expected one of zrtp, sdes, dtls-srtp, none",
  );
  refuses(() => encryptionRulesType.parse('ZRTP .*'), "list contains invalid encryption mode 'ZRTP' (did you mean 'zrtp'?); expected one of zrtp, sdes, dtls-srtp, none");
});

test('an invalid regex is fatal and named', () => {
  refuses(() => encryptionRulesType.parse('sdes .*( zrtp .*'), "list contains invalid regex '.*(': Invalid regular expression: /.*(/: Unterminated group");
  refuses(() => srtpSuitesRulesType.parse('AES_CM_128_HMAC_SHA1_80 [z-a]'), "list contains invalid regex '[z-a]': Invalid regular expression: /[z-a]/: Range out of order in character class");
});

test('an unknown suite name is fatal and named (Flexisip kept it as an invalid suite)', () => {
  refuses(
    () => srtpSuitesRulesType.parse('AES_CM_128_HMAC_SHA1_80;AES_CM_128_HMAC_SHA1_81 .*'),
    "list contains unknown SRTP suite 'AES_CM_128_HMAC_SHA1_81' (did you mean 'AES_CM_128_HMAC_SHA1_80'?)",
  );
  refuses(() => srtpSuitesRulesType.parse('NULL_CIPHER .*'), "list contains unknown SRTP suite 'NULL_CIPHER'");
});

test('all eight SDES suite names are accepted', () => {
  const all = 'AES_CM_128_HMAC_SHA1_80;AES_CM_128_HMAC_SHA1_32;AES_192_CM_HMAC_SHA1_80;AES_192_CM_HMAC_SHA1_32;AES_256_CM_HMAC_SHA1_80;AES_256_CM_HMAC_SHA1_32;AEAD_AES_128_GCM;AEAD_AES_256_GCM';
  assert.equal(srtpSuitesRulesType.parse(`${all} .*`)[0]?.suites.length, 8);
});

test('an odd number of items is fatal (Flexisip ignored the last one silently)', () => {
  refuses(() => encryptionRulesType.parse('zrtp .*@a\\.org sdes'), "list has an odd number of items: 'sdes' has no regex after it");
});
