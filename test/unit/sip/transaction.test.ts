// RFC 3261 §17 state machines under mock timers: every timer (A-K, plus RFC 6026 L and M), the
// retransmission schedules, reliable vs unreliable transports, and transport errors.
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parser.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message.js';
import { TransactionTimeoutError, TransportError } from '../../../src/sip/errors.js';
import { ClientInviteTransaction, ClientNonInviteTransaction } from '../../../src/sip/transaction/client-transaction.js';
import { ServerInviteTransaction, ServerNonInviteTransaction, TRYING_DELAY_MS } from '../../../src/sip/transaction/server-transaction.js';
import { DEFAULT_TIMERS, type TimerSettings } from '../../../src/sip/transaction/timers.js';
import { WaitQueue } from '../../../src/sip/transaction/wait-queue.js';
import { buildResponse } from '../../../src/sip/ua/messages.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import { collected } from '../../helpers/gc.js';

function request(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const text = [
    `${method} sip:bob@127.0.0.1:5070 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`,
    'Route: <sip:proxy.example.com;lr>',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=from1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1',
    `CSeq: 7 ${method}`,
    'Contact: <sip:alice@127.0.0.1:5060>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

function response(req: SipRequest, status: number): SipResponse {
  return buildResponse(req, status, { toTag: 'to1' });
}

/** A transport double: records what is sent, at which mock time. */
class Wire {
  sent: { at: number; message: SipMessage }[] = [];
  failWith?: Error;
  now = 0;
  send = (message: SipMessage): Promise<void> => {
    this.sent.push({ at: this.now, message });
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve();
  };
  times(): number[] {
    return this.sent.map((s) => s.at);
  }
}

let wire: Wire;
/** Times the wait states on the test's mock clock. */
let waits: WaitQueue;
function tick(ms: number): void {
  wire.now += ms;
  mock.timers.tick(ms);
}
/** Advances one millisecond at a time so the recorded times are exact. */
function advanceTo(at: number): void {
  while (wire.now < at) tick(1);
}

function clientOptions(req: SipRequest, reliable = false, timers: TimerSettings = DEFAULT_TIMERS) {
  const seen = { responses: [] as SipResponse[], errors: [] as Error[], terminated: 0, retransmits: 0 };
  return {
    seen,
    options: {
      key: 'client-key',
      request: req,
      send: wire.send,
      reliable,
      timers,
      onRetransmit: () => seen.retransmits++,
      waits,
      onResponse: (r: SipResponse) => seen.responses.push(r),
      onError: (e: Error) => seen.errors.push(e),
      onTerminated: () => seen.terminated++,
    },
  };
}

function serverOptions(req: SipRequest, reliable = false, trying = false) {
  const seen = { acks: [] as SipRequest[], errors: [] as Error[], terminated: 0 };
  return {
    seen,
    options: {
      key: 'server-key',
      method: req.method,
      toTag: req.to.params.get('tag') ?? null,
      send: wire.send as (r: SipResponse) => Promise<void>,
      reliable,
      timers: DEFAULT_TIMERS,
      waits,
      ...(trying ? { makeTrying: () => buildResponse(req, 100) } : {}),
      onAck: (ack: SipRequest) => seen.acks.push(ack),
      onError: (e: Error) => seen.errors.push(e),
      onTerminated: () => seen.terminated++,
    },
  };
}

beforeEach(() => {
  wire = new Wire();
  waits = new WaitQueue(() => wire.now);
  mock.timers.enable({ apis: ['setTimeout'] });
});
afterEach(() => mock.timers.reset());

describe('INVITE client transaction', () => {
  it('retransmits on Timer A (T1 doubling) until Timer B (64*T1) fails it', () => {
    const { seen, options } = clientOptions(request('INVITE'));
    new ClientInviteTransaction(options).start();
    advanceTo(32_000);
    assert.deepEqual(wire.times(), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(seen.errors.length, 1);
    assert.ok(seen.errors[0] instanceof TransactionTimeoutError);
    assert.equal((seen.errors[0] as TransactionTimeoutError).timer, 'B');
    assert.equal(seen.terminated, 1);
    assert.equal(seen.retransmits, 6);
    tick(100_000);
    assert.equal(wire.sent.length, 7);
  });

  it('does not retransmit over a reliable transport, and uses the configured T1', () => {
    const { seen, options } = clientOptions(request('INVITE'), true, { t1: 100, t2: 4000, t4: 5000 });
    new ClientInviteTransaction(options).start();
    advanceTo(6399);
    assert.equal(seen.errors.length, 0);
    tick(1);
    assert.deepEqual(wire.times(), [0]);
    assert.equal((seen.errors[0] as TransactionTimeoutError).timer, 'B');
  });

  it('stops Timers A and B on a provisional response', () => {
    const req = request('INVITE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientInviteTransaction(options);
    tx.start();
    tick(600);
    tx.receiveResponse(response(req, 180));
    tick(100_000);
    assert.equal(wire.sent.length, 2);
    assert.equal(tx.state, 'proceeding');
    assert.equal(seen.errors.length, 0);
    assert.deepEqual(seen.responses.map((r) => r.status), [180]);
  });

  it('gives up 64*T1 after a CANCEL when no final response comes, whatever provisionals arrive (§9.1)', () => {
    const req = request('INVITE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 180));
    tick(10_000);
    tx.cancelSent();
    tick(20_000);
    tx.receiveResponse(response(req, 183));
    advanceTo(10_000 + 31_999);
    assert.equal(seen.errors.length, 0);
    tick(1);
    assert.equal((seen.errors[0] as TransactionTimeoutError).timer, 'CANCEL 64*T1');
    assert.equal(tx.state, 'terminated');
  });

  it('ACKs a non-2xx final itself, re-ACKs its retransmissions, and ends on Timer D', () => {
    const req = request('INVITE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 486));
    const ack = wire.sent[1]!.message as SipRequest;
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.headers.get('CSeq'), '7 ACK');
    assert.equal(ack.topVia.params.get('branch'), 'z9hG4bKtest1');
    assert.equal(ack.to.params.get('tag'), 'to1');
    assert.equal(ack.headers.get('Route'), '<sip:proxy.example.com;lr>');
    assert.equal(ack.uri.user, 'bob');
    tx.receiveResponse(response(req, 486));
    assert.equal(wire.sent.length, 3);
    assert.equal(wire.sent[2]!.message, ack);
    assert.deepEqual(seen.responses.map((r) => r.status), [486]);
    advanceTo(31_999);
    assert.equal(tx.state, 'completed');
    tick(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(seen.terminated, 1);
  });

  it('ends at once after a non-2xx over a reliable transport (Timer D = 0)', () => {
    const req = request('INVITE');
    const { seen, options } = clientOptions(req, true);
    const tx = new ClientInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 603));
    assert.equal(tx.state, 'terminated');
    assert.equal(seen.terminated, 1);
  });

  it('passes every 2xx to the TU in Accepted until Timer M (RFC 6026)', () => {
    const req = request('INVITE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 200));
    tx.receiveResponse(response(req, 200));
    assert.equal(tx.state, 'accepted');
    assert.deepEqual(seen.responses.map((r) => r.status), [200, 200]);
    assert.equal(wire.sent.length, 1, 'the 2xx ACK is not the transaction\'s job');
    advanceTo(31_999);
    assert.equal(tx.state, 'accepted');
    tick(1);
    assert.equal(tx.state, 'terminated');
  });

  it('reports a transport error and terminates', async () => {
    wire.failWith = new TransportError('connection refused');
    const { seen, options } = clientOptions(request('INVITE'));
    const tx = new ClientInviteTransaction(options);
    tx.start();
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(tx.state, 'terminated');
    assert.ok(seen.errors[0] instanceof TransportError);
    tick(100_000);
    assert.equal(wire.sent.length, 1);
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on Timer E (doubling, capped at T2) until Timer F', () => {
    const { seen, options } = clientOptions(request('OPTIONS'));
    new ClientNonInviteTransaction(options).start();
    advanceTo(32_000);
    assert.deepEqual(wire.times(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal((seen.errors[0] as TransactionTimeoutError).timer, 'F');
    assert.equal((seen.errors[0] as TransactionTimeoutError).method, 'OPTIONS');
  });

  it('retransmits every T2 once Proceeding', () => {
    const req = request('BYE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientNonInviteTransaction(options);
    tx.start();
    tick(100);
    tx.receiveResponse(response(req, 100));
    advanceTo(9000);
    assert.deepEqual(wire.times(), [0, 500, 4500, 8500]);
    assert.deepEqual(seen.responses.map((r) => r.status), [100]);
  });

  it('lingers T4 after a final response (Timer K), absorbing retransmissions', () => {
    const req = request('BYE');
    const { seen, options } = clientOptions(req);
    const tx = new ClientNonInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 200));
    tx.receiveResponse(response(req, 200));
    assert.deepEqual(seen.responses.map((r) => r.status), [200]);
    advanceTo(4999);
    assert.equal(tx.state, 'completed');
    tick(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(wire.sent.length, 1);
  });

  it('terminates at once after a final response over a reliable transport', () => {
    const req = request('BYE');
    const { options } = clientOptions(req, true);
    const tx = new ClientNonInviteTransaction(options);
    tx.start();
    tx.receiveResponse(response(req, 200));
    assert.equal(tx.state, 'terminated');
  });
});

describe('INVITE server transaction', () => {
  it('sends 100 Trying after the delay unless the TU answered first', () => {
    const req = request('INVITE');
    const { options } = serverOptions(req, false, true);
    new ServerInviteTransaction(options);
    advanceTo(TRYING_DELAY_MS - 1);
    assert.equal(wire.sent.length, 0);
    tick(1);
    assert.equal((wire.sent[0]!.message as SipResponse).status, 100);

    wire = new Wire();
    const second = serverOptions(request('INVITE', 'z9hG4bKtest2'), false, true);
    const tx = new ServerInviteTransaction(second.options);
    tx.respond(response(request('INVITE', 'z9hG4bKtest2'), 180));
    tick(10_000);
    assert.deepEqual(wire.sent.map((s) => (s.message as SipResponse).status), [180]);
  });

  it('answers a retransmitted INVITE with 100 at once, then with the last provisional', () => {
    const req = request('INVITE');
    const { options } = serverOptions(req, false, true);
    const tx = new ServerInviteTransaction(options);
    tx.receiveRequest(req);
    tx.respond(response(req, 180));
    tx.receiveRequest(req);
    assert.deepEqual(wire.sent.map((s) => (s.message as SipResponse).status), [100, 180, 180]);
  });

  it('retransmits a non-2xx on Timer G (doubling to T2) and fails on Timer H without ACK', () => {
    const req = request('INVITE');
    const { seen, options } = serverOptions(req);
    const tx = new ServerInviteTransaction(options);
    tx.respond(response(req, 486));
    advanceTo(32_000);
    assert.deepEqual(wire.times(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal((seen.errors[0] as TransactionTimeoutError).timer, 'H');
    assert.equal(tx.state, 'terminated');
  });

  it('goes Confirmed on ACK and ends after Timer I (T4), absorbing ACKs', () => {
    const req = request('INVITE');
    const { seen, options } = serverOptions(req);
    const tx = new ServerInviteTransaction(options);
    tx.respond(response(req, 486));
    advanceTo(700);
    const ack = request('ACK');
    tx.receiveRequest(ack);
    assert.equal(tx.state, 'confirmed');
    tx.receiveRequest(ack);
    tx.receiveRequest(req);
    assert.equal(seen.acks.length, 0, 'a non-2xx ACK stays in the transaction');
    tick(4999);
    assert.equal(tx.state, 'confirmed');
    tick(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(wire.times(), [0, 500]);
  });

  it('re-sends the final response for a retransmitted INVITE while Completed', () => {
    const req = request('INVITE');
    const { options } = serverOptions(req, true);
    const tx = new ServerInviteTransaction(options);
    tx.respond(response(req, 404));
    tx.receiveRequest(req);
    assert.deepEqual(wire.sent.map((s) => (s.message as SipResponse).status), [404, 404]);
    tick(100_000);
    assert.equal(wire.sent.length, 2, 'no Timer G on a reliable transport');
    tx.receiveRequest(request('ACK'));
    assert.equal(tx.state, 'terminated', 'Timer I = 0 on a reliable transport');
  });

  it('absorbs INVITE retransmissions in Accepted, passes ACKs up, ends on Timer L (RFC 6026)', () => {
    const req = request('INVITE');
    const { seen, options } = serverOptions(req);
    const tx = new ServerInviteTransaction(options);
    tx.respond(response(req, 200));
    tx.receiveRequest(req);
    assert.equal(wire.sent.length, 1);
    tx.receiveRequest(request('ACK'));
    assert.equal(seen.acks.length, 1);
    advanceTo(31_999);
    assert.equal(tx.state, 'accepted');
    tick(1);
    assert.equal(tx.state, 'terminated');
  });
});

describe('non-INVITE server transaction', () => {
  it('discards retransmissions while Trying, re-sends the final while Completed, ends on Timer J', () => {
    const req = request('BYE');
    const { seen, options } = serverOptions(req);
    const tx = new ServerNonInviteTransaction(options);
    tx.receiveRequest(req);
    assert.equal(wire.sent.length, 0);
    tx.respond(response(req, 200));
    tx.receiveRequest(req);
    assert.deepEqual(wire.sent.map((s) => (s.message as SipResponse).status), [200, 200]);
    tx.respond(response(req, 500));
    assert.equal(wire.sent.length, 2, 'a second final response is ignored');
    advanceTo(31_999);
    assert.equal(tx.state, 'completed');
    tick(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(seen.terminated, 1);
  });

  it('re-sends the last provisional while Proceeding', () => {
    const req = request('OPTIONS');
    const { options } = serverOptions(req);
    const tx = new ServerNonInviteTransaction(options);
    tx.respond(response(req, 100));
    tx.receiveRequest(req);
    assert.deepEqual(wire.sent.map((s) => (s.message as SipResponse).status), [100, 100]);
  });

  it('terminates at once after the final response over a reliable transport (Timer J = 0)', () => {
    const req = request('BYE');
    const { options } = serverOptions(req, true);
    const tx = new ServerNonInviteTransaction(options);
    tx.respond(response(req, 200));
    assert.equal(tx.state, 'terminated');
  });
});

// Thousands of transactions wait 64*T1 after their outcome: what they hold stays in the heap that
// long, so the wait state must let go of the request and of the TU.
describe('a waiting transaction', () => {
  // The transactions are made in functions of their own: the test keeps no reference but WeakRefs.
  function completedBye() {
    const req = request('BYE');
    const tu = { onResponse: (_r: SipResponse) => undefined, onError: (_e: Error) => undefined };
    const tx = new ClientNonInviteTransaction({ ...clientOptions(req).options, ...tu });
    tx.start();
    tx.receiveResponse(response(req, 200));
    wire.sent = [];
    return { tx, requestRef: new WeakRef(req), hookRefs: [new WeakRef(tu.onResponse), new WeakRef(tu.onError)] };
  }

  function acceptedInvite(seen: SipResponse[]) {
    const req = request('INVITE');
    const tx = new ClientInviteTransaction({ ...clientOptions(req).options, onResponse: (r: SipResponse) => seen.push(r) });
    tx.start();
    const ok = response(req, 200);
    tx.receiveResponse(ok);
    wire.sent = [];
    return { tx, ok, requestRef: new WeakRef(req) };
  }

  it('non-INVITE client, Completed: keeps neither the request nor the TU hooks', async () => {
    const { tx, requestRef, hookRefs } = completedBye();
    assert.equal(tx.state, 'completed');
    assert.equal(await collected(requestRef), true, 'the request is collected');
    for (const hook of hookRefs) assert.equal(await collected(hook), true, 'the TU hooks are collected');
  });

  it('INVITE client, Accepted: lets the INVITE go, passes 2xx until the TU ignores them', async () => {
    const seen: SipResponse[] = [];
    const { tx, ok, requestRef } = acceptedInvite(seen);
    assert.equal(await collected(requestRef), true, 'the INVITE is collected');
    tx.receiveResponse(ok);
    tx.ignoreLaterResponses();
    tx.receiveResponse(ok);
    assert.deepEqual(seen.map((r) => r.status), [200, 200]);
    assert.equal(tx.state, 'accepted');
  });

  it('non-INVITE server, Completed: still re-sends the same final response', () => {
    const req = request('BYE');
    const { options } = serverOptions(req);
    const tx = new ServerNonInviteTransaction(options);
    tx.respond(response(req, 200));
    tx.receiveRequest(req);
    const [first, again] = wire.sent.map((s) => serializeMessage(s.message).toString());
    assert.equal(again, first);
  });
});
