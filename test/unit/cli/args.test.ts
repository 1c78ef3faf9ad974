import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArguments, parseOverride } from '../../../src/cli/args.js';
import { ArgumentError } from '../../../src/cli/errors.js';
import { configLoader } from '../../../src/cli/config-source.js';
import { EMBEDDED_DEFAULT } from '../../../src/config/load.js';

const FIXTURE = new URL('../../../../test/fixtures/conf/shared-with-proxy.conf', import.meta.url).pathname;

test('no arguments: run with the default configuration source', () => {
  assert.deepEqual(parseArguments([]), { command: 'run', overrides: [], debug: false });
});

test('Flexisip spellings and ours', () => {
  assert.deepEqual(parseArguments(['--server', 'b2bua', '-c', '/etc/f.conf', '--set', 'b2bua-server/max-calls=3', '--set=global/log-level=debug', '-d']), {
    command: 'run',
    configPath: '/etc/f.conf',
    overrides: [
      { section: 'b2bua-server', key: 'max-calls', value: '3' },
      { section: 'global', key: 'log-level', value: 'debug' },
    ],
    debug: true,
  });
  assert.equal(parseArguments(['--config=/x.conf']).configPath, '/x.conf');
  assert.equal(parseArguments(['--dump-default']).command, 'dump-default');
  assert.equal(parseArguments(['-v']).command, 'version');
  assert.equal(parseArguments(['--help']).command, 'help');
});

test('--set: the section may contain ::, the value may contain = and /', () => {
  assert.deepEqual(parseOverride('b2bua-server::trenscrypter/outgoing-enc-regex=sdes sip:.*/x=1'), {
    section: 'b2bua-server::trenscrypter',
    key: 'outgoing-enc-regex',
    value: 'sdes sip:.*/x=1',
  });
  assert.deepEqual(parseOverride('b2bua-server/nat-addresses='), { section: 'b2bua-server', key: 'nat-addresses', value: '' });
});

test('malformed arguments are ArgumentErrors with the reason', () => {
  const cases: [string[], string][] = [
    [['--set', 'max-calls=3'], "--set expects SECTION/KEY=VALUE, got 'max-calls=3'"],
    [['--set', 'b2bua-server/=3'], "--set expects SECTION/KEY=VALUE, got 'b2bua-server/=3'"],
    [['--set', 'b2bua-server/max-calls'], "--set expects SECTION/KEY=VALUE, got 'b2bua-server/max-calls'"],
    [['--server', 'proxy'], "this program only runs the b2bua server, not 'proxy'"],
    [['--config'], '--config needs a value'],
    [['b2bua'], "unknown argument 'b2bua'"],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseArguments(argv), (err: unknown) => err instanceof ArgumentError && err.message === message);
  }
});

test('config source: -c file, else $B2BUA_CONFIG or the default path if it exists, else the embedded default', () => {
  const withFile = configLoader(parseArguments(['-c', FIXTURE]))();
  assert.equal(withFile.source, FIXTURE);
  assert.equal(configLoader(parseArguments([]), { B2BUA_CONFIG: FIXTURE })().source, FIXTURE);
  assert.equal(configLoader(parseArguments([]), { B2BUA_CONFIG: '/nonexistent/flexisip.conf' })().source, EMBEDDED_DEFAULT);
});

test('--debug overrides the log level, in the file and after a reload', () => {
  const load = configLoader(parseArguments(['-c', FIXTURE, '--debug', '--set', 'b2bua-daemon/log-level=error']));
  assert.equal(load().values['b2bua-daemon']['log-level'], 'debug');
  assert.equal(load().values['b2bua-daemon']['log-level'], 'debug');
});
