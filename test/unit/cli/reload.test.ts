import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload } from '../../../src/cli/reload.js';
import { loadConfigText } from '../../../src/config/load.js';

const load = (text: string) => loadConfigText(text, 'r.conf', [], '/tmp');

test('reloadable keys take their new values; others keep the running ones and are reported', () => {
  const running = load('[b2bua-server]\nmax-calls=10\n[b2bua-server::trenscrypter]\noutgoing-enc-regex=sdes .*\n');
  const next = load('[b2bua-server]\nmax-calls=20\n[b2bua-server::trenscrypter]\noutgoing-enc-regex=zrtp .*\n[b2bua-daemon]\nlog-level=warn\n');
  const plan = planReload(running, next);
  assert.deepEqual(plan.applied, ['b2bua-server::trenscrypter/outgoing-enc-regex', 'b2bua-daemon/log-level']);
  assert.deepEqual(plan.needRestart, ['b2bua-server/max-calls']);
  assert.equal(plan.config.values['b2bua-server']['max-calls'], 10);
  assert.equal(plan.config.values['b2bua-server::trenscrypter']['outgoing-enc-regex'][0]?.mode, 'zrtp');
  assert.equal(plan.config.values['b2bua-daemon']['log-level'], 'warn');
});

test('an identical file changes nothing (regexes and URIs compared by value)', () => {
  const text = '[b2bua-server]\noutbound-proxy=sip:10.0.0.1;transport=tcp\n[b2bua-server::trenscrypter]\noutgoing-srtp-regex=AES_CM_128_HMAC_SHA1_80 .*\n';
  const plan = planReload(load(text), load(text));
  assert.deepEqual([plan.applied, plan.needRestart], [[], []]);
});
