import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from '../../../src/sip/errors.js';
import { formatUri, parseUri, parseUriIn } from '../../../src/sip/uri.js';

function fails(text: string, reason: string): void {
  assert.throws(() => parseUri(text), (e: unknown) => e instanceof SipParseError && e.reason === reason);
}

describe('parseUri', () => {
  it('reads every part of a sip URI', () => {
    const uri = parseUri('sip:alice:secret@atlanta.example.com:5070;transport=tcp;lr?subject=project%20x&priority=urgent');
    assert.equal(uri.scheme, 'sip');
    assert.equal(uri.user, 'alice');
    assert.equal(uri.password, 'secret');
    assert.equal(uri.host, 'atlanta.example.com');
    assert.equal(uri.port, 5070);
    assert.deepEqual([...uri.params], [['transport', 'tcp'], ['lr', null]]);
    assert.deepEqual([...uri.headers], [['subject', 'project x'], ['priority', 'urgent']]);
  });

  it('finds the headers after the host, the port or the parameters, and a ? in the user part', () => {
    for (const [text, port, params] of [
      ['sip:a.example.com?subject=x', undefined, []],
      ['sip:a.example.com:5060?subject=x', 5060, []],
      ['sip:a.example.com;lr?subject=x', undefined, [['lr', null]]],
      ['sip:a.example.com;maddr=b?subject=x', undefined, [['maddr', 'b']]],
    ] as const) {
      const uri = parseUri(text);
      assert.equal(uri.host, 'a.example.com');
      assert.equal(uri.port, port);
      assert.deepEqual([...uri.params], params);
      assert.deepEqual([...uri.headers], [['subject', 'x']], text);
    }
    const user = parseUri('sip:who?me@a.example.com;lr');
    assert.equal(user.user, 'who?me');
    assert.equal(user.headers.size, 0);
  });

  it('reads a URI in place, ignoring what follows it in the text', () => {
    const text = '<sip:b.example.com;lr>;tag=1?x, <sip:c@d;p=q?h=v>';
    const first = parseUriIn(text, 1, 21);
    assert.equal(first.host, 'b.example.com');
    assert.deepEqual([...first.params], [['lr', null]]);
    assert.equal(first.headers.size, 0);
    const second = parseUriIn(text, 33, 48);
    assert.deepEqual([...second.params], [['p', 'q']]);
    assert.deepEqual([...second.headers], [['h', 'v']]);
  });

  it('handles sips, scheme case and IPv6 references', () => {
    const uri = parseUri('SIPS:bob@[2001:db8::10]:5061;maddr=[2001:db8::1]');
    assert.equal(uri.scheme, 'sips');
    assert.equal(uri.host, '2001:db8::10');
    assert.equal(uri.port, 5061);
    assert.equal(uri.params.get('maddr'), '[2001:db8::1]');
    assert.equal(formatUri(uri), 'sips:bob@[2001:db8::10]:5061;maddr=[2001:db8::1]');
    assert.equal(parseUri('sip:[::1]').host, '::1');
  });

  it('unescapes user, password, params and headers, and escapes them back', () => {
    const uri = parseUri('sip:%61lice%20b:p%40ss@host;n%61me=v%3Dx');
    assert.equal(uri.user, 'alice b');
    assert.equal(uri.password, 'p@ss');
    assert.equal(uri.params.get('name'), 'v=x');
    assert.equal(formatUri(uri), 'sip:alice%20b:p%40ss@host;name=v%3Dx');
    assert.equal(parseUri('sip:%C3%A9t%C3%A9@host').user, 'été');
    assert.equal(formatUri(parseUri('sip:%C3%A9t%C3%A9@host')), 'sip:%C3%A9t%C3%A9@host');
  });

  it('keeps user-part semicolons (a telephone-subscriber with parameters)', () => {
    const uri = parseUri('sip:+1-555;phone-context=example.com@gw.example.com;user=phone');
    assert.equal(uri.user, '+1-555;phone-context=example.com');
    assert.deepEqual([...uri.params], [['user', 'phone']]);
  });

  it('tells a user from a host wherever the run of host characters stops', () => {
    const plain = parseUri('sip:bob.smith-2@h.example.com:5060');
    assert.equal(plain.user, 'bob.smith-2');
    assert.equal(plain.host, 'h.example.com');
    assert.equal(plain.port, 5060);
    const semicolon = parseUri('sip:bob;tsp=x@h.example.com;lr');
    assert.equal(semicolon.user, 'bob;tsp=x');
    assert.equal(semicolon.host, 'h.example.com');
    assert.deepEqual([...semicolon.params], [['lr', null]]);
    const hostOnly = parseUri('sip:h.example.com:5060;maddr=x');
    assert.equal(hostOnly.user, undefined);
    assert.equal(hostOnly.host, 'h.example.com');
    assert.equal(hostOnly.port, 5060);
    assert.throws(() => parseUri('sip:h.example.com:5060;maddr=x@y'), /invalid character in URI password/);
  });

  it('reads tel URIs', () => {
    const uri = parseUri('tel:+1-201-555-0123;ext=42');
    assert.equal(uri.scheme, 'tel');
    assert.equal(uri.user, '+1-201-555-0123');
    assert.equal(uri.host, '');
    assert.equal(uri.params.get('ext'), '42');
    assert.equal(formatUri(uri), 'tel:+1-201-555-0123;ext=42');
  });

  it('keeps other schemes opaque', () => {
    const uri = parseUri('urn:service:sos');
    assert.equal(uri.scheme, 'other');
    assert.equal(uri.opaque, 'urn:service:sos');
    assert.equal(formatUri(uri), 'urn:service:sos');
  });

  it('rejects malformed URIs with a precise reason', () => {
    fails('alice@example.com', 'invalid URI: missing scheme');
    fails('si p:alice@example.com', 'invalid URI scheme');
    fails('sip:alice@exa mple.com', 'invalid URI host');
    fails('sip:@example.com', 'empty URI user');
    fails('sip:alice@example.com:99999', 'invalid port');
    fails('sip:alice@example.com:', 'invalid port');
    fails('sip:al<ice@example.com', 'invalid character in URI user');
    fails('sip:alice%4@example.com', 'bad escape in URI user');
    fails('sip:alice@[2001:db8::1', 'unterminated IPv6 reference');
    fails('sip:alice@[example]', 'invalid IPv6 reference');
    fails('sip:alice@example.com;;lr', 'invalid URI parameter');
    fails('sip:alice@example.com?subject', 'invalid URI header');
    fails('tel:call-me', 'invalid tel URI number');
    fails('tel:+33123;phone-context=a?b', 'invalid character in URI parameter');
    fails('sip:alice@example.com:50x?a=b', 'invalid port');
    fails('sip:alice@example.com;a?b', 'invalid URI header');
    fails('http://exa mple.com', 'invalid character in URI');
  });
});
