// RFC 4028 terms per leg and the timer that refreshes or gives up, with node's mock timers.
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parser.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { SessionIntervalTooSmallError, SessionTimer, uacTerms, uasResponseHeaders, uasTerms } from '../../../src/b2bua/session-timer.js';

function invite(extra: string): SipRequest {
  const text =
    'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n' +
    `To: <sip:bob@x>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`;
  return parseMessage(Buffer.from(text)) as SipRequest;
}

function ok(extra: string): SipResponse {
  const text =
    'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n' +
    `To: <sip:bob@x>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n${extra}Content-Length: 0\r\n\r\n`;
  return parseMessage(Buffer.from(text)) as SipResponse;
}

describe('session timer terms', () => {
  it('leg A: no Session-Expires, no timer; the caller refreshes when it supports timer and did not ask us', () => {
    assert.equal(uasTerms(invite('')), undefined);
    assert.deepEqual(uasTerms(invite('Supported: timer\r\nSession-Expires: 1800\r\n')), { interval: 1800, refresher: 'peer' });
    assert.deepEqual(uasTerms(invite('Supported: 100rel, timer\r\nx: 600;refresher=uas\r\n')), { interval: 600, refresher: 'b2bua' });
    // A caller without `Supported: timer` cannot refresh: we do (§9).
    assert.deepEqual(uasTerms(invite('Session-Expires: 600;refresher=uac\r\n')), { interval: 600, refresher: 'b2bua' });
  });

  it('leg A: an interval under Min-SE 90 is refused (422)', () => {
    assert.throws(() => uasTerms(invite('Session-Expires: 30\r\n')), SessionIntervalTooSmallError);
  });

  it("leg B: the callee's 2xx decides; refresher=uac (us) is the default", () => {
    assert.equal(uacTerms(ok('')), undefined);
    assert.deepEqual(uacTerms(ok('Session-Expires: 900;refresher=uas\r\nRequire: timer\r\n')), { interval: 900, refresher: 'peer' });
    assert.deepEqual(uacTerms(ok('Session-Expires: 900\r\n')), { interval: 900, refresher: 'b2bua' });
  });

  it("our 2xx names the refresher from the dialog's point of view, Require only towards a UA that supports timer", () => {
    const request = invite('Supported: timer\r\nSession-Expires: 1800\r\n');
    assert.deepEqual(uasResponseHeaders({ interval: 1800, refresher: 'peer' }, request), { 'Session-Expires': '1800;refresher=uac', Require: 'timer' });
    assert.deepEqual(uasResponseHeaders({ interval: 1800, refresher: 'b2bua' }, invite('Session-Expires: 1800\r\n')), { 'Session-Expires': '1800;refresher=uas' });
  });
});

describe('SessionTimer', () => {
  it('refreshes at half the interval when the B2BUA is the refresher', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const refreshes: number[] = [];
      const timer = new SessionTimer({ interval: 90, refresher: 'b2bua' }, () => refreshes.push(1), () => assert.fail('must not expire'));
      mock.timers.tick(44_999);
      assert.equal(refreshes.length, 0);
      mock.timers.tick(1);
      assert.equal(refreshes.length, 1);
      timer.stop();
    } finally {
      mock.timers.reset();
    }
  });

  it("expires min(32 s, interval/3) before the end when the peer's refresh does not come; a refresh restarts it", () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let expired = 0;
      const timer = new SessionTimer({ interval: 90, refresher: 'peer' }, () => assert.fail('must not refresh'), () => expired++);
      mock.timers.tick(59_000);
      timer.restart();
      mock.timers.tick(59_999);
      assert.equal(expired, 0);
      mock.timers.tick(1);
      assert.equal(expired, 1);
      // A refresh that completes after the call ended does not re-arm it.
      timer.stop();
      timer.restart();
      mock.timers.tick(120_000);
      assert.equal(expired, 1);
    } finally {
      mock.timers.reset();
    }
  });
});
