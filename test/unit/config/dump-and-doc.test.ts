import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigurationDoc } from '../../../src/config/doc.js';
import { dumpDefaultConfig } from '../../../src/config/dump.js';
import { loadConfigText, loadEmbeddedDefault } from '../../../src/config/load.js';
import { readConfigText } from '../../../src/config/reader.js';
import { SCHEMA } from '../../../src/config/schema.js';

test('--dump-default parses back to the embedded default values', () => {
  const dumped = loadConfigText(dumpDefaultConfig('9.9.9'), 'dump.conf', [], '/tmp');
  assert.deepEqual(dumped.values, loadEmbeddedDefault().values);
  assert.deepEqual(dumped.warnings, []);
  assert.deepEqual(dumped.ignoredSections, ['module::B2bua']);
});

test('--dump-default writes every key of the schema at its default', () => {
  const raw = readConfigText(dumpDefaultConfig('9.9.9'), 'dump.conf');
  for (const section of SCHEMA) {
    const entries = raw.sections.get(section.name.toLowerCase())?.entries;
    assert.ok(entries, `section ${section.name} missing`);
    assert.deepEqual(
      [...entries].map(([name, entry]) => [name, entry.value]),
      Object.entries(section.keys).map(([name, spec]) => [name, spec.default]),
    );
  }
});

test('the schema declares all 16 [b2bua-server] keys of Flexisip', () => {
  const server = SCHEMA.find((section) => section.name === 'b2bua-server');
  assert.deepEqual(Object.keys(server?.keys ?? {}).sort(), [
    'application', 'audio-codec', 'audio-port', 'data-directory', 'enable-ice', 'enable-keepalive', 'max-call-duration', 'max-calls',
    'nat-addresses', 'no-rtp-timeout', 'one-connection-per-account', 'outbound-proxy', 'transport', 'user-agent', 'video-codec', 'video-port',
  ]);
});

test('docs/configuration.md is up to date with the schema (regenerate: node scripts/gen-config-doc.js)', () => {
  const committed = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, renderConfigurationDoc());
});
