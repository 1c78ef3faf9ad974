import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadAddon, nativeVersions, SRTP_TRAILER_ROOM, type NativeAddon } from '../../../src/native/addon.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('reports the versions of the linked libraries', () => {
  const versions = nativeVersions();
  assert.match(versions.libsrtp, /^2\.\d+\.\d+$/);
  assert.match(versions.openssl, /^3\.\d+\.\d+$/);
  assert.match(versions.bzrtp, /^\d+\.\d+\.\d+$/);
  assert.ok(versions.libsrtpBackend === 'openssl' || versions.libsrtpBackend === 'nss');
});

test('uses the OpenSSL-backed libsrtp when .deps/libsrtp was built', { skip: !existsSync(`${root}.deps/libsrtp/lib/libsrtp2.a`) }, () => {
  assert.equal(nativeVersions().libsrtpBackend, 'openssl');
});

test('an SRTP packet protected by the addon unprotects back to the original', () => {
  const { SrtpContext } = loadAddon();
  const key = randomBytes(30);
  const sender = new SrtpContext('AES_CM_128_HMAC_SHA1_80', key, 'outbound');
  const receiver = new SrtpContext('AES_CM_128_HMAC_SHA1_80', key, 'inbound');
  const rtp = Buffer.concat([Buffer.from('800012340000a0000badcafe', 'hex'), randomBytes(160)]);
  const buffer = Buffer.alloc(rtp.length + SRTP_TRAILER_ROOM);
  rtp.copy(buffer);

  const protectedLength = sender.protectRtp(buffer, rtp.length);
  assert.equal(protectedLength, rtp.length + 10);
  assert.notDeepEqual(buffer.subarray(12, rtp.length), rtp.subarray(12));
  const plainLength = receiver.unprotectRtp(buffer, protectedLength);
  assert.equal(plainLength, rtp.length);
  assert.deepEqual(buffer.subarray(0, plainLength), rtp);
});

test('SrtpContext rejects bad arguments with TypeError', () => {
  const { SrtpContext } = loadAddon();
  assert.throws(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', randomBytes(29), 'outbound'), TypeError);
  assert.throws(() => new SrtpContext('F8_128_HMAC_SHA1_80', randomBytes(30), 'outbound'), TypeError);
  const context = new SrtpContext('AEAD_AES_128_GCM', randomBytes(28), 'outbound');
  assert.throws(() => context.protectRtp(Buffer.alloc(40), 40), TypeError); // no room for the tag
});

test('node-gyp builds the same sources as CMake (native/addon.gypi lists every .cc)', () => {
  const listed = [...readFileSync(`${root}native/addon.gypi`, 'utf8').matchAll(/'(src\/[^']+\.cc)'/g)].map((m) => m[1]).sort();
  // Every directory under native/src, so a new one cannot be forgotten.
  const dirs = readdirSync(`${root}native/src`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const present = ['addon.cc', ...dirs.flatMap((dir) =>
    readdirSync(`${root}native/src/${dir}`).filter((f) => f.endsWith('.cc')).map((f) => `${dir}/${f}`))].map((f) => `src/${f}`).sort();
  assert.deepEqual(listed, present);
});

const gypBuild = `${root}build-gyp/build/Release/b2bua_native.node`;
test('the node-gyp build, when present, is the same addon', { skip: !existsSync(gypBuild) }, () => {
  const gyp = createRequire(import.meta.url)(gypBuild) as NativeAddon;
  assert.deepEqual(gyp.versions(), nativeVersions());
  assert.deepEqual(gyp.srtpSuites(), loadAddon().srtpSuites());
  // Its SRTP opens what the cmake-js build protected.
  const key = randomBytes(30);
  const rtp = Buffer.concat([Buffer.from('800012340000a0000badcafe', 'hex'), randomBytes(160)]);
  const buffer = Buffer.alloc(rtp.length + SRTP_TRAILER_ROOM);
  rtp.copy(buffer);
  const sent = new (loadAddon().SrtpContext)('AES_CM_128_HMAC_SHA1_80', key, 'outbound').protectRtp(buffer, rtp.length);
  const opened = new gyp.SrtpContext('AES_CM_128_HMAC_SHA1_80', key, 'inbound').unprotectRtp(buffer, sent);
  assert.deepEqual(buffer.subarray(0, opened), rtp);
});
