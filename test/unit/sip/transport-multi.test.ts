import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportLayer } from '../../../src/sip/transport/transport-layer.js';
import type { Endpoint } from '../../../src/sip/transport/types.js';
import { killAllPeers } from '../../helpers/processes.js';
import { makeSelfSignedCert, type TestCertificate } from '../../helpers/tls-cert.js';
import { inbox, parsedRequest } from './transport-helpers.js';

let cert: TestCertificate;

before(async () => {
  cert = await makeSelfSignedCert();
});
after(async () => {
  await cert?.remove();
  await killAllPeers();
});

describe('several transports in one layer', { timeout: 30_000 }, () => {
  it('listens on UDP, TCP and TLS over IPv4 and IPv6 at once, and counts across them', async () => {
    const server = new TransportLayer();
    const client = new TransportLayer();
    try {
      const endpoints: Endpoint[] = [];
      for (const address of ['127.0.0.1', '::1']) {
        for (const protocol of ['udp', 'tcp', 'tls'] as const) {
          endpoints.push(await server.listen({ protocol, address, port: 0, tls: cert }));
          await client.listen({ protocol, address, port: 0, tls: cert });
        }
      }
      assert.deepEqual(server.localEndpoint('tls', 6), endpoints[5]);
      assert.deepEqual(server.localEndpoint('tcp'), endpoints[1]);
      const messages = inbox(server);
      for (const [i, endpoint] of endpoints.entries()) {
        const sentBy = client.localEndpoint(endpoint.protocol, endpoint.address.includes(':') ? 6 : 4);
        const host = sentBy.address.includes(':') ? `[${sentBy.address}]` : sentBy.address;
        const via = `SIP/2.0/${endpoint.protocol.toUpperCase()} ${host}:${sentBy.port};branch=z9hG4bK-${i}`;
        const request = parsedRequest(via, `c${i}`);
        await client.send(request, endpoint);
        const inbound = await messages.next();
        assert.deepEqual(inbound.local, endpoint);
        assert.equal(inbound.message.callId, `c${i}`);
      }
      assert.equal(server.stats.received, 6);
      assert.equal(client.stats.sent, 6);
      assert.equal(server.stats.connectionsOpened, 4);
    } finally {
      await Promise.all([server.close(), client.close()]);
    }
  });
});
