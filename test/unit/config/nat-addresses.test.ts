import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidValueError } from '../../../src/config/errors.js';
import { loadConfigText } from '../../../src/config/load.js';
import { resolveNatAddresses } from '../../../src/config/rules.js';

const withNat = (list: string) => loadConfigText(`[b2bua-server]\nnat-addresses=${list}\n`, 'nat.conf', [], '/tmp');

test('nat-addresses: one IPv4 and one IPv6 at most', async () => {
  assert.deepEqual(await resolveNatAddresses(withNat('192.0.2.1 2001:db8::1')), { ipv4: '192.0.2.1', ipv6: '2001:db8::1' });
  assert.deepEqual(await resolveNatAddresses(withNat('')), {});
  await assert.rejects(
    resolveNatAddresses(withNat('192.0.2.1 198.51.100.7')),
    (err: unknown) => err instanceof InvalidValueError && err.message === "nat.conf:2: [b2bua-server] nat-addresses: more than one IPv4 address ('192.0.2.1' and '198.51.100.7')",
  );
});

test('nat-addresses: host names are resolved at startup', async () => {
  // The resolver may answer ::1 or 127.0.0.1 first, depending on the host's configuration.
  const resolved = await resolveNatAddresses(withNat('localhost'));
  assert.ok(resolved.ipv4 === '127.0.0.1' || resolved.ipv6 === '::1', JSON.stringify(resolved));
});
