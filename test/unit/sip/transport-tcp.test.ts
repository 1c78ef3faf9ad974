import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { TransportError } from '../../../src/sip/errors.js';
import { TransportLayer, type TransportLayerOptions } from '../../../src/sip/transport/transport-layer.js';
import { freePort } from '../../helpers/ports.js';
import { killAllPeers } from '../../helpers/processes.js';
import {
  Closer, Queue, TcpPeer, headerOf, parsedRequest, requestText, responseTo, startLayer, statusLine,
} from './transport-helpers.js';

const closer = new Closer();

function tcpLayer(opts: TransportLayerOptions = {}, address = '127.0.0.1') {
  return startLayer(closer, { protocol: 'tcp', address, port: 0 }, opts);
}

afterEach(() => closer.closeAll());
after(killAllPeers);

describe('TCP transport', { timeout: 30_000 }, () => {
  it('frames a message written byte by byte', async () => {
    const { local, messages } = await tcpLayer();
    const peer = closer.track(await TcpPeer.connect(local.port));
    const bytes = Buffer.from(requestText({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-1', body: 'v=0\r\n' }));
    for (let i = 0; i < bytes.length; i++) await peer.write(bytes.subarray(i, i + 1));
    const inbound = await messages.next();
    assert.equal(inbound.message.body.toString(), 'v=0\r\n');
    assert.deepEqual(inbound.source, { protocol: 'tcp', address: '127.0.0.1', port: peer.localPort });
    assert.equal(typeof inbound.connectionId, 'string');
  });

  it('frames three messages in one write, with stray CRLFs between them', async () => {
    const { layer, local, messages } = await tcpLayer();
    const peer = closer.track(await TcpPeer.connect(local.port));
    const via = 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-2';
    await peer.write(
      [requestText({ via, callId: 'a', body: 'first' }), requestText({ via, callId: 'b' }), requestText({ via, callId: 'c', body: 'third' })].join('\r\n'),
    );
    const ids = [(await messages.next()).message.callId, (await messages.next()).message.callId, (await messages.next()).message.callId];
    assert.deepEqual(ids, ['a', 'b', 'c']);
    assert.equal(layer.stats.received, 3);
  });

  it('answers a CRLFCRLF ping with a CRLF pong', async () => {
    const { local } = await tcpLayer();
    const peer = closer.track(await TcpPeer.connect(local.port));
    await peer.write('\r\n\r\n');
    assert.equal(await peer.pongs.next(), true);
  });

  it('refuses an oversized message with 513 and keeps the connection for the next one', async () => {
    const { layer, local, messages } = await tcpLayer({ maxMessageSize: 2000 });
    const peer = closer.track(await TcpPeer.connect(local.port));
    const via = 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-3';
    await peer.write(requestText({ via, callId: 'big', body: 'x'.repeat(5000) }) + requestText({ via, callId: 'next' }));
    const refusal = await peer.messages.next();
    assert.equal(statusLine(refusal), 'SIP/2.0 513 Message Too Large');
    assert.equal(headerOf(refusal, 'Call-ID'), 'big');
    assert.equal((await messages.next()).message.callId, 'next');
    assert.equal(layer.stats.oversized, 1);
    assert.equal(layer.stats.connectionsClosed, 0);
  });

  it('closes a connection whose header block outgrows the limit', async () => {
    const { layer, local } = await tcpLayer({ maxMessageSize: 1000 });
    const peer = closer.track(await TcpPeer.connect(local.port));
    await peer.write(`INVITE sip:bob@example.org SIP/2.0\r\nSubject: ${'y'.repeat(2000)}`);
    await peer.closed;
    assert.equal(layer.stats.connectionsOpened, 1);
  });

  it('answers 400 to a stream request without Content-Length and to an unparsable one', async () => {
    const { layer, local, messages } = await tcpLayer();
    const peer = closer.track(await TcpPeer.connect(local.port));
    const via = 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-4';
    await peer.write(requestText({ via, callId: 'no-length', noContentLength: true }));
    assert.equal(statusLine(await peer.messages.next()), 'SIP/2.0 400 Bad Request (missing Content-Length)');
    await peer.write(requestText({ via, callId: 'bad-cseq' }).replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS'));
    const second = await peer.messages.next();
    assert.match(statusLine(second), /^SIP\/2\.0 400 Bad Request \(.*CSeq.*\)$/i);
    assert.equal(headerOf(second, 'Call-ID'), 'bad-cseq');
    await peer.write(Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.from('\r\nContent-Length: 0\r\n\r\n')]));
    await peer.write(requestText({ via, callId: 'fine' }));
    assert.equal((await messages.next()).message.callId, 'fine');
    assert.equal(layer.stats.malformed, 3);
    assert.equal(peer.messages.size, 0);
  });

  it('reuses its own connection for a second request to the same remote', async () => {
    const client = await tcpLayer();
    const server = await tcpLayer();
    const via = `SIP/2.0/TCP 127.0.0.1:${client.local.port};branch=z9hG4bK-5`;
    await Promise.all([client.layer.send(parsedRequest(via, 'one'), server.local), client.layer.send(parsedRequest(via, 'two'), server.local)]);
    await client.layer.send(parsedRequest(via, 'three'), server.local);
    const got = [await server.messages.next(), await server.messages.next(), await server.messages.next()];
    assert.deepEqual(got.map((m) => m.message.callId).sort(), ['one', 'three', 'two']);
    assert.equal(new Set(got.map((m) => m.connectionId)).size, 1);
    assert.equal(client.layer.stats.connectionsOpened, 1);
    assert.equal(server.layer.stats.connectionsOpened, 1);
  });

  it('answers on the inbound connection, and sends requests to that remote over it', async () => {
    const client = await tcpLayer();
    const server = await tcpLayer();
    const via = `SIP/2.0/TCP 127.0.0.1:${client.local.port};branch=z9hG4bK-6`;
    await client.layer.send(parsedRequest(via), server.local);
    const inbound = await server.messages.next();
    await server.layer.sendResponse(responseTo(inbound.message), inbound);
    const response = await client.messages.next();
    assert.equal(response.message.kind, 'response');
    // A request to where the connection comes from (not the Via port) takes the same connection.
    await server.layer.send(parsedRequest(`SIP/2.0/TCP 127.0.0.1:${server.local.port};branch=z9hG4bK-7`, 'back'), inbound.source);
    const back = await client.messages.next();
    assert.equal(back.message.callId, 'back');
    assert.equal(back.connectionId, response.connectionId);
    assert.equal(server.layer.stats.connectionsOpened, 1);
    assert.equal(client.layer.stats.connectionsOpened, 1);
  });

  it('opens a new connection to received and the sent-by port once the request connection is gone', async () => {
    const { layer, local, messages } = await tcpLayer();
    const listener = createServer();
    closer.track({ close: () => new Promise<void>((resolve) => listener.close(() => resolve())) });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const replyPort = (listener.address() as AddressInfo).port;
    const accepted = new Queue<string>();
    listener.on('connection', (socket) => {
      socket.on('data', (chunk: Buffer) => accepted.push(chunk.toString('latin1')));
      closer.track({ close: async () => void socket.destroy() });
    });
    const peer = await TcpPeer.connect(local.port);
    await peer.write(requestText({ via: `SIP/2.0/TCP peer.invalid:${replyPort};branch=z9hG4bK-8` }));
    const inbound = await messages.next();
    assert.equal(inbound.message.topVia.params.get('received'), '127.0.0.1');
    await peer.close();
    await once(layer, 'connectionClosed');
    await layer.sendResponse(responseTo(inbound.message), inbound);
    assert.equal(statusLine(await accepted.next()), 'SIP/2.0 200 OK');
    assert.equal(layer.stats.connectionsOpened, 2);
  });

  it('rejects a send to a closed port as a TransportError', async () => {
    const { layer, local } = await tcpLayer();
    const port = await freePort();
    await assert.rejects(
      layer.send(parsedRequest(`SIP/2.0/TCP 127.0.0.1:${local.port};branch=z9hG4bK-9`), { protocol: 'tcp', address: '127.0.0.1', port }),
      (error: unknown) => error instanceof TransportError && /ECONNREFUSED/.test(error.message),
    );
    assert.equal(layer.stats.connectionsOpened, 0);
  });

  it('closes idle connections', async () => {
    const { layer, local } = await tcpLayer({ idleTimeoutMs: 50 });
    const peer = closer.track(await TcpPeer.connect(local.port));
    const peerPort = peer.localPort;
    const [closed] = await once(layer, 'connectionClosed');
    assert.equal(closed.remote.port, peerPort);
    await peer.closed;
    assert.equal(layer.stats.connectionsClosed, 1);
  });

  it('works over IPv6 on ::1', async () => {
    const client = await tcpLayer({}, '::1');
    const server = await tcpLayer({}, '::1');
    assert.equal(server.local.address, '::1');
    await client.layer.send(parsedRequest(`SIP/2.0/TCP [::1]:${client.local.port};branch=z9hG4bK-10`), server.local);
    const inbound = await server.messages.next();
    assert.equal(inbound.source.address, '::1');
    await server.layer.sendResponse(responseTo(inbound.message), inbound);
    const response = await client.messages.next();
    assert.equal(response.message.kind, 'response');
    assert.equal(response.source.address, '::1');
  });

  it('closes listeners and connections, idempotently', async () => {
    const client = new TransportLayer();
    const server = new TransportLayer();
    const local = await server.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
    await client.listen({ protocol: 'tcp', address: '127.0.0.1', port: 0 });
    await client.send(parsedRequest('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-11'), local);
    await Promise.all([server.close(), server.close(), client.close()]);
    await client.close();
    assert.equal(client.stats.connectionsClosed, client.stats.connectionsOpened);
    assert.equal(server.stats.connectionsClosed, server.stats.connectionsOpened);
  });
});
