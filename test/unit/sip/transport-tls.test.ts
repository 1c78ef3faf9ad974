import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { TransportError } from '../../../src/sip/errors.js';
import { TransportLayer, type TransportLayerOptions } from '../../../src/sip/transport/transport-layer.js';
import type { TlsFiles } from '../../../src/sip/transport/types.js';
import { freePort } from '../../helpers/ports.js';
import { killAllPeers, startPeer } from '../../helpers/processes.js';
import { makeSelfSignedCert, type TestCertificate } from '../../helpers/tls-cert.js';
import { Closer, Queue, parsedRequest, requestText, responseTo, startLayer } from './transport-helpers.js';

const closer = new Closer();
let cert: TestCertificate;
let otherCert: TestCertificate;

function tlsLayer(tls: TlsFiles, opts: TransportLayerOptions = {}, address = '127.0.0.1') {
  return startLayer(closer, { protocol: 'tls', address, port: 0, tls }, opts);
}

before(async () => {
  [cert, otherCert] = await Promise.all([makeSelfSignedCert(), makeSelfSignedCert('someone-else')]);
});
afterEach(() => closer.closeAll());
after(async () => {
  await Promise.all([cert?.remove(), otherCert?.remove()]);
  await killAllPeers();
});

describe('TLS transport', { timeout: 30_000 }, () => {
  it('carries requests and responses both ways on one verified connection', async () => {
    const client = await tlsLayer(cert);
    const server = await tlsLayer(cert);
    await client.layer.send(parsedRequest(`SIP/2.0/TLS 127.0.0.1:${client.local.port};branch=z9hG4bK-1`), server.local);
    const inbound = await server.messages.next();
    assert.equal(inbound.local.protocol, 'tls');
    await server.layer.sendResponse(responseTo(inbound.message), inbound);
    assert.equal((await client.messages.next()).message.kind, 'response');
    await server.layer.send(parsedRequest(`SIP/2.0/TLS 127.0.0.1:${server.local.port};branch=z9hG4bK-2`, 'back'), inbound.source);
    assert.equal((await client.messages.next()).message.callId, 'back');
    assert.equal(client.layer.stats.connectionsOpened, 1);
    assert.equal(server.layer.stats.connectionsOpened, 1);
  });

  it('verifies the server name sent as SNI', async () => {
    const client = await tlsLayer(cert);
    const server = await tlsLayer(cert);
    const via = `SIP/2.0/TLS 127.0.0.1:${client.local.port};branch=z9hG4bK-3`;
    await client.layer.send(parsedRequest(via), server.local, { serverName: 'localhost' });
    await server.messages.next();
    const stranger = await tlsLayer(otherCert, { tlsClient: cert });
    await assert.rejects(
      stranger.layer.send(parsedRequest(via), server.local, { serverName: 'not-in-the-cert.example' }),
      TransportError,
    );
  });

  it('connects without verification when no CA file is given', async () => {
    const server = await tlsLayer(cert);
    const client = await tlsLayer({ certFile: otherCert.certFile, keyFile: otherCert.keyFile });
    await client.layer.send(parsedRequest(`SIP/2.0/TLS 127.0.0.1:${client.local.port};branch=z9hG4bK-4`), server.local);
    assert.equal((await server.messages.next()).message.callId, 'call-1');
  });

  it('rejects a send when the certificate does not verify, and the server lives on', async () => {
    const server = await tlsLayer(cert);
    const stranger = await tlsLayer(otherCert);
    const via = `SIP/2.0/TLS 127.0.0.1:${stranger.local.port};branch=z9hG4bK-5`;
    await assert.rejects(stranger.layer.send(parsedRequest(via), server.local), TransportError);
    assert.equal(stranger.layer.stats.connectionsOpened, 0);
    const friend = await tlsLayer(cert);
    await friend.layer.send(parsedRequest(via, 'still-up'), server.local);
    assert.equal((await server.messages.next()).message.callId, 'still-up');
  });

  it('works over IPv6 on ::1', async () => {
    const client = await tlsLayer(cert, {}, '::1');
    const server = await tlsLayer(cert, {}, '::1');
    await client.layer.send(parsedRequest(`SIP/2.0/TLS [::1]:${client.local.port};branch=z9hG4bK-6`), server.local);
    const inbound = await server.messages.next();
    assert.deepEqual(inbound.source.address, '::1');
  });

  it('refuses to listen without certificate files', async () => {
    const layer = closer.track(new TransportLayer());
    await assert.rejects(layer.listen({ protocol: 'tls', address: '127.0.0.1', port: 0 }), TransportError);
    await assert.rejects(
      layer.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: { certFile: '/nonexistent', keyFile: '/nonexistent' } }),
      TransportError,
    );
  });

  it('gives up on a handshake that never comes, after the connect timeout', async () => {
    const silent = await mute();
    const client = await tlsLayer(cert, { connectTimeoutMs: 50 });
    await assert.rejects(
      client.layer.send(parsedRequest('SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-7'), { protocol: 'tls', address: '127.0.0.1', port: silent.port }),
      (error: unknown) => error instanceof TransportError && /timed out/.test(error.message),
    );
  });

  it('rejects a send still connecting when the layer closes', async () => {
    const silent = await mute();
    const layer = new TransportLayer();
    await layer.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: cert });
    const sending = layer.send(parsedRequest('SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-8'), { protocol: 'tls', address: '127.0.0.1', port: silent.port });
    await silent.accepted.next();
    await layer.close();
    await assert.rejects(sending, TransportError);
  });

  it('closes with a client stuck before its handshake', async () => {
    const server = new TransportLayer();
    const local = await server.listen({ protocol: 'tls', address: '127.0.0.1', port: 0, tls: cert });
    const raw = connect({ port: local.port, host: '127.0.0.1' });
    await once(raw, 'connect');
    const rawClosed = once(raw, 'close');
    await server.close();
    await rawClosed;
  });
});

describe('TLS transport with openssl as the peer', { timeout: 30_000 }, () => {
  it('answers a request from openssl s_client, which verifies our certificate', async () => {
    const server = await tlsLayer(cert);
    const client = startPeer('openssl', [
      's_client', '-connect', `127.0.0.1:${server.local.port}`, '-quiet',
      '-CAfile', cert.caFile, '-verify_return_error', '-verify_ip', '127.0.0.1',
    ]);
    client.child.stdin?.write(requestText({ via: 'SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-o1;rport', callId: 'from-openssl' }));
    const inbound = await server.messages.next();
    assert.equal(inbound.message.callId, 'from-openssl');
    await server.layer.sendResponse(responseTo(inbound.message), inbound);
    await client.waitFor('SIP/2.0 200 OK\r\n');
  });

  it('sends a request to openssl s_server, and takes its response on the same connection', async () => {
    const client = await tlsLayer(cert);
    const port = await freePort();
    const server = startPeer('openssl', ['s_server', '-accept', String(port), '-cert', cert.certFile, '-key', cert.keyFile, '-naccept', '1']);
    await server.waitFor('ACCEPT');
    await client.layer.send(parsedRequest(`SIP/2.0/TLS 127.0.0.1:${client.local.port};branch=z9hG4bK-o2`, 'to-openssl'), {
      protocol: 'tls', address: '127.0.0.1', port,
    });
    await server.waitFor('Call-ID: to-openssl');
    server.child.stdin?.write(
      'SIP/2.0 200 OK\r\n' +
      `Via: SIP/2.0/TLS 127.0.0.1:${client.local.port};branch=z9hG4bK-o2\r\n` +
      'From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>;tag=b1\r\n' +
      'Call-ID: to-openssl\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
    const response = await client.messages.next();
    assert.equal(response.message.kind === 'response' && response.message.status, 200);
    assert.equal(client.layer.stats.connectionsOpened, 1);
  });
});

/** A TCP server that accepts and never says anything: a TLS handshake to it hangs. */
async function mute(): Promise<{ port: number; accepted: Queue<Socket> }> {
  const sockets = new Set<Socket>();
  const accepted = new Queue<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closer.track({
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, accepted };
}
