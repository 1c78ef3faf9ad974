import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from '../../../src/log/factory.js';
import { formatPrettyLine } from '../../../src/log/pretty.js';
import { redactText, redactValue } from '../../../src/log/redact.js';

const KEY = 'WVNfX19DV19JS0VfVEhJU19LRVlfMTIzNDU2Nzg5MA';

function capture(format: LogFormat = 'json'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', format, out }) };
}

test('SDES key material is redacted from strings, keeping the suite and lifetime', () => {
  assert.equal(
    redactText(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^31|1:1\r\na=crypto:2 AEAD_AES_256_GCM inline:${KEY}==`),
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[REDACTED]|2^31|1:1\r\na=crypto:2 AEAD_AES_256_GCM inline:[REDACTED]',
  );
});

test('secret fields are redacted at any depth; other fields are kept', () => {
  assert.deepEqual(redactValue({ user: 'bob', password: 'hunter2', account: { secret: 's', ha1: 'h', realm: 'r', sdp: `inline:${KEY}` }, list: [{ passwd: 'x' }] }), {
    user: 'bob',
    password: '[REDACTED]',
    account: { secret: '[REDACTED]', ha1: '[REDACTED]', realm: 'r', sdp: 'inline:[REDACTED]' },
    list: [{ passwd: '[REDACTED]' }],
  });
});

test('the daemon logger never writes a key or a password, in fields or messages', () => {
  const { lines, logger } = capture();
  logger.info({ password: 'hunter2', body: `inline:${KEY}` }, `offer with inline:${KEY}`);
  logger.info(`answer inline:${KEY}`);
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.equal(line.includes(KEY), false, line);
    assert.equal(line.includes('hunter2'), false, line);
  }
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual([first.level, first.password, first.body, first.msg], ['info', '[REDACTED]', 'inline:[REDACTED]', 'offer with inline:[REDACTED]']);
});

test('the level can change at runtime (SIGHUP reload)', () => {
  const { lines, logger } = capture();
  logger.debug('hidden');
  logger.level = 'debug';
  logger.debug('shown');
  assert.deepEqual(lines.map((line) => (JSON.parse(line) as { msg: string }).msg), ['shown']);
});

test('pretty format: time, level, message, then fields', () => {
  const { lines, logger } = capture('pretty');
  logger.warn({ setting: 'b2bua-server/transport' }, 'changed key needs a restart');
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN  changed key needs a restart setting=b2bua-server\/transport$/);
  assert.equal(formatPrettyLine('not json'), 'not json');
});
