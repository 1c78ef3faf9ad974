import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportError } from '../../../src/sip/errors.js';
import { TransportLayer, type TransportLayerOptions } from '../../../src/sip/transport/transport-layer.js';
import { killAllPeers } from '../../helpers/processes.js';
import { Closer, UdpPeer, headerOf, parsedRequest, requestText, responseTo, startLayer, statusLine } from './transport-helpers.js';

const closer = new Closer();

function udpLayer(opts: TransportLayerOptions = {}, address = '127.0.0.1') {
  return startLayer(closer, { protocol: 'udp', address, port: 0 }, opts);
}

afterEach(() => closer.closeAll());
after(killAllPeers);

describe('UDP transport', { timeout: 30_000 }, () => {
  it('stamps received and rport, and routes the response to them from the same socket', async () => {
    const { layer, local, messages } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    // A sent-by that is not where the packet comes from, as behind a NAT.
    await peer.send(requestText({ via: 'SIP/2.0/UDP 192.0.2.7:5999;branch=z9hG4bK-1;rport' }), local.port);
    const inbound = await messages.next();
    assert.equal(inbound.message.kind, 'request');
    assert.deepEqual(inbound.source, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
    assert.deepEqual(inbound.local, local);
    const via = inbound.message.topVia;
    assert.equal(via.params.get('received'), '127.0.0.1');
    assert.equal(via.params.get('rport'), String(peer.port));

    await layer.sendResponse(responseTo(inbound.message), inbound);
    const reply = await peer.received.next();
    assert.equal(statusLine(reply.text), 'SIP/2.0 200 OK');
    assert.equal(reply.port, local.port);
    assert.match(headerOf(reply.text, 'Via') ?? '', /;rport=\d+;received=127\.0\.0\.1$/);
    assert.equal(layer.stats.received, 1);
    assert.equal(layer.stats.sent, 1);
  });

  it('adds received alone when sent-by differs and rport was not asked for', async () => {
    const { local, messages } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    await peer.send(requestText({ via: 'SIP/2.0/UDP host.invalid:5070;branch=z9hG4bK-2' }), local.port);
    const via = (await messages.next()).message.topVia;
    assert.equal(via.params.get('received'), '127.0.0.1');
    assert.equal(via.params.has('rport'), false);
  });

  it('leaves the Via alone when sent-by is the source address and no rport', async () => {
    const { local, messages } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    const via = `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-3`;
    await peer.send(requestText({ via, extra: 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-0\r\n' }), local.port);
    const message = (await messages.next()).message;
    assert.deepEqual(message.headers.getLines('Via'), [via, 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-0']);
  });

  it('sends the response from the listening socket the request arrived on', async () => {
    const first = await udpLayer();
    const second = await first.layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
    const peer = closer.track(await UdpPeer.bind());
    await peer.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-4;rport' }), second.port);
    const inbound = await first.messages.next();
    assert.deepEqual(inbound.local, second);
    await first.layer.sendResponse(responseTo(inbound.message), inbound);
    assert.equal((await peer.received.next()).port, second.port);
  });

  it('sends requests from a listening socket, so responses come back to it', async () => {
    const { layer, local } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    const request = parsedRequest(`SIP/2.0/UDP 127.0.0.1:${local.port};branch=z9hG4bK-5`);
    await layer.send(request, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
    const got = await peer.received.next();
    assert.equal(got.port, local.port);
    assert.match(got.text, /^OPTIONS sip:bob@example\.org SIP\/2\.0\r\n/);
  });

  it('drops and counts a datagram over the size limit', async () => {
    const { layer, local, messages } = await udpLayer({ maxMessageSize: 1000 });
    const peer = closer.track(await UdpPeer.bind());
    const via = 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-6;rport';
    await peer.send(requestText({ via, callId: 'big', body: 'x'.repeat(1200) }), local.port);
    await peer.send(requestText({ via, callId: 'small' }), local.port);
    // Loopback keeps the order: once the small one is in, the big one was seen and dropped.
    assert.equal((await messages.next()).message.callId, 'small');
    assert.equal(layer.stats.oversized, 1);
    assert.equal(layer.stats.received, 1);
    assert.equal(messages.size, 0);
  });

  it('answers a malformed request with 400 naming the fault, routed by rport', async () => {
    const { layer, local, messages } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    const text = requestText({ via: 'SIP/2.0/UDP 192.0.2.7:5999;branch=z9hG4bK-7;rport', callId: 'bad' })
      .replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS');
    await peer.send(text, local.port);
    const reply = await peer.received.next();
    assert.match(statusLine(reply.text), /^SIP\/2\.0 400 Bad Request \(.*CSeq.*\)$/i);
    assert.equal(reply.port, local.port);
    assert.equal(headerOf(reply.text, 'Call-ID'), 'bad');
    assert.match(headerOf(reply.text, 'To') ?? '', /;tag=/);
    assert.match(headerOf(reply.text, 'Via') ?? '', /branch=z9hG4bK-7/);
    assert.equal(layer.stats.malformed, 1);
    assert.equal(messages.size, 0);
  });

  it('drops and counts garbage and malformed responses without throwing', async () => {
    const { layer, local, messages } = await udpLayer();
    const peer = closer.track(await UdpPeer.bind());
    await peer.send(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x42]), local.port);
    await peer.send('SIP/2.0 2000 Very OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-8\r\n\r\n', local.port);
    await peer.send('\r\n\r\n', local.port); // keep-alive: neither a message nor malformed
    // An ACK is never answered (RFC 3261 §17), even with a 400.
    await peer.send(requestText({ method: 'ACK', via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-8a;rport' }).replace('CSeq: 1 ACK', 'CSeq: ACK'), local.port);
    await peer.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-9;rport', callId: 'after' }), local.port);
    assert.equal((await messages.next()).message.callId, 'after');
    assert.equal(layer.stats.malformed, 3);
    assert.equal(peer.received.size, 0);
  });

  it('survives a message listener that throws', async () => {
    const { layer, local, messages } = await udpLayer();
    let calls = 0;
    layer.prependListener('message', () => {
      calls++;
      if (calls === 1) throw new Error('listener bug');
    });
    const peer = closer.track(await UdpPeer.bind());
    const via = 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-13;rport';
    await peer.send(requestText({ via, callId: 'first' }), local.port);
    await peer.send(requestText({ via, callId: 'second' }), local.port);
    assert.equal((await messages.next()).message.callId, 'second');
    assert.equal(calls, 2);
  });

  it('works over IPv6 on ::1', async () => {
    const { layer, local, messages } = await udpLayer({}, '::1');
    assert.deepEqual(local, { protocol: 'udp', address: '::1', port: local.port });
    assert.deepEqual(layer.localEndpoint('udp', 6), local);
    const peer = closer.track(await UdpPeer.bind('::1'));
    await peer.send(requestText({ via: 'SIP/2.0/UDP [2001:db8::9]:5999;branch=z9hG4bK-10;rport' }), local.port, '::1');
    const inbound = await messages.next();
    assert.equal(inbound.source.address, '::1');
    assert.equal(inbound.message.topVia.params.get('received'), '::1');
    await layer.sendResponse(responseTo(inbound.message), inbound);
    const reply = await peer.received.next();
    assert.equal(statusLine(reply.text), 'SIP/2.0 200 OK');
    assert.match(headerOf(reply.text, 'Via') ?? '', /^SIP\/2\.0\/UDP \[2001:db8::9\]:5999;/);
  });

  it('rejects a send with no listener of that family as a TransportError', async () => {
    const { layer, local } = await udpLayer();
    const request = parsedRequest(`SIP/2.0/UDP 127.0.0.1:${local.port};branch=z9hG4bK-11`);
    await assert.rejects(layer.send(request, { protocol: 'udp', address: '::1', port: 5060 }), TransportError);
    assert.throws(() => layer.localEndpoint('udp', 6), TransportError);
    assert.throws(() => layer.localEndpoint('tcp'), TransportError);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const layer = new TransportLayer();
    const local = await layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
    const first = layer.close();
    assert.equal(layer.close(), first);
    await first;
    await layer.close();
    const request = parsedRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-12');
    await assert.rejects(layer.send(request, local), TransportError);
    await assert.rejects(layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 }), TransportError);
  });
});
