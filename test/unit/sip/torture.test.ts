// RFC 4475 torture messages (fixtures are the RFC's messages, byte for byte, as .dat files).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SipParseError } from '../../../src/sip/errors.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';

const root = new URL('../../../../test/fixtures/rfc4475/', import.meta.url);

function fixture(kind: 'valid' | 'invalid', name: string): Buffer {
  return readFileSync(new URL(`${kind}/${name}.dat`, root));
}

function names(kind: 'valid' | 'invalid'): string[] {
  return readdirSync(new URL(`${kind}/`, root))
    .filter((file) => file.endsWith('.dat'))
    .map((file) => file.slice(0, -4))
    .sort();
}

/** Every fixture arrived "over UDP" in the RFC's framing, so they are parsed as datagrams. */
function parse(kind: 'valid' | 'invalid', name: string) {
  return parseMessage(fixture(kind, name), { datagram: true });
}

const request = (name: string) => parse('valid', name) as SipRequest;

/** The fault each §3.1.2 message carries (and §3.3 ones RFC 4475 answers with 400), as it must be reported. */
const INVALID: Record<string, string> = {
  badinv01: 'invalid header parameter in Via header',
  clerr: 'Content-Length larger than body',
  ncl: 'invalid Content-Length',
  scalar02: 'CSeq number too large',
  scalarlg: 'CSeq number too large',
  quotbal: 'unterminated quoted string in To header',
  ltgtruri: 'Request-URI enclosed in <>',
  lwsruri: 'whitespace in Request-URI',
  lwsstart: 'extra whitespace in Request-Line',
  trws: 'trailing whitespace in Request-Line',
  escruri: 'Request-URI must not contain headers',
  baddate: 'invalid Date header',
  regbadct: 'URI with headers must be enclosed in <> in Contact header',
  badaspec: 'whitespace in URI in To header',
  baddn: 'invalid display name in From header',
  badvers: 'unsupported SIP version',
  mismatch01: 'CSeq method does not match request method',
  mismatch02: 'CSeq method does not match request method',
  bigcode: 'invalid status code',
  insuf: 'missing From header',
  multi01: 'multiple CSeq headers',
  mcl01: 'multiple Content-Length headers',
};

describe('RFC 4475 §3.1.2 invalid messages (and §3.3 insuf, multi01, mcl01)', () => {
  it('has a fixture for every expected fault and no unexpected fixture', () => {
    assert.deepEqual(names('invalid'), Object.keys(INVALID).sort());
  });
  for (const [name, reason] of Object.entries(INVALID)) {
    it(`${name}: ${reason}`, () => {
      assert.throws(
        () => parse('invalid', name),
        (error: unknown) => error instanceof SipParseError && error.reason === reason,
      );
    });
  }
});

describe('RFC 4475 valid messages', () => {
  for (const name of names('valid')) {
    it(`${name} parses, and serialize → parse → serialize is byte-stable`, () => {
      const once = serializeMessage(parse('valid', name));
      const twice = serializeMessage(parseMessage(once));
      assert.equal(twice.toString('latin1'), once.toString('latin1'));
    });
  }

  it('wsinv: folding, LWS everywhere, compact and mixed-case names', () => {
    const msg = request('wsinv');
    assert.equal(msg.method, 'INVITE');
    assert.deepEqual([...msg.uri.params], [['unknownparam', null]]);
    assert.equal(msg.to.params.get('tag'), '1918181833n');
    assert.equal(msg.from.displayName, 'J Rosenberg \\"');
    assert.equal(msg.from.params.get('tag'), '98asjd8');
    assert.equal(msg.maxForwards, 68);
    assert.deepEqual(msg.cseq, { seq: 9, method: 'INVITE' });
    assert.deepEqual(
      msg.vias.map((via) => [via.transport, via.host, via.params.get('branch')]),
      [
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(msg.headers.get('Subject'), '');
    assert.equal(msg.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(msg.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(msg.routes[0]?.uri.params.get('unknownwith'), 'value');
    const contact = msg.contacts[0]!;
    assert.equal(contact.displayName, 'Quoted string ""');
    assert.deepEqual([...contact.params], [['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
    assert.equal(msg.body.length, 150);
  });

  it('intmeth: unusual token characters, quoted-pairs and UTF-8', () => {
    const msg = request('intmeth');
    assert.equal(msg.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(msg.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(msg.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(msg.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(msg.from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(msg.from.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(msg.from.params.get('tag'), "_token~1'+`*%!-.");
    assert.equal(msg.callId, `intmeth.word%ZK-!.*_+'@word\`~)(><:\\/"][?}{`);
    assert.equal(msg.headers.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
  });

  it('esc01 and escnull: %-escapes in user, params and NUL octets', () => {
    const esc01 = request('esc01');
    assert.equal(esc01.uri.user, 'sips:user@example.com');
    assert.equal(esc01.to.uri.user, 'user');
    assert.equal(esc01.from.uri.user, 'I have spaces');
    assert.deepEqual([...esc01.contacts[0]!.uri.params], [['lr', null], ['name', 'value%41']]);
    assert.equal(esc01.contentType, 'application/sdp');
    const escnull = request('escnull');
    assert.equal(escnull.to.uri.user, 'null-\x00-null');
    assert.deepEqual(escnull.contacts.map((c) => c.uri.user), ['\x00', '\x00\x00']);
  });

  it('esc02: % is no escape in a method, a display name or a header name', () => {
    const msg = request('esc02');
    assert.equal(msg.method, 'RE%47IST%45R');
    assert.equal(msg.to.displayName, '%Z%45');
    assert.equal(msg.contacts.length, 2);
    assert.equal(msg.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  it('lwsdisp, semiuri, longreq, transports', () => {
    assert.equal(request('lwsdisp').from.displayName, 'caller');
    assert.equal(request('semiuri').uri.user, 'user;par=u@example.net');
    const longreq = request('longreq');
    assert.equal(longreq.vias.length, 34);
    assert.equal(longreq.to.uri.port, 6000);
    assert.equal(longreq.topVia.host, 'sip33.example.com');
    // An unknown header keeps its value as received, LWS inside it included.
    const long = 'long'.repeat(20);
    assert.equal(
      longreq.headers.get(`Unknown-${'Long'.repeat(20)}-Name`),
      `unknown-${long}-value; unknown-${long}-parameter-name = unknown-${long}-parameter-value`,
    );
    assert.deepEqual(request('transports').vias.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('dblreq: octets after Content-Length in a datagram are dropped', () => {
    const msg = request('dblreq');
    assert.equal(msg.method, 'REGISTER');
    assert.equal(msg.body.length, 0);
  });

  it('mpart01: binary body kept byte for byte', () => {
    const msg = request('mpart01');
    const raw = fixture('valid', 'mpart01');
    assert.equal(msg.body.length, 553);
    assert.ok(msg.body.equals(raw.subarray(raw.length - 553)));
    assert.equal(msg.topVia.params.get('rport'), null);
  });

  it('unreason and noreason: UTF-8 and empty reason phrases', () => {
    const unreason = parse('valid', 'unreason') as SipResponse;
    assert.equal(unreason.status, 200);
    assert.equal(unreason.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    const noreason = parse('valid', 'noreason') as SipResponse;
    assert.equal(noreason.status, 100);
    assert.equal(noreason.reason, '');
  });

  // Valid syntax that the transaction layer or the application must refuse: parsing them is right.
  it('unkscm and novelsc: unknown Request-URI scheme parses; the application answers 416', () => {
    assert.equal(request('unkscm').uri.scheme, 'other');
    assert.equal(request('unkscm').uri.opaque, 'nobodyKnowsThisScheme:totallyopaquecontent');
    assert.equal(request('novelsc').uri.opaque, 'soap.beep://192.0.2.103:3002');
  });

  it('unksm2: unknown URI schemes in To, From and Contact parse', () => {
    const msg = request('unksm2');
    assert.equal(msg.to.uri.opaque, 'isbn:2983792873');
    assert.equal(msg.from.uri.opaque, 'http://www.example.com');
    assert.equal(msg.contacts[0]?.uri.opaque, 'name:John_Smith');
  });

  it('zeromf: Max-Forwards 0 parses; the application answers 483', () => {
    assert.equal(request('zeromf').maxForwards, 0);
  });

  it('badbranch, bext01, invut, regaut01, sdp01, bcast: left to the upper layers', () => {
    assert.equal(request('badbranch').topVia.params.get('branch'), 'z9hG4bK');
    assert.equal(request('bext01').headers.get('Require'), 'nothingSupportsThis, nothingSupportsThisEither');
    assert.equal(request('invut').contentType, 'application/unknownformat');
    assert.equal(request('regaut01').headers.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here');
    assert.equal(request('sdp01').headers.get('Accept'), 'text/nobodyKnowsThis');
    assert.equal((parse('valid', 'bcast') as SipResponse).vias[1]?.host, '255.255.255.255');
  });

  it('cparam01/cparam02: a parameter outside <> is a header parameter, inside it is a URI parameter', () => {
    const outside = request('cparam01').contacts[0]!;
    assert.deepEqual([...outside.params], [['unknownparam', null]]);
    assert.equal(outside.uri.params.size, 0);
    const inside = request('cparam02').contacts[0]!;
    assert.equal(inside.params.size, 0);
    assert.deepEqual([...inside.uri.params], [['unknownparam', null]]);
  });

  it('regescrt: escaped headers inside <> in a Contact are URI headers', () => {
    assert.equal(request('regescrt').contacts[0]?.uri.headers.get('Route'), '<sip:sip.example.com>');
  });

  it('inv2543: RFC 2543 syntax (no branch, no Max-Forwards, no Content-Length on UDP) parses', () => {
    const msg = request('inv2543');
    assert.equal(msg.maxForwards, undefined);
    assert.equal(msg.topVia.params.has('branch'), false);
    assert.equal(msg.to.params.get('user'), 'phone');
    assert.equal(msg.body.length, 105);
  });
});
