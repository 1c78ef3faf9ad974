import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'sdp-transform';
import { formatCryptoAttribute, newCryptoAttribute, parseCryptoAttribute } from '../../../src/sdp/crypto-attribute.js';
import { CryptoAttributeError, SdpError } from '../../../src/sdp/errors.js';
import { cryptoLinesOf } from '../../../src/sdp/media-security.js';
import { linphoneOffer } from './sdp-fixtures.js';

test("Linphone 5.1's four a=crypto lines parse, with their key lengths, and format back unchanged", () => {
  const lines = cryptoLinesOf(parse(linphoneOffer('srtp')).media[0]!);
  const parsed = lines.map(parseCryptoAttribute);
  assert.deepEqual(
    parsed.map(({ tag, suite, keySalt }) => [tag, suite, keySalt.length]),
    [
      [1, 'AES_CM_128_HMAC_SHA1_80', 30],
      [2, 'AES_CM_128_HMAC_SHA1_32', 30],
      [3, 'AES_256_CM_HMAC_SHA1_80', 46],
      [4, 'AES_256_CM_HMAC_SHA1_32', 46],
    ],
  );
  assert.deepEqual(parsed.map(formatCryptoAttribute), lines);
});

test('RFC 4568 example: lifetime kept, session parameters kept aside, MKI refused as unsupported', () => {
  const key = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
  const withLifetime = parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20 KDR=1 UNENCRYPTED_SRTCP`);
  assert.equal(withLifetime.lifetime, '2^20');
  assert.deepEqual(withLifetime.sessionParams, ['KDR=1', 'UNENCRYPTED_SRTCP']);
  assert.equal(formatCryptoAttribute(withLifetime), `1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20 KDR=1 UNENCRYPTED_SRTCP`);
  for (const value of [`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20|1:32`, `1 AES_CM_128_HMAC_SHA1_80 inline:${key}|1:4`]) {
    assert.throws(() => parseCryptoAttribute(value), (error: SdpError) => error instanceof CryptoAttributeError && error.status === 488 && /MKI/.test(error.reason));
  }
});

test('unknown suites and several keys per line are unsupported (488); broken lines are malformed (400)', () => {
  const key = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';
  const status = (value: string) => {
    try {
      parseCryptoAttribute(value);
    } catch (error) {
      assert.ok(error instanceof CryptoAttributeError);
      return error.status;
    }
    return 'accepted';
  };
  assert.equal(status(`1 F8_128_HMAC_SHA1_80 inline:${key}`), 488);
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 inline:${key};inline:${key}`), 488);
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 inline:${key.slice(0, 20)}`), 400, 'key too short for the suite');
  assert.equal(status(`1 AES_256_CM_HMAC_SHA1_80 inline:${key}`), 400, '30 bytes for a 46-byte suite');
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 inline:${key.slice(0, -1)}!`), 400, 'not base64');
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 uri:${key}`), 400, 'not inline');
  assert.equal(status(`AES_CM_128_HMAC_SHA1_80 inline:${key}`), 400, 'no tag');
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 inline:${key}|x`), 400, 'neither lifetime nor MKI');
  assert.equal(status(`1 AES_CM_128_HMAC_SHA1_80 inline:${key}`), 'accepted');
});

test('new attributes carry a fresh key of the suite length (GCM: 16 + 12, 32 + 12)', () => {
  const a = newCryptoAttribute(1, 'AEAD_AES_128_GCM');
  const b = newCryptoAttribute(1, 'AEAD_AES_128_GCM');
  assert.equal(a.keySalt.length, 28);
  assert.notDeepEqual(a.keySalt, b.keySalt);
  assert.equal(newCryptoAttribute(2, 'AEAD_AES_256_GCM').keySalt.length, 44);
  const again = parseCryptoAttribute(formatCryptoAttribute(newCryptoAttribute(7, 'AES_192_CM_HMAC_SHA1_32')));
  assert.equal(again.tag, 7);
  assert.equal(again.keySalt.length, 38);
});
