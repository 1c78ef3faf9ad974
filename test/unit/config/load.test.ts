import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigSyntaxError, InvalidValueError, UnknownKeyError } from '../../../src/config/errors.js';
import { EMBEDDED_DEFAULT, loadConfigFile, loadConfigText, loadEmbeddedDefault, type Override } from '../../../src/config/load.js';

const FIXTURES = new URL('../../../../test/fixtures/conf/', import.meta.url).pathname;

function load(text: string, overrides: Override[] = []) {
  return loadConfigText(text, 'test.conf', overrides, '/tmp');
}

function refuses(text: string, errorClass: new (...args: never[]) => ConfigError, message: string, overrides: Override[] = []): void {
  assert.throws(
    () => load(text, overrides),
    (err: unknown) => {
      assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${String(err)}`);
      assert.equal((err as Error).message, message);
      return true;
    },
  );
}

test('the embedded default: trenscrypter on sip:127.0.0.1:6067;transport=tcp', () => {
  const config = loadEmbeddedDefault();
  const server = config.values['b2bua-server'];
  assert.equal(config.source, EMBEDDED_DEFAULT);
  assert.equal(server.application, 'trenscrypter');
  assert.deepEqual([server.transport.protocol, server.transport.uri.host, server.transport.port], ['tcp', '127.0.0.1', 6067]);
  assert.equal(server['no-rtp-timeout'], 30_000);
  assert.equal(server['max-calls'], 500);
  assert.deepEqual(config.values['b2bua-server::trenscrypter']['outgoing-enc-regex'], []);
});

test('a flexisip.conf shared with a Flexisip proxy loads: foreign sections ignored, B2BUA sections typed', () => {
  const config = loadConfigFile(join(FIXTURES, 'shared-with-proxy.conf'));
  assert.deepEqual(config.ignoredSections, ['global', 'module::Registrar', 'module::Authentication', 'Module::B2bua', 'conference-server']);
  const server = config.values['b2bua-server'];
  assert.equal(server['max-call-duration'], 2 * 3_600_000);
  assert.deepEqual(server['audio-port'], { min: 20000, max: 29999 });
  assert.equal(server['user-agent'], 'Flexisip-B2BUA/2.5.0');
  const lists = config.values['b2bua-server::trenscrypter'];
  assert.deepEqual(lists['outgoing-enc-regex'].map((rule) => rule.mode), ['zrtp', 'sdes', 'dtls-srtp']);
  assert.equal(lists['outgoing-srtp-regex'].length, 3);
  // The providers file does not exist: not an error while the application is trenscrypter.
  assert.equal(config.values['b2bua-server::sip-bridge'].providers, '/nonexistent/providers.json');
  assert.deepEqual(config.warnings, []);
});

test('the same file with CRLF line ends gives the same values', () => {
  const text = readFileSync(join(FIXTURES, 'shared-with-proxy.conf'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'b2bua-conf-'));
  writeFileSync(join(dir, 'crlf.conf'), text.replace(/\n/g, '\r\n'));
  const lf = loadConfigFile(join(FIXTURES, 'shared-with-proxy.conf')).values;
  const crlf = loadConfigFile(join(dir, 'crlf.conf')).values;
  assert.equal(crlf['b2bua-server']['user-agent'], 'Flexisip-B2BUA/2.5.0');
  assert.deepEqual(
    crlf['b2bua-server::trenscrypter']['outgoing-srtp-regex'].map((rule) => rule.regex.source),
    lf['b2bua-server::trenscrypter']['outgoing-srtp-regex'].map((rule) => rule.regex.source),
  );
});

test('the fixture with Flexisip help text typo fails, naming file, line and item', () => {
  const path = join(FIXTURES, 'invalid-enc-mode.conf');
  assert.throws(
    () => loadConfigFile(path),
    (err: unknown) =>
      err instanceof InvalidValueError &&
      err.message ===
        `${path}:6: [b2bua-server::trenscrypter] outgoing-enc-regex: list contains invalid encryption mode 'dtsl-srtp' (did you mean 'dtls-srtp'?); expected one of zrtp, sdes, dtls-srtp, none`,
  );
});

test('an unknown key in an owned section is fatal with file, line, key and suggestion', () => {
  const path = join(FIXTURES, 'typo-key.conf');
  assert.throws(
    () => loadConfigFile(path),
    (err: unknown) =>
      err instanceof UnknownKeyError && err.message === `${path}:3: unknown key 'transports' in section [b2bua-server]; did you mean 'transport'?`,
  );
  refuses('[b2bua-server::trenscrypter]\noutgoing-regex=\n', UnknownKeyError, "test.conf:2: unknown key 'outgoing-regex' in section [b2bua-server::trenscrypter]; did you mean 'outgoing-enc-regex'?");
  refuses('[b2bua-server]\ncompletely-different=1\n', UnknownKeyError, "test.conf:2: unknown key 'completely-different' in section [b2bua-server]");
});

test('an unknown b2bua-server:: section or a near miss of an owned one is fatal', () => {
  refuses('[b2bua-server::trenscryptor]\n', UnknownKeyError, "test.conf:1: unknown section [b2bua-server::trenscryptor]; did you mean 'b2bua-server::trenscrypter'?");
  refuses('[b2bua_server]\n', UnknownKeyError, "test.conf:1: unknown section [b2bua_server]; did you mean 'b2bua-server'?");
  refuses('[b2bua-server::media]\n', UnknownKeyError, 'test.conf:1: unknown section [b2bua-server::media]');
});

test('owned sections and keys are found whatever their case', () => {
  const config = load('[B2BUA-Server]\nMax-Calls=7\n');
  assert.equal(config.values['b2bua-server']['max-calls'], 7);
});

test('a line without = inside an owned section is fatal; elsewhere it is ignored', () => {
  refuses('[b2bua-server]\ntransport sip:127.0.0.1\n', ConfigSyntaxError, "test.conf:2: expected 'key=value' in section [b2bua-server]");
  assert.equal(load('[global]\nwhatever\n').values['b2bua-server']['max-calls'], 500);
});

test('key= (empty) means unset: the default applies, with a warning when the default is not empty', () => {
  const config = load('[b2bua-server]\noutbound-proxy=\nnat-addresses=\nmax-calls=  \n');
  assert.equal(config.values['b2bua-server']['outbound-proxy'].port, 5060);
  assert.equal(config.values['b2bua-server']['max-calls'], 500);
  assert.deepEqual(config.warnings, [
    "test.conf:2: [b2bua-server] outbound-proxy is empty: default 'sip:127.0.0.1:5060;transport=tcp' applies",
    "test.conf:4: [b2bua-server] max-calls is empty: default '500' applies",
  ]);
});

test('every [b2bua-server] validation rule refuses a bad value with its reason', () => {
  const cases: [string, string][] = [
    ['application=proxy', "[b2bua-server] application: 'proxy' is not one of trenscrypter, sip-bridge"],
    ['transport=sip:127.0.0.1;transport=sctp', "[b2bua-server] transport: 'sip:127.0.0.1;transport=sctp': unsupported transport 'sctp' for scheme sip"],
    ['transport=http://x', "[b2bua-server] transport: 'http://x' is not a sip: or sips: URI"],
    ['enable-keepalive=yes', "[b2bua-server] enable-keepalive: 'yes' is not a boolean (true, false, 1 or 0)"],
    ['audio-port=10-5', "[b2bua-server] audio-port: range '10-5' has its minimum above its maximum"],
    ['video-port=65536', '[b2bua-server] video-port: must be between 0 and 65535 (got 65536)'],
    ['user-agent=Flexisip-B2BUA/', "[b2bua-server] user-agent: 'Flexisip-B2BUA/' is not name[/version], each of letters, digits, backquotes and -.!%*_+'~ (version may be {version})"],
    ['user-agent=My UA', "[b2bua-server] user-agent: 'My UA' is not name[/version], each of letters, digits, backquotes and -.!%*_+'~ (version may be {version})"],
    ['user-agent=a/{v}', "[b2bua-server] user-agent: 'a/{v}' is not name[/version], each of letters, digits, backquotes and -.!%*_+'~ (version may be {version})"],
    ['outbound-proxy=127.0.0.1:5060', "[b2bua-server] outbound-proxy: '127.0.0.1:5060' is not a valid SIP URI (invalid URI scheme)"],
    ['outbound-proxy=tel:+33123', "[b2bua-server] outbound-proxy: 'tel:+33123' is not a sip: or sips: URI"],
    ['no-rtp-timeout=0', '[b2bua-server] no-rtp-timeout: must be strictly positive'],
    ['no-rtp-timeout=500ms', "[b2bua-server] no-rtp-timeout: '500ms' uses a unit finer than this key's unit (s)"],
    ['max-call-duration=-1', "[b2bua-server] max-call-duration: '-1' is not a duration (digits and one of ms s min h d m y)"],
    ['audio-codec=speex', "[b2bua-server] audio-codec: 'speex' is not `<codec>/<rate>` (e.g. `PCMU/8000`) or empty"],
    ['video-codec=H264/90000', "[b2bua-server] video-codec: 'H264/90000' is not `<codec>` (e.g. `H264`) or empty"],
    ['one-connection-per-account=True', "[b2bua-server] one-connection-per-account: 'True' is not a boolean (true, false, 1 or 0)"],
    ['max-calls=0', '[b2bua-server] max-calls: must be at least 1 (got 0)'],
  ];
  for (const [line, message] of cases) {
    refuses(`[b2bua-server]\n${line}\n`, InvalidValueError, `test.conf:2: ${message}`);
  }
});

test('nat-addresses needs enable-ice', () => {
  refuses('[b2bua-server]\nenable-ice=false\nnat-addresses=192.0.2.1\n', InvalidValueError, 'test.conf:3: [b2bua-server] nat-addresses: must be empty when enable-ice is false');
});

test('a TLS transport needs a readable certificate and key', () => {
  refuses('[b2bua-server]\ntransport=sips:127.0.0.1:0\n', InvalidValueError, 'test.conf: [b2bua-daemon] tls-certificate: required by the TLS transport sips:127.0.0.1:0');
  refuses(
    '[b2bua-server]\ntransport=sip:127.0.0.1:0;transport=tls\n[b2bua-daemon]\ntls-certificate=/nonexistent/cert.pem\n',
    InvalidValueError,
    "test.conf:4: [b2bua-daemon] tls-certificate: cannot read '/nonexistent/cert.pem': ENOENT",
  );
});

test('sip-bridge: the providers file is resolved against the config directory and must be JSON', () => {
  const config = loadConfigFile(join(FIXTURES, 'sip-bridge/flexisip.conf'));
  assert.equal(config.values['b2bua-server'].application, 'sip-bridge');
  refuses(
    '[b2bua-server]\napplication=sip-bridge\n[b2bua-server::sip-bridge]\nproviders=missing.json\n',
    InvalidValueError,
    "test.conf:4: [b2bua-server::sip-bridge] providers: failed to open external SIP providers JSON configuration file '/tmp/missing.json'",
  );
  const dir = mkdtempSync(join(tmpdir(), 'b2bua-conf-'));
  writeFileSync(join(dir, 'broken.json'), '{ "schemaVersion": 2,');
  assert.throws(
    () => loadConfigText(`[b2bua-server]\napplication=sip-bridge\n[b2bua-server::sip-bridge]\nproviders=broken.json\n`, 'x.conf', [], dir),
    (err: unknown) => err instanceof InvalidValueError && err.message.startsWith(`x.conf:4: [b2bua-server::sip-bridge] providers: '${dir}/broken.json' is not valid JSON:`),
  );
});

test('--set overrides replace file values, create sections, and are validated like the file', () => {
  const config = load('[b2bua-server]\nmax-calls=10\n', [
    { section: 'b2bua-server', key: 'max-calls', value: '20' },
    { section: 'b2bua-server::trenscrypter', key: 'outgoing-enc-regex', value: 'sdes .*' },
    { section: 'global', key: 'log-level', value: 'debug' },
  ]);
  assert.equal(config.values['b2bua-server']['max-calls'], 20);
  assert.equal(config.values['b2bua-server::trenscrypter']['outgoing-enc-regex'][0]?.mode, 'sdes');
  refuses('', UnknownKeyError, "--set b2bua-server/max-call: unknown key 'max-call' in section [b2bua-server]; did you mean 'max-calls'?", [
    { section: 'b2bua-server', key: 'max-call', value: '1' },
  ]);
  refuses('', InvalidValueError, "--set b2bua-server/max-calls: [b2bua-server] max-calls: 'many' is not an integer", [
    { section: 'b2bua-server', key: 'max-calls', value: 'many' },
  ]);
});

test('an unreadable file is a ConfigError naming it', () => {
  assert.throws(
    () => loadConfigFile('/nonexistent/flexisip.conf'),
    (err: unknown) => err instanceof ConfigError && err.message.startsWith('/nonexistent/flexisip.conf: cannot read configuration file: ENOENT'),
  );
});
