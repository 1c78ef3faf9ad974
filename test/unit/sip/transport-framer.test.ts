import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamFramer, readContentLength, type StreamUnit } from '../../../src/sip/transport/stream-framer.js';

function message(body: string, extra = ''): Buffer {
  return Buffer.from(
    `OPTIONS sip:b@example.org SIP/2.0\r\nCall-ID: c${body.length}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function feed(framer: StreamFramer, chunks: Buffer[]): StreamUnit[] {
  return chunks.flatMap((chunk) => framer.push(chunk));
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(data.subarray(from, point));
    from = point;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

describe('StreamFramer', () => {
  it('yields the same units however the stream is cut', () => {
    const stream = Buffer.concat([
      Buffer.from('\r\n'),
      message('hello'),
      Buffer.from('\r\n\r\n'),
      message(''),
      message('v=0\r\n\r\nbody with a blank line'),
    ]);
    const whole = feed(new StreamFramer(65536), [stream]);
    assert.deepEqual(
      whole.map((u) => u.kind),
      ['message', 'ping', 'message', 'message'],
    );
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        assert.deepEqual(feed(new StreamFramer(65536), splitAt(stream, cuts)), whole);
      }),
    );
  });

  it('waits when a lone CRLF may be half of a ping', () => {
    const framer = new StreamFramer(65536);
    assert.deepEqual(framer.push(Buffer.from('\r\n')), []);
    assert.deepEqual(framer.push(Buffer.from('\r\n')), [{ kind: 'ping' }]);
    assert.equal(framer.buffered, 0);
  });

  it('refuses an oversized message, skips its body split over reads, and goes on', () => {
    const framer = new StreamFramer(200);
    const big = message('x'.repeat(500));
    const head = big.subarray(0, big.indexOf('\r\n\r\n') + 4);
    const units = feed(framer, [big.subarray(0, 150), big.subarray(150, 400), Buffer.concat([big.subarray(400), message('ok')])]);
    assert.deepEqual(units, [
      { kind: 'oversized', head, size: big.length },
      { kind: 'message', data: message('ok') },
    ]);
  });

  it('reports a header block over the limit with no end as an overflow, then stops', () => {
    const framer = new StreamFramer(100);
    const endless = Buffer.from(`INVITE sip:a@b SIP/2.0\r\nSubject: ${'y'.repeat(200)}`);
    assert.deepEqual(framer.push(endless.subarray(0, 90)), []);
    assert.deepEqual(framer.push(endless.subarray(90)), [{ kind: 'overflow', buffered: endless.length }]);
    assert.deepEqual(framer.push(message('')), []);
  });

  it('reports a message without Content-Length and frames the next one', () => {
    const framer = new StreamFramer(65536);
    const bare = Buffer.from('OPTIONS sip:b@example.org SIP/2.0\r\nCall-ID: x\r\n\r\n');
    const units = framer.push(Buffer.concat([bare, message('a')]));
    assert.deepEqual(units, [
      { kind: 'malformed', head: bare, reason: 'missing Content-Length' },
      { kind: 'message', data: message('a') },
    ]);
  });
});

describe('readContentLength', () => {
  it('reads the long and compact forms, case-insensitively', () => {
    assert.equal(readContentLength(Buffer.from('INVITE x SIP/2.0\r\ncontent-LENGTH :  12\r\n\r\n')), 12);
    assert.equal(readContentLength(Buffer.from('INVITE x SIP/2.0\r\nl: 3\r\n\r\n')), 3);
  });

  it('names what is wrong', () => {
    assert.equal(readContentLength(Buffer.from('INVITE x SIP/2.0\r\nl: -3\r\n\r\n')), "invalid Content-Length '-3'");
    assert.equal(
      readContentLength(Buffer.from('INVITE x SIP/2.0\r\nl: 3\r\nContent-Length: 4\r\n\r\n')),
      'conflicting Content-Length headers',
    );
  });
});
