import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueFormatError } from '../../../src/config/errors.js';
import { booleanType, durationType, integerRangeType, integerType, stringListType } from '../../../src/config/types.js';
import { parseListenUri, parseConfigSipUri } from '../../../src/config/sip-uri.js';

function refuses(parse: () => unknown, reason: string): void {
  assert.throws(parse, (err: unknown) => err instanceof ValueFormatError && err.reason === reason);
}

test('Boolean accepts exactly true, false, 1 and 0', () => {
  assert.equal(booleanType.parse('true'), true);
  assert.equal(booleanType.parse('1'), true);
  assert.equal(booleanType.parse('false'), false);
  assert.equal(booleanType.parse('0'), false);
  for (const text of ['yes', 'on', 'True', 'FALSE', '2']) {
    refuses(() => booleanType.parse(text), `'${text}' is not a boolean (true, false, 1 or 0)`);
  }
});

test('Integer: digits with a sign; trailing garbage and bounds refused', () => {
  const type = integerType(1);
  assert.equal(type.parse('500'), 500);
  assert.equal(type.parse('+7'), 7);
  refuses(() => type.parse('12abc'), "'12abc' is not an integer");
  refuses(() => type.parse('0'), 'must be at least 1 (got 0)');
  refuses(() => integerType(0, 10).parse('11'), 'must be between 0 and 10 (got 11)');
});

test('IntegerRange: N or MIN-MAX', () => {
  const type = integerRangeType(0, 65535);
  assert.deepEqual(type.parse('0'), { min: 0, max: 0 });
  assert.deepEqual(type.parse('20000-29999'), { min: 20000, max: 29999 });
  refuses(() => type.parse('30000-20000'), "range '30000-20000' has its minimum above its maximum");
  refuses(() => type.parse('70000'), 'must be between 0 and 65535 (got 70000)');
  refuses(() => type.parse('1-2-3'), "'1-2-3' is not N or MIN-MAX");
});

test('StringList splits on spaces only: commas and tabs belong to items', () => {
  assert.deepEqual(stringListType.parse('a  b,c d\te'), ['a', 'b,c', 'd\te']);
  assert.deepEqual(stringListType.parse(''), []);
});

test('durations: units ms s min h d m y, no unit = the key unit', () => {
  const seconds = durationType('s');
  assert.equal(seconds.parse('30'), 30_000);
  assert.equal(seconds.parse('30s'), 30_000);
  assert.equal(seconds.parse('2min'), 120_000);
  assert.equal(seconds.parse('2h'), 7_200_000);
  assert.equal(seconds.parse('1d'), 86_400_000);
  assert.equal(seconds.parse('1m'), 30.436875 * 86_400_000);
  assert.equal(seconds.parse('1y'), 365.2425 * 86_400_000);
  assert.equal(durationType('ms').parse('250'), 250);
  assert.equal(durationType('min').parse('3'), 180_000);
});

test('durations: a unit finer than the key unit, spaces, decimals and signs are refused', () => {
  refuses(() => durationType('s').parse('250ms'), "'250ms' uses a unit finer than this key's unit (s)");
  refuses(() => durationType('min').parse('30s'), "'30s' uses a unit finer than this key's unit (min)");
  for (const text of ['1.5s', '30 s', '-1', '10sec']) {
    refuses(() => durationType('s').parse(text), `'${text}' is not a duration (digits and one of ms s min h d m y)`);
  }
});

test('SIP URIs are validated', () => {
  assert.equal(parseConfigSipUri('sip:127.0.0.1:5060;transport=tcp').port, 5060);
  refuses(() => parseConfigSipUri('tel:+33123'), "'tel:+33123' is not a sip: or sips: URI");
  assert.throws(() => parseConfigSipUri('sip:'), (err: unknown) => err instanceof ValueFormatError && err.reason.startsWith("'sip:' is not a valid SIP URI"));
});

test('listen URI: Flexisip mapping of scheme and transport', () => {
  const protocolOf = (text: string) => parseListenUri(text).protocol;
  assert.equal(protocolOf('sip:127.0.0.1:6067'), 'udp');
  assert.equal(protocolOf('sip:127.0.0.1:6067;transport=UDP'), 'udp');
  assert.equal(protocolOf('sip:127.0.0.1:6067;transport=tcp'), 'tcp');
  assert.equal(protocolOf('sip:127.0.0.1:6067;transport=tls'), 'tls');
  assert.equal(protocolOf('sips:127.0.0.1:6067'), 'tls');
  assert.equal(protocolOf('sips:127.0.0.1:6067;transport=tcp'), 'tls');
  assert.equal(parseListenUri('sip:[::1]:0;transport=tcp').port, 0);
  assert.equal(parseListenUri('sips:127.0.0.1').port, 5061);
  refuses(() => parseListenUri('sips:127.0.0.1;transport=udp'), "'sips:127.0.0.1;transport=udp': SIP over DTLS (sips with transport=udp) is not supported");
  refuses(() => parseListenUri('sip:127.0.0.1;transport=sctp'), "'sip:127.0.0.1;transport=sctp': unsupported transport 'sctp' for scheme sip");
});
