import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseViaList } from '../../../src/sip/header-values.js';
import { canonicalAddress } from '../../../src/sip/transport/endpoint.js';
import { stampTopVia } from '../../../src/sip/transport/receive-rules.js';
import { refusalFor } from '../../../src/sip/transport/refusal.js';
import { responseDestination } from '../../../src/sip/transport/response-destination.js';
import { parsedRequest, requestText } from './transport-helpers.js';

function via(text: string) {
  return parseViaList(text)[0]!;
}

describe('responseDestination (RFC 3261 §18.2.2, RFC 3581)', () => {
  it('unreliable: received at the rport value', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa;rport=40000;received=192.0.2.1'), 'udp'), {
      protocol: 'udp', address: '192.0.2.1', port: 40000,
    });
  });

  it('unreliable: sent-by host and port, else 5060', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa'), 'udp'), {
      protocol: 'udp', address: '10.0.0.1', port: 5070,
    });
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP [2001:DB8::1];branch=z9hG4bKa'), 'udp'), {
      protocol: 'udp', address: '2001:db8::1', port: 5060,
    });
  });

  it('unreliable: maddr wins, at the sent-by port', () => {
    assert.deepEqual(
      responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa;maddr=239.1.1.1;rport=4000;received=192.0.2.1'), 'udp'),
      { protocol: 'udp', address: '239.1.1.1', port: 5070 },
    );
  });

  it('reliable: received at the sent-by port (rport is for datagrams), 5061 for TLS', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKa;rport=4000;received=192.0.2.1'), 'tcp'), {
      protocol: 'tcp', address: '192.0.2.1', port: 5070,
    });
    assert.deepEqual(responseDestination(via('SIP/2.0/TLS 10.0.0.1;branch=z9hG4bKa'), 'tls'), {
      protocol: 'tls', address: '10.0.0.1', port: 5061,
    });
  });
});

describe('stampTopVia (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  const source = { protocol: 'udp' as const, address: '192.0.2.1', port: 40000 };

  it('touches only the top Via of a line holding several', () => {
    const request = parsedRequest('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb');
    stampTopVia(request, source);
    assert.deepEqual(request.headers.getLines('Via'), [
      'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;rport=40000;received=192.0.2.1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb',
    ]);
    assert.equal(request.topVia.params.get('rport'), '40000');
  });

  it('adds received even to an equal address when rport is asked for', () => {
    const request = parsedRequest('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport');
    stampTopVia(request, source);
    assert.equal(request.headers.get('Via'), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport=40000;received=192.0.2.1');
  });

  it('keeps an rport that already has a value', () => {
    const request = parsedRequest('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport=5');
    stampTopVia(request, source);
    assert.equal(request.headers.get('Via'), 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport=5');
  });
});

describe('refusalFor', () => {
  it('copies the routing headers and adds a To tag', () => {
    const raw = Buffer.from(requestText({ via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa', callId: 'r1' }));
    const response = refusalFor(raw, 400, 'Bad Request (test)')!;
    assert.equal(response.status, 400);
    assert.equal(response.reason, 'Bad Request (test)');
    assert.equal(response.headers.get('Via'), 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa');
    assert.equal(response.callId, 'r1');
    assert.equal(response.headers.get('CSeq'), '1 OPTIONS');
    assert.match(response.headers.get('To') ?? '', /^<sip:bob@example\.org>;tag=[0-9a-f]+$/);
  });

  it('keeps a To tag already there', () => {
    const raw = Buffer.from(requestText({ via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa' }).replace('To: <sip:bob@example.org>', 'To: <sip:bob@example.org>;tag=x'));
    assert.equal(refusalFor(raw, 400, 'Bad Request')!.headers.get('To'), '<sip:bob@example.org>;tag=x');
  });

  it('answers neither responses, ACKs, nor messages without Via', () => {
    assert.equal(refusalFor(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\n\r\n'), 400, 'x'), undefined);
    assert.equal(refusalFor(Buffer.from(requestText({ method: 'ACK', via: 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa' })), 400, 'x'), undefined);
    assert.equal(refusalFor(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n'), 400, 'x'), undefined);
  });
});

describe('canonicalAddress', () => {
  it('strips brackets, lower-cases and unmaps IPv4-mapped IPv6', () => {
    assert.equal(canonicalAddress('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(canonicalAddress('192.0.2.1'), '192.0.2.1');
  });
});
