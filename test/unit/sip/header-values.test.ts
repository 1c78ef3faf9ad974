import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from '../../../src/sip/errors.js';
import {
  formatCSeq,
  formatNameAddr,
  formatParams,
  formatVia,
  parseCSeq,
  parseNameAddr,
  parseNameAddrList,
  parseParams,
  parseViaList,
  splitHeaderList,
} from '../../../src/sip/header-values.js';
import { withPlainMaps } from './plain-maps.js';

function fails(parse: () => unknown, reason: string): void {
  assert.throws(parse, (e: unknown) => e instanceof SipParseError && e.reason === reason);
}

describe('Via', () => {
  it('reads sent-protocol, sent-by and RFC 3581 rport/received', () => {
    const [via] = parseViaList('SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bK776;rport;received=192.0.2.9');
    assert.deepEqual(withPlainMaps(via), {
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5060,
      params: new Map([['branch', 'z9hG4bK776'], ['rport', null], ['received', '192.0.2.9']]),
    });
    assert.equal(formatVia(via!), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport;received=192.0.2.9');
  });

  it('reads comma lists, IPv6 sent-by and LWS around separators', () => {
    const vias = parseViaList('SIP / 2.0 / TLS [2001:db8::9] : 5061 ; branch = z9hG4bKa , SIP/2.0/WSS edge.example.com;received=2001:db8::7');
    assert.equal(vias.length, 2);
    assert.equal(vias[0]!.host, '2001:db8::9');
    assert.equal(vias[0]!.port, 5061);
    assert.equal(vias[0]!.params.get('branch'), 'z9hG4bKa');
    assert.equal(vias[1]!.transport, 'WSS');
    assert.equal(vias[1]!.params.get('received'), '2001:db8::7');
    assert.equal(formatVia(vias[0]!), 'SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKa');
  });

  it('rejects broken Vias', () => {
    fails(() => parseViaList('SIP/2.0/UDP'), 'invalid Via sent-by');
    fails(() => parseViaList('SIP/3.0/UDP host'), 'unsupported Via protocol');
    fails(() => parseViaList('SIP/2.0 host'), 'invalid Via sent-protocol');
    fails(() => parseViaList('SIP/2.0/UDP host;;branch=1'), 'invalid header parameter');
    fails(() => parseViaList('SIP/2.0/UDP host;rport=70000'), 'invalid port');
    fails(() => parseViaList('SIP/2.0/UDP host;branch'), 'invalid Via branch');
    fails(() => parseViaList('SIP/2.0/UDP host, '), 'invalid Via sent-protocol');
    fails(() => parseViaList('SIP/2.0/UDP host junk'), 'invalid Via');
  });
});

describe('name-addr', () => {
  it('reads quoted and token display names, URI and header parameters', () => {
    const quoted = parseNameAddr('"Alice \\"A\\" Liddell" <sip:alice@example.com;transport=tcp>;tag=abc;Expires=60');
    assert.equal(quoted.displayName, 'Alice "A" Liddell');
    assert.equal(quoted.uri.params.get('transport'), 'tcp');
    assert.deepEqual([...quoted.params], [['tag', 'abc'], ['expires', '60']]);
    const token = parseNameAddr('Bob Smith<sip:bob@example.com>');
    assert.equal(token.displayName, 'Bob Smith');
    assert.equal(parseNameAddr('<sip:carol@example.com>').displayName, undefined);
  });

  it('gives parameters after a bare addr-spec to the header, not the URI', () => {
    const value = parseNameAddr('sip:bob@example.com;tag=88');
    assert.equal(value.uri.params.size, 0);
    assert.equal(value.params.get('tag'), '88');
  });

  it('splits Contact/Route lists on commas outside quotes and <>', () => {
    const list = parseNameAddrList('"Doe, John" <sip:j@a.example.com;lr>, <sip:b.example.com;lr>;q=0.5,sip:c@c.example.com');
    assert.deepEqual(list.map((item) => item.uri.host), ['a.example.com', 'b.example.com', 'c.example.com']);
    assert.equal(list[0]!.displayName, 'Doe, John');
    assert.equal(list[1]!.params.get('q'), '0.5');
  });

  it('keeps quoted parameter values as written (e.g. +sip.instance)', () => {
    const contact = parseNameAddr('<sip:a@192.0.2.4>;+sip.instance="<urn:uuid:1234>";expires=3600');
    assert.equal(contact.params.get('+sip.instance'), '"<urn:uuid:1234>"');
    assert.equal(formatNameAddr(contact), '<sip:a@192.0.2.4>;+sip.instance="<urn:uuid:1234>";expires=3600');
    // A quote after a quoted-pair is not the closing one.
    const [escaped, next] = parseNameAddrList('<sip:a@b>;x="a\\"b;c";y=1, <sip:c@d>;z="\\\\"');
    assert.deepEqual([...escaped!.params], [['x', '"a\\"b;c"'], ['y', '1']]);
    assert.deepEqual([...next!.params], [['z', '"\\\\"']]);
  });

  it('formats with a quoted display name and <URI>', () => {
    assert.equal(formatNameAddr(parseNameAddr('Bob <sip:bob@example.com>;tag=1')), '"Bob" <sip:bob@example.com>;tag=1');
    assert.equal(formatNameAddr(parseNameAddr('"a\\\\b" <sip:x@y>')), '"a\\\\b" <sip:x@y>');
    // A display name from elsewhere must not break the header line it is written into.
    assert.equal(formatNameAddr({ displayName: 'evil\r\nVia: x', uri: parseNameAddr('<sip:x@y>').uri, params: new Map() }), '"evil  Via: x" <sip:x@y>');
  });

  it('rejects broken name-addrs', () => {
    fails(() => parseNameAddr('"Unterminated <sip:a@b>'), 'unterminated quoted string');
    fails(() => parseNameAddr('<sip:a@b'), 'unterminated <URI>');
    fails(() => parseNameAddr('< sip:a@b>'), 'whitespace in URI');
    fails(() => parseNameAddr('"Name" sip:a@b'), 'expected <URI> after display name');
    fails(() => parseNameAddr('Bell, Alexander <sip:a@b>'), 'invalid display name');
    fails(() => parseNameAddr('sip:a@b?Route=x'), 'URI with headers must be enclosed in <>');
    fails(() => parseNameAddr('<sip:a@b>, <sip:c@d>'), 'multiple values in single-value header');
    fails(() => parseNameAddr('<sip:a@b> junk'), 'invalid name-addr');
    fails(() => parseNameAddrList('*'), 'wildcard Contact is not a name-addr');
  });
});

describe('CSeq, params, lists', () => {
  it('reads and formats CSeq', () => {
    assert.deepEqual(parseCSeq(' 0042   INVITE '), { seq: 42, method: 'INVITE' });
    assert.equal(formatCSeq({ seq: 7, method: 'BYE' }), '7 BYE');
    assert.deepEqual(parseCSeq('2147483647 ACK'), { seq: 2147483647, method: 'ACK' });
    fails(() => parseCSeq('2147483648 ACK'), 'CSeq number too large');
    fails(() => parseCSeq('INVITE'), 'invalid CSeq');
    fails(() => parseCSeq('1INVITE'), 'invalid CSeq');
    fails(() => parseCSeq('1 IN VITE'), 'invalid CSeq');
  });

  it('parses and formats parameter strings', () => {
    const params = parseParams(';lr;Transport=TCP ; q = "x y"');
    assert.deepEqual([...params], [['lr', null], ['transport', 'TCP'], ['q', '"x y"']]);
    assert.equal(formatParams(params), ';lr;transport=TCP;q="x y"');
    fails(() => parseParams(';a=b c'), 'invalid header parameter');
    fails(() => parseParams(';a='), 'invalid a parameter value');
  });

  it('splits header lists outside quotes and angle brackets', () => {
    assert.deepEqual(splitHeaderList('a, "b, c" , <sip:d,e>;x=1 ,, f'), ['a', '"b, c"', '<sip:d,e>;x=1', 'f']);
    fails(() => splitHeaderList('a, "b'), 'unterminated quoted string');
  });
});
