import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SipParseError } from '../../../src/sip/errors.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { extractResponseRouting, parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';

const HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK-1;rport',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=a1',
  'To: <sip:bob@example.com>',
  'Call-ID: c1@192.0.2.4',
  'CSeq: 1 INVITE',
];

function invite(extra: string[] = [], body = '', length: number | null = Buffer.byteLength(body)): Buffer {
  const lines = ['INVITE sip:bob@example.com SIP/2.0', ...HEADERS, ...extra];
  if (length !== null) lines.push(`Content-Length: ${length}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body);
}

function fails(data: Buffer, reason: string, datagram = false): void {
  assert.throws(
    () => parseMessage(data, { datagram }),
    (e: unknown) => e instanceof SipParseError && e.reason === reason,
  );
}

describe('parseMessage framing', () => {
  it('takes the body by Content-Length on a stream, and wants the buffer to end there', () => {
    const msg = parseMessage(invite([], 'v=0\r\n'));
    assert.equal(msg.body.toString(), 'v=0\r\n');
    fails(Buffer.concat([invite([], 'v=0\r\n'), Buffer.from('x')]), 'data after message body');
    fails(invite([], '', null), 'missing Content-Length');
    fails(invite([], 'v=0', 10), 'Content-Length larger than body');
  });

  it('applies RFC 3261 §18.3 to datagrams: truncate a longer body, refuse a shorter one', () => {
    assert.equal(parseMessage(invite([], 'v=0\r\nextra', 5), { datagram: true }).body.toString(), 'v=0\r\n');
    assert.equal(parseMessage(invite([], 'whole rest', null), { datagram: true }).body.toString(), 'whole rest');
    fails(invite([], 'v=0', 4), 'Content-Length larger than body', true);
  });

  it('frames the body as a view of the message buffer, without a copy', () => {
    const data = invite([], 'abc');
    const msg = parseMessage(data);
    assert.equal(msg.body.toString(), 'abc');
    assert.equal(msg.body.buffer, data.buffer);
    assert.equal(msg.body.byteOffset, data.byteOffset + data.length - 3);
  });

  it('skips CRLF keep-alives before the start line', () => {
    assert.equal((parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), invite()])) as SipRequest).method, 'INVITE');
  });

  it('refuses malformed Content-Length and a head without its blank line', () => {
    fails(invite(['Content-Length: 1e3']), 'multiple Content-Length headers');
    fails(Buffer.from(invite().toString().replace('Content-Length: 0', 'Content-Length: 0x1')), 'invalid Content-Length');
    fails(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x\r\n'), 'missing end of headers');
  });
});

describe('parseMessage headers', () => {
  it('reads a head with UTF-8 in it, whose bytes no longer line up with its text', () => {
    const data = Buffer.concat([
      Buffer.from('\r\n'),
      invite(['From: Jérôme Ünal <sip:jerome@example.com>;tag=j1', 'Subject: café'].map((line) => line), 's=Säo'),
    ]);
    const msg = parseMessage(Buffer.from(data.toString().replace('From: <sip:alice@example.com>;tag=a1\r\n', '')));
    assert.equal(msg.from.displayName, 'Jérôme Ünal');
    assert.equal(msg.from.params.get('tag'), 'j1');
    assert.equal(msg.headers.get('Subject'), 'café');
    assert.equal(msg.body.toString(), 's=Säo');
  });

  it('frames the body by bytes when only the body holds multi-byte characters', () => {
    const body = 'v=0\r\ns=Ünïcode session\r\n';
    const msg = parseMessage(invite([], body));
    assert.deepEqual(msg.body, Buffer.from(body));
  });

  it('parses a folded key header from its unfolded value', () => {
    const msg = parseMessage(invite(['Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>']));
    assert.deepEqual(msg.routes.map((route) => route.uri.host), ['p1.example.com', 'p2.example.com']);
  });

  it('tells a name that extends a known spelling from the spelling itself', () => {
    const msg = parseMessage(invite(['Vias: not a via', 'Contact-Extra: x', 'Allow-Events: talk', 'C: text/plain']));
    assert.equal(msg.vias.length, 1);
    assert.equal(msg.contacts.length, 0);
    assert.equal(msg.headers.get('vias'), 'not a via');
    assert.equal(msg.headers.get('contact-extra'), 'x');
    assert.equal(msg.headers.get('allow-events'), 'talk');
    assert.equal(msg.headers.get('content-type'), 'text/plain');
  });

  it('unfolds continuation lines and reads compact, case-insensitive names', () => {
    const msg = parseMessage(invite(['Subject: first\r\n  second\r\n\tthird', 'k: timer', 'sUpPoRtEd: 100rel']));
    assert.equal(msg.headers.get('subject'), 'first second third');
    assert.deepEqual(msg.headers.getLines('Supported'), ['timer', '100rel']);
    assert.equal([...msg.headers].find((f) => f.key === 'supported')?.name, 'Supported');
  });

  it('collects Via, Contact, Route and Record-Route across lines and commas', () => {
    const msg = parseMessage(
      invite([
        'v: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK-2, SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bK-3',
        'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
        'Route: <sip:p3.example.com;lr>',
        'Record-Route: <sip:rr.example.com;lr>',
        'm: <sip:alice@192.0.2.4>;expires=60, "Second" <sip:alice@198.51.100.4>',
      ]),
    );
    assert.deepEqual(msg.vias.map((v) => v.host), ['192.0.2.4', 'proxy.example.com', '2001:db8::1']);
    assert.deepEqual(msg.routes.map((r) => r.uri.host), ['p1.example.com', 'p2.example.com', 'p3.example.com']);
    assert.equal(msg.recordRoutes[0]?.uri.params.has('lr'), true);
    assert.equal(msg.contacts[1]?.displayName, 'Second');
  });

  it('reads a response, with and without a reason phrase', () => {
    const text = (line: string) =>
      Buffer.from([line, ...HEADERS.filter((h) => !h.startsWith('Max')), 'Content-Length: 0', '', ''].join('\r\n'));
    const ok = parseMessage(text('SIP/2.0 180 Ringing here')) as SipResponse;
    assert.equal(ok.kind, 'response');
    assert.equal(ok.status, 180);
    assert.equal(ok.reason, 'Ringing here');
    assert.equal((parseMessage(text('SIP/2.0 100')) as SipResponse).reason, '');
    fails(text('SIP/2.0 99 Low'), 'invalid status code');
    fails(text('SIP/2.0 700 High'), 'invalid status code');
    fails(text('SIP/2.0 2x0 Odd'), 'invalid status code');
    fails(text('SIP/2.0 099 Low'), 'invalid status code');
    fails(text('SIP/2.0 2 0 Split'), 'invalid status code');
    fails(text('SIP/2.0  200 Wide'), 'invalid status code');
    fails(text('SIP/2.1 200 OK'), 'unsupported SIP version');
  });

  it('accepts a Contact: * wildcard and a missing Max-Forwards', () => {
    const data = Buffer.from(
      invite(['Contact: *']).toString().replace('INVITE sip:bob', 'REGISTER sip:bob').replace('1 INVITE', '1 REGISTER').replace('Max-Forwards: 70\r\n', ''),
    );
    const msg = parseMessage(data) as SipRequest;
    assert.equal(msg.headers.get('Contact'), '*');
    assert.equal(msg.maxForwards, undefined);
  });

  it('names the fault of a broken message', () => {
    fails(invite(['Bad Header: x']), 'invalid header name');
    fails(invite(['NoColon']), 'header line without colon');
    fails(Buffer.from(invite().toString().replace('SIP/2.0\r\n', 'SIP/2.0\r\n folded\r\n')), 'continuation line without header');
    fails(invite(['Call-ID: again']), 'multiple Call-ID headers');
    fails(Buffer.from(invite().toString().replace('Call-ID: c1@192.0.2.4', 'Call-ID: c1 @x')), 'invalid Call-ID');
    fails(Buffer.from(invite().toString().replace('Max-Forwards: 70', 'Max-Forwards: -1')), 'invalid Max-Forwards');
    fails(Buffer.from(invite().toString().replace(/Via: [^\r]*\r\n/, '')), 'missing Via header');
    fails(Buffer.from(invite().toString().replace('CSeq: 1 INVITE', 'CSeq: 1 BYE')), 'CSeq method does not match request method');
    fails(Buffer.from(invite().toString().replace('INVITE sip', 'INV@TE sip').replace('1 INVITE', '1 INV@TE')), 'invalid method');
    fails(invite(['Route: <sip:p1.example.com;lr']), 'unterminated <URI> in Route header');
    fails(invite(['Date: yesterday']), 'invalid Date header');
    // The quote that would close it is on a later line.
    fails(invite(['Contact: <sip:a@b>;+sip.instance="<urn:x>', 'Subject: "quoted"']), 'unterminated quoted string in Contact header');
  });

  it('keeps reason phrases short enough for a 400 answer', () => {
    for (const data of [invite(['Route: <sip:p1.example.com;;lr>']), invite(['Via: SIP/2.0/UDP h;branch=1;;'])]) {
      assert.throws(() => parseMessage(data), (e: unknown) => e instanceof SipParseError && e.reason.length < 80);
    }
  });
});

describe('parseMessage on arbitrary input', () => {
  it('throws nothing but SipParseError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, datagram) => {
        try {
          parseMessage(Buffer.from(bytes), { datagram });
        } catch (error) {
          assert.ok(error instanceof SipParseError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but SipParseError on mutated valid messages', () => {
    const base = invite(['Route: <sip:p1.example.com;lr>', 'Contact: "A" <sip:a@[2001:db8::1]:5060;transport=tcp>;q=1'], 'v=0\r\n');
    const mutation = fc.record({
      at: fc.nat(base.length - 1),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
      remove: fc.nat(3),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, datagram) => {
        let data = base;
        for (const { at, bytes, remove } of mutations) {
          const cut = Math.min(at, data.length);
          data = Buffer.concat([data.subarray(0, cut), Buffer.from(bytes), data.subarray(cut + remove)]);
        }
        try {
          const msg = parseMessage(data, { datagram });
          parseMessage(serializeMessage(msg), { datagram: false });
        } catch (error) {
          assert.ok(error instanceof SipParseError, String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('extractResponseRouting', () => {
  it('reads the headers a 400 needs from a message too broken to parse', () => {
    const raw = Buffer.from(
      'INVITE  sip:bob@example.com  SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-1\r\nVia: SIP/2.0/TCP p.example.com\r\n' +
        ' ;branch=z9hG4bK-0\r\nf: "A, B" <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\ni: xyz\r\nCSeq: 99999999999 INVITE\r\n' +
        'Content-Length: 500\r\n\r\nshort',
    );
    assert.throws(() => parseMessage(raw), SipParseError);
    assert.deepEqual(extractResponseRouting(raw), {
      isRequest: true,
      via: ['SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-1', 'SIP/2.0/TCP p.example.com ;branch=z9hG4bK-0'],
      from: '"A, B" <sip:a@example.com>;tag=1',
      to: '<sip:bob@example.com>',
      callId: 'xyz',
      cseq: '99999999999 INVITE',
    });
  });

  it('marks responses and gives up without a Via or a SIP start line', () => {
    assert.equal(extractResponseRouting(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n'))?.isRequest, false);
    assert.equal(extractResponseRouting(Buffer.from('INVITE sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\n\r\n')), undefined);
    assert.equal(extractResponseRouting(Buffer.from('GET / HTTP/1.1\r\nVia: 1.1 proxy\r\n\r\n')), undefined);
  });
});
