import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigText, MAX_VALUE_BYTES } from '../../../src/config/reader.js';
import { ConfigSyntaxError, DuplicateKeyError } from '../../../src/config/errors.js';

function entries(text: string, section = 'b2bua-server'): Record<string, string> {
  const raw = readConfigText(text, 'test.conf').sections.get(section);
  assert.ok(raw, `section ${section} not read`);
  return Object.fromEntries([...raw.entries].map(([id, entry]) => [id, entry.value]));
}

test('sections and key=value lines', () => {
  assert.deepEqual(entries('[b2bua-server]\napplication=trenscrypter\nmax-calls=10\n'), {
    application: 'trenscrypter',
    'max-calls': '10',
  });
});

test('a # starts a comment only at the beginning of a line (after spaces or tabs)', () => {
  assert.deepEqual(entries('[b2bua-server]\n# application=sip-bridge\n   # x=1\n\t# y=2\nuser-agent=a#b # c\n'), {
    'user-agent': 'a#b # c',
  });
});

test('the value is everything after the first =, blanks around it removed', () => {
  assert.deepEqual(entries('[b2bua-server]\n  filter =  a=b c  \t\n'), { filter: 'a=b c' });
});

test('CRLF lines read like LF lines (no \\r left in values)', () => {
  assert.deepEqual(entries('[b2bua-server]\r\ntransport=sip:127.0.0.1:6067;transport=tcp\r\nmax-calls=5\r\n'), {
    transport: 'sip:127.0.0.1:6067;transport=tcp',
    'max-calls': '5',
  });
});

test('section names and keys are case-insensitive; the name keeps its spelling', () => {
  const raw = readConfigText('[Module::B2bua]\nEnabled=true\n', 'test.conf');
  const section = raw.sections.get('module::b2bua');
  assert.equal(section?.name, 'Module::B2bua');
  assert.equal(section?.entries.get('enabled')?.value, 'true');
});

test('a section header takes the first blank-free token between the brackets', () => {
  const raw = readConfigText('[ b2bua-server  extra ]\nmax-calls=1\n', 'test.conf');
  assert.deepEqual([...raw.sections.keys()], ['b2bua-server']);
});

test('a repeated section header merges into the first', () => {
  assert.deepEqual(entries('[b2bua-server]\na=1\n[global]\nx=1\n[B2BUA-SERVER]\nb=2\n'), { a: '1', b: '2' });
});

test('a duplicate key is refused, naming both lines, whatever its case or section re-opening', () => {
  assert.throws(
    () => readConfigText('[b2bua-server]\nmax-calls=1\n[global]\n[b2bua-server]\nMAX-CALLS=2\n', 'dup.conf'),
    (err: unknown) =>
      err instanceof DuplicateKeyError &&
      err.message === "dup.conf:5: key 'MAX-CALLS' in section [b2bua-server] is set twice (first at line 2)",
  );
});

test('an empty value is recorded as empty (the loader applies the default)', () => {
  assert.deepEqual(entries('[b2bua-server]\na=\nb=   \n'), { a: '', b: '' });
});

test(`a value of ${MAX_VALUE_BYTES} bytes is read; one byte more is refused`, () => {
  const longest = 'x'.repeat(MAX_VALUE_BYTES);
  assert.equal(entries(`[b2bua-server]\nk=${longest}\n`).k, longest);
  assert.throws(
    () => readConfigText(`[b2bua-server]\nk=${longest}y\n`, 'long.conf'),
    (err: unknown) => err instanceof ConfigSyntaxError && err.message === `long.conf:2: value of key 'k' is longer than ${MAX_VALUE_BYTES} bytes`,
  );
});

test('a key before any section is ignored with a warning', () => {
  const raw = readConfigText('orphan=1\n[b2bua-server]\n', 'test.conf');
  assert.deepEqual(raw.warnings, ["test.conf:1: key 'orphan' before any [section] is ignored"]);
  assert.equal(raw.sections.get('b2bua-server')?.entries.size, 0);
});

test('lines with neither [ nor = are kept aside for the loader to judge', () => {
  const raw = readConfigText('[global]\njust words\n', 'test.conf');
  assert.deepEqual(raw.sections.get('global')?.strayLines, [{ source: 'test.conf', line: 2 }]);
});

test('a malformed section header is refused', () => {
  assert.throws(
    () => readConfigText('[b2bua-server\n', 'bad.conf'),
    (err: unknown) => err instanceof ConfigSyntaxError && err.message === "bad.conf:1: malformed section header '[b2bua-server'",
  );
});

test('no line continuation: a trailing backslash stays in the value', () => {
  assert.deepEqual(entries('[b2bua-server]\na=x \\\nb=y\n'), { a: 'x \\', b: 'y' });
});
