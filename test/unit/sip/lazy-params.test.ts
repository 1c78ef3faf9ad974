// Parameters are checked while parsing but built only when read: the rejections must not move.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from '../../../src/sip/errors.js';
import { formatNameAddr, formatVia, parseNameAddr, parseViaList } from '../../../src/sip/header-values.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { formatUri, parseUri } from '../../../src/sip/uri.js';

function request(extra: string[]): Buffer {
  const lines = [
    'OPTIONS sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-1',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: c1',
    'CSeq: 1 OPTIONS',
    ...extra,
    'Content-Length: 0',
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n');
}

function rejects(extra: string[], reason: string): void {
  assert.throws(() => parseMessage(request(extra)), (e: unknown) => e instanceof SipParseError && e.reason === reason);
}

describe('lazily built parameters', () => {
  it('rejects a bad parameter at parse time even when nothing reads it', () => {
    rejects(['Contact: <sip:a@host;bad%zz>'], 'bad escape in URI parameter in Contact header');
    rejects(['Contact: <sip:a@host;x=>'], 'invalid URI parameter in Contact header');
    rejects(['Record-Route: <sip:p.example.com;lr>;x="open'], 'unterminated quoted string in Record-Route header');
    rejects(['Route: <sip:p.example.com?a>'], 'invalid URI header in Route header');
    rejects(['Route: <sip:p.example.com?a=<b>'], 'invalid character in URI header in Route header');
    rejects(['Via: SIP/2.0/UDP h;branch=z9hG4bK-2;ttl=256'], 'invalid Via ttl');
    rejects(['Via: SIP/2.0/UDP h;BRANCH'], 'invalid Via branch');
    rejects(['Via: SIP/2.0/UDP h;branch=z9hG4bK-2;RPort=70000'], 'invalid port in Via header');
  });

  it('keeps each view inside its own header line, though it is read in place in the whole head', () => {
    // The next lines hold the quote, the '>' and the '@' that a search running past the line would find.
    rejects(['Route: <sip:p.example.com;lr', 'Record-Route: <sip:q@r.example.com>'], 'unterminated <URI> in Route header');
    rejects(['Contact: "Bob <sip:b@example.com>', 'Subject: "x"'], 'unterminated quoted string in Contact header');
    rejects(['Contact: <sip:b@example.com>;x="1', 'Subject: "x"'], 'unterminated quoted string in Contact header');
    const msg = parseMessage(request(['Contact: <sip:example.com>', 'Subject: me@x?y', 'Route: <sip:p.example.com>', ' ;lr']));
    assert.equal(msg.contacts[0]!.uri.user, undefined);
    assert.equal(msg.contacts[0]!.uri.headers.size, 0);
    assert.deepEqual([...msg.routes[0]!.params], [['lr', null]]);
  });

  it('reads what was parsed, with header parameter names in lower case and URI ones unescaped', () => {
    const [via] = parseViaList('SIP/2.0/UDP h;Branch=z9hG4bK-2;rport;TTL=16');
    assert.deepEqual([...via!.params], [['branch', 'z9hG4bK-2'], ['rport', null], ['ttl', '16']]);
    const contact = parseNameAddr('<sip:a@h;n%61me=v%3Dx;lr?subject=hi%20there>;+sip.instance="<urn:x>";Q=0.5');
    assert.equal(contact.uri.params.get('name'), 'v=x');
    assert.equal(contact.uri.params.has('lr'), true);
    assert.deepEqual([...contact.uri.headers], [['subject', 'hi there']]);
    assert.deepEqual([...contact.params.keys()], ['+sip.instance', 'q']);
  });

  it('behaves as a Map once read: changes stick, copies are independent, formatting sees both', () => {
    const [via] = parseViaList('SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-1;rport');
    via!.params.set('rport', '5062');
    via!.params.set('received', '198.51.100.1');
    assert.equal(formatVia(via!), 'SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-1;rport=5062;received=198.51.100.1');
    const to = parseNameAddr('<sip:bob@example.com;transport=tcp>');
    const copy = new Map(to.uri.params);
    copy.delete('transport');
    assert.equal(to.uri.params.get('transport'), 'tcp');
    const retargeted = { ...to.uri, params: copy, headers: new Map<string, string>() };
    assert.equal(formatUri(retargeted), 'sip:bob@example.com');
    to.params.set('tag', 'x1');
    assert.equal(formatNameAddr(to), '<sip:bob@example.com;transport=tcp>;tag=x1');
  });

  it('answers size, forEach and clear as a Map does', () => {
    const uri = parseUri('sip:host;a=1;b');
    assert.equal(uri.headers.size, 0);
    assert.equal(uri.params.size, 2);
    const seen: string[] = [];
    uri.params.forEach((value, key) => seen.push(`${key}=${value}`));
    assert.deepEqual(seen, ['a=1', 'b=null']);
    uri.params.clear();
    assert.equal(formatUri(uri), 'sip:host');
  });
});
