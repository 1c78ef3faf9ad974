// Property tests: generated messages survive serialize → parse unchanged, and serializing is stable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatCSeq, formatNameAddr, formatVia } from '../../../src/sip/header-values.js';
import type { NameAddr, Params, Via } from '../../../src/sip/header-values.js';
import { SipHeaders } from '../../../src/sip/headers.js';
import { SipRequest, SipResponse } from '../../../src/sip/message.js';
import type { SipMessage } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import { parseUri, formatUri } from '../../../src/sip/uri.js';
import type { SipUri } from '../../../src/sip/uri.js';
import { withPlainMaps } from './plain-maps.js';

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,10}$/);
const lowerToken = fc.stringMatching(/^[a-z0-9\-.!%*_+`'~]{1,10}$/);
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const hostname = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const host = fc.oneof(hostname, fc.ipV4(), fc.ipV6());
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
/** Any text (escaped on the way out): user parts, passwords, URI parameters and headers. */
const anyText = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' });
/** Text allowed in a quoted string or a header value: anything but CR and LF. */
const lineText = fc.string({ maxLength: 12, unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s));

const sipUri: fc.Arbitrary<SipUri> = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(anyText, { nil: undefined }),
    password: fc.option(anyText, { nil: undefined }),
    host,
    port,
    params: fc.uniqueArray(fc.tuple(anyText, fc.option(anyText, { nil: null })), { maxLength: 3, selector: ([k]) => k }),
    headers: fc.uniqueArray(fc.tuple(anyText, fc.string({ maxLength: 6 })), { maxLength: 2, selector: ([k]) => k }),
  })
  .map((r) => {
    const uri: SipUri = { scheme: r.scheme, host: r.host, params: new Map(r.params), headers: new Map(r.headers) };
    if (r.user !== undefined) {
      uri.user = r.user;
      if (r.password !== undefined) uri.password = r.password;
    }
    if (r.port !== undefined) uri.port = r.port;
    return uri;
  });

const telUri: fc.Arbitrary<SipUri> = fc
  .record({ number: fc.stringMatching(/^\+?[0-9][0-9-]{0,10}$/), params: fc.uniqueArray(fc.tuple(token, fc.option(token, { nil: null })), { maxLength: 2, selector: ([k]) => k }) })
  .map((r) => ({ scheme: 'tel' as const, user: r.number, host: '', params: new Map(r.params), headers: new Map() }));

const paramValue = fc.oneof(token, lineText.map((s) => '"' + s.replace(/["\\]/g, '\\$&') + '"'));
const headerParams: fc.Arbitrary<Params> = fc
  .uniqueArray(fc.tuple(lowerToken, fc.option(paramValue, { nil: null })), { maxLength: 3, selector: ([k]) => k })
  .map((entries) => new Map(entries));

const nameAddr = (uri: fc.Arbitrary<SipUri>): fc.Arbitrary<NameAddr> =>
  fc.record({ displayName: fc.option(lineText, { nil: undefined }), uri, params: headerParams }).map((r) => {
    const value: NameAddr = { uri: r.uri, params: r.params };
    if (r.displayName !== undefined) value.displayName = r.displayName;
    return value;
  });

const via: fc.Arbitrary<Via> = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'),
    host,
    port,
    branch: token,
    received: fc.option(fc.oneof(fc.ipV4(), fc.ipV6()), { nil: undefined }),
    rport: fc.option(fc.option(fc.integer({ min: 1, max: 65535 }).map(String), { nil: null }), { nil: undefined }),
  })
  .map((r) => {
    const params: Params = new Map([['branch', 'z9hG4bK' + r.branch]]);
    if (r.received !== undefined) params.set('received', r.received);
    if (r.rport !== undefined) params.set('rport', r.rport);
    const value: Via = { transport: r.transport, host: r.host, params };
    if (r.port !== undefined) value.port = r.port;
    return value;
  });

/** Headers outside the ones the parser checks; values trimmed as the parser trims them. */
const extraHeader = fc.tuple(token.map((t) => 'X-' + t), lineText.map((v) => v.trim()));

interface Parts {
  vias: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: number;
  contacts: NameAddr[];
  routes: NameAddr[];
  extra: [string, string][];
  body: Uint8Array;
}

const parts: fc.Arbitrary<Parts> = fc.record({
  vias: fc.array(via, { minLength: 1, maxLength: 3 }),
  from: nameAddr(fc.oneof(sipUri, telUri)),
  to: nameAddr(fc.oneof(sipUri, telUri)),
  callId: fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]{1,20}(@[a-z0-9.]{1,10})?$/),
  cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  contacts: fc.array(nameAddr(sipUri), { maxLength: 2 }),
  routes: fc.array(nameAddr(sipUri), { maxLength: 2 }),
  extra: fc.array(extraHeader, { maxLength: 3 }),
  body: fc.uint8Array({ maxLength: 64 }),
});

function headersOf(p: Parts, method: string): SipHeaders {
  const headers = new SipHeaders();
  for (const v of p.vias) headers.append('Via', formatVia(v));
  headers.append('From', formatNameAddr(p.from));
  headers.append('To', formatNameAddr(p.to));
  headers.append('Call-ID', p.callId);
  headers.append('CSeq', formatCSeq({ seq: p.cseq, method }));
  if (p.contacts.length > 0) headers.append('Contact', p.contacts.map(formatNameAddr).join(', '));
  for (const route of p.routes) headers.append('Route', formatNameAddr(route));
  for (const [name, value] of p.extra) headers.append(name, value);
  return headers;
}

const request = fc
  .tuple(token, sipUri.map((u) => ({ ...u, headers: new Map<string, string>() })), parts)
  .map(([method, uri, p]) => ({ p, msg: new SipRequest(method, uri, headersOf(p, method), Buffer.from(p.body)) as SipMessage }));

const response = fc
  .tuple(fc.integer({ min: 100, max: 699 }), lineText, token, parts)
  .map(([status, reason, method, p]) => ({ p, msg: new SipResponse(status, reason, headersOf(p, method), Buffer.from(p.body)) as SipMessage }));

function assertSame(parsed: SipMessage, original: SipMessage, p: Parts): void {
  assert.equal(parsed.kind, original.kind);
  if (parsed.kind === 'request' && original.kind === 'request') {
    assert.equal(parsed.method, original.method);
    assert.deepEqual(withPlainMaps(parsed.uri), original.uri);
  }
  if (parsed.kind === 'response' && original.kind === 'response') {
    assert.equal(parsed.status, original.status);
    assert.equal(parsed.reason, original.reason);
  }
  const withoutLength = (m: SipMessage) => [...m.headers].filter((f) => f.key !== 'content-length').map((f) => [f.key, f.value]);
  assert.deepEqual(withoutLength(parsed), withoutLength(original));
  assert.equal(parsed.headers.get('Content-Length'), String(p.body.length));
  assert.deepEqual(withPlainMaps(parsed.vias), p.vias);
  assert.deepEqual(withPlainMaps(parsed.from), p.from);
  assert.deepEqual(withPlainMaps(parsed.to), p.to);
  assert.equal(parsed.callId, p.callId);
  assert.deepEqual(withPlainMaps(parsed.contacts), p.contacts);
  assert.deepEqual(withPlainMaps(parsed.routes), p.routes);
  assert.ok(parsed.body.equals(original.body));
}

describe('round trip', () => {
  for (const [kind, arbitrary] of [['request', request], ['response', response]] as const) {
    it(`parse(serialize(m)) equals m for generated ${kind}s`, () => {
      fc.assert(
        fc.property(arbitrary, fc.boolean(), ({ p, msg }, datagram) => {
          assertSame(parseMessage(serializeMessage(msg), { datagram }), msg, p);
        }),
        { numRuns: 400 },
      );
    });

    it(`serialize(parse(serialize(m))) is byte-stable for generated ${kind}s`, () => {
      fc.assert(
        fc.property(arbitrary, ({ msg }) => {
          const once = serializeMessage(msg);
          assert.ok(serializeMessage(parseMessage(once)).equals(once));
        }),
        { numRuns: 400 },
      );
    });
  }

  it('formatUri(parseUri(formatUri(u))) is stable and parseUri inverts formatUri', () => {
    fc.assert(
      fc.property(fc.oneof(sipUri, telUri), (uri) => {
        const text = formatUri(uri);
        assert.deepEqual(withPlainMaps(parseUri(text)), uri);
        assert.equal(formatUri(parseUri(text)), text);
      }),
      { numRuns: 1000 },
    );
  });
});
