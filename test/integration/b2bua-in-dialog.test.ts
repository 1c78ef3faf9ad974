// In-dialog requests across the B2BUA, between two agents built on our own stack (they let the test
// read every message each leg carries): hold and resume (reference §3.7), re-INVITE and UPDATE
// answered locally (§3.6), INFO relayed (§3.8), REFER and its NOTIFYs (§3.9), SUBSCRIBE refused.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialog } from '../../src/sip/dialog/dialog.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import type { ServerRequest } from '../../src/sip/ua/server-request.js';
import { agentsPerTest, answerCalls, bridgedCall, audioPort, call, PLAIN_OFFER, startAgent, startB2bua, stopAgent, type Agent, type B2bua } from './b2bua-harness.js';

const direction = (sdp: string): string => /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(sdp)?.[1] ?? 'sendrecv';
const withDirection = (sdp: string, value: string): string => `${sdp.replace(/^a=(sendrecv|sendonly|recvonly|inactive)\r\n/m, '')}a=${value}\r\n`;
const ANSWER_TO: Record<string, string> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
const VIDEO = 'm=video 6002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n';
const mediaPorts = (sdp: string): number[] => [...sdp.matchAll(/^m=\w+ (\d+) /gm)].map((match) => Number(match[1]));

/** A plain UA's answer to an offer: every line accepted (or refused) as offered, on its own ports. */
function mirrorAnswer(offer: string): string {
  const offered = direction(offer);
  const lines = offer
    .replace(/^o=.*$/m, 'o=- 7 7 IN IP4 127.0.0.1\r')
    .replace(/^m=(\w+) ([1-9]\d*) /gm, (_all, kind: string, port: string) => `m=${kind} ${Number(port) + 2000} `)
    .replace(/^a=(sendrecv|sendonly|recvonly|inactive)\r\n/gm, '');
  return `${lines}a=${ANSWER_TO[offered]!}\r\n`;
}

/** An agent's side of an established call: answers re-INVITEs as a plain UA would and keeps them. */
class Party {
  readonly received: SipRequest[] = [];
  constructor(readonly dialog: Dialog) {
    dialog.on('request', (request: ServerRequest) => this.onRequest(request));
  }

  /** The next in-dialog request of `method` this party receives. */
  next(method: string): Promise<SipRequest> {
    const seen = this.received.find((request) => request.method === method);
    if (seen) {
      this.received.splice(this.received.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => {
      const listener = (request: ServerRequest): void => {
        if (request.method !== method) return;
        this.dialog.off('request', listener);
        this.received.splice(this.received.indexOf(request.request), 1);
        resolve(request.request);
      };
      this.dialog.on('request', listener);
    });
  }

  private onRequest(request: ServerRequest): void {
    this.received.push(request.request);
    if (request.method === 'INVITE') {
      request.respond(200, { body: mirrorAnswer(request.request.body.toString('utf8')) });
    } else {
      request.respond(request.method === 'REFER' ? 202 : 200);
    }
  }
}

describe('b2bua in-dialog requests', () => {
  let caller: Agent;
  let callee: Agent;
  let b2bua: B2bua;
  let a: Party;
  let b: Party;

  beforeEach(async () => {
    [caller, callee] = await Promise.all([startAgent(), startAgent()]);
    b2bua = await startB2bua(callee.port);
    const { legA, legB } = await bridgedCall(caller, callee, b2bua);
    a = new Party(legA);
    b = new Party(legB);
  });

  afterEach(async () => {
    await b.dialog.bye().catch(() => undefined);
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
    await Promise.all([stopAgent(caller), stopAgent(callee)]);
  });

  it('hold from leg A: answered recvonly, leg B re-INVITEd sendonly; resume brings both back to sendrecv', async () => {
    const hold = await a.dialog.reinvite({ body: withDirection(PLAIN_OFFER.replace('o=- 1 1', 'o=- 1 2'), 'sendonly') });
    assert.equal(hold.status, 200);
    assert.equal(direction(hold.body.toString('utf8')), 'recvonly');
    const heldOffer = await b.next('INVITE');
    assert.equal(direction(heldOffer.body.toString('utf8')), 'sendonly');
    const resume = await a.dialog.reinvite({ body: PLAIN_OFFER.replace('o=- 1 1', 'o=- 1 3') });
    assert.equal(direction(resume.body.toString('utf8')), 'sendrecv');
    const resumeOffer = await b.next('INVITE');
    assert.equal(direction(resumeOffer.body.toString('utf8')), 'sendrecv');
    // Same port and a higher origin version on each restatement (RFC 3264 §8).
    assert.equal(audioPort(resumeOffer.body.toString('utf8')), audioPort(heldOffer.body.toString('utf8')));
  });

  it('double hold: both inactive; the first to resume is answered sendonly until the other resumes', async () => {
    await a.dialog.reinvite({ body: withDirection(PLAIN_OFFER, 'sendonly') });
    await b.next('INVITE');
    // B, held, pauses too: a UA on hold offers inactive.
    const bHold = await b.dialog.reinvite({ body: withDirection(PLAIN_OFFER.replace('6000', '7000'), 'inactive') });
    assert.equal(direction(bHold.body.toString('utf8')), 'inactive');
    assert.equal(direction((await a.next('INVITE')).body.toString('utf8')), 'inactive');
    const aResume = await a.dialog.reinvite({ body: PLAIN_OFFER });
    assert.equal(direction(aResume.body.toString('utf8')), 'sendonly');
    assert.equal(direction((await b.next('INVITE')).body.toString('utf8')), 'sendrecv');
    const bResume = await b.dialog.reinvite({ body: PLAIN_OFFER.replace('6000', '7000') });
    assert.equal(direction(bResume.body.toString('utf8')), 'sendrecv');
    assert.equal(direction((await a.next('INVITE')).body.toString('utf8')), 'sendrecv');
  });

  it('video added by leg A is offered to leg B and answered with its answer; removed the same way', async () => {
    const added = await a.dialog.reinvite({ body: PLAIN_OFFER + VIDEO });
    assert.equal(added.status, 200);
    const legBOffer = (await b.next('INVITE')).body.toString('utf8');
    assert.match(legBOffer, /^m=video [1-9]\d* RTP\/AVP 96\r$/m);
    assert.match(legBOffer, /^a=rtpmap:96 VP8\/90000\r$/m);
    const answerPorts = mediaPorts(added.body.toString('utf8'));
    assert.equal(answerPorts.length, 2);
    assert.ok(answerPorts.every((port) => port > 0), 'both lines accepted');
    const removed = await a.dialog.reinvite({ body: PLAIN_OFFER + VIDEO.replace('6002', '0') });
    assert.equal(removed.status, 200);
    assert.equal(mediaPorts(removed.body.toString('utf8'))[1], 0);
    assert.equal(mediaPorts((await b.next('INVITE')).body.toString('utf8'))[1], 0);
    // The audio line kept its ports through both changes.
    assert.equal(mediaPorts(removed.body.toString('utf8'))[0], answerPorts[0]);
  });

  it('a session refresh (UPDATE without SDP, re-INVITE with the same SDP) stays on its leg', async () => {
    assert.equal((await a.dialog.request('UPDATE')).status, 200);
    const refresh = await a.dialog.reinvite({ body: PLAIN_OFFER });
    assert.equal(refresh.status, 200);
    // An INFO now is the first request leg B sees: nothing was forwarded before it.
    await a.dialog.request('INFO', { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
    assert.equal(b.received[0]?.method, 'INFO');
  });

  it('relays INFO (DTMF) both ways with its body and content type', async () => {
    const response = await a.dialog.request('INFO', { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
    assert.equal(response.status, 200);
    const info = await b.next('INFO');
    assert.equal(info.body.toString('utf8'), 'Signal=5\r\nDuration=160\r\n');
    assert.equal(info.contentType, 'application/dtmf-relay');
    await b.dialog.request('INFO', { body: 'Signal=#\r\n', contentType: 'application/dtmf-relay' });
    assert.equal((await a.next('INFO')).body.toString('utf8'), 'Signal=#\r\n');
  });

  it('relays a blind REFER to leg B and mirrors its NOTIFYs to leg A', async () => {
    const refer = a.dialog.request('REFER', { headers: { 'Refer-To': '<sip:carol@127.0.0.1>', 'Referred-By': '<sip:alice@127.0.0.1>' } });
    const relayed = await b.next('REFER');
    assert.equal(relayed.headers.get('Refer-To'), '<sip:carol@127.0.0.1>');
    assert.equal(relayed.headers.get('Referred-By'), '<sip:alice@127.0.0.1>');
    assert.equal((await refer).status, 202);
    for (const [state, fragment, expected] of [
      ['active', 'SIP/2.0 180 Ringing', 'SIP/2.0 100 Trying'],
      ['terminated;reason=noresource', 'SIP/2.0 486 Busy Here', 'SIP/2.0 486 Busy Here'],
    ] as const) {
      const sent = b.dialog.request('NOTIFY', { headers: { Event: 'refer', 'Subscription-State': state }, contentType: 'message/sipfrag', body: `${fragment}\r\n` });
      const mirrored = await a.next('NOTIFY');
      assert.equal(mirrored.body.toString('utf8').trim(), expected);
      assert.equal(mirrored.headers.get('Subscription-State'), state);
      assert.equal((await sent).status, 200);
    }
  });

  it('refuses a REFER whose Refer-To or Referred-By does not parse with 400, relaying nothing', async () => {
    const badReferrer = await a.dialog.request('REFER', { headers: { 'Refer-To': '<sip:carol@127.0.0.1>', 'Referred-By': '<sip:alice@' } });
    assert.equal(badReferrer.status, 400);
    assert.equal((await a.dialog.request('REFER')).status, 400);
    // The next request leg B sees is this INFO: neither REFER reached it.
    await a.dialog.request('INFO', { body: 'Signal=1\r\n', contentType: 'application/dtmf-relay' });
    assert.deepEqual(b.received.map((request) => request.method), ['INFO']);
  });

  it('refuses SUBSCRIBE (trenscrypter) and one without Expires', async () => {
    const refused = await caller.ua.request('SUBSCRIBE', `sip:bob@127.0.0.1:${b2bua.port}`, { headers: { Event: 'message-summary', Expires: '3600' } });
    assert.equal(refused.status, 488);
    const noExpires = await caller.ua.request('SUBSCRIBE', `sip:bob@127.0.0.1:${b2bua.port}`, { headers: { Event: 'presence' } });
    assert.equal(noExpires.status, 488);
    assert.match(noExpires.reason, /Expires/);
  });
});

describe('b2bua session timers (RFC 4028)', () => {
  let caller: Agent;
  let callee: Agent;
  agentsPerTest((...agents) => ([caller, callee] = agents));

  /** Calls with `headers` on leg A's INVITE; resolves with leg A's final response and the INVITE leg B got. */
  function callWith(b2bua: B2bua, headers: Record<string, string>): Promise<{ response: SipResponse; dialog?: Dialog }> {
    const session = caller.ua.invite(`sip:bob@127.0.0.1:${b2bua.port}`, { from: '<sip:alice@127.0.0.1>', body: PLAIN_OFFER, headers });
    return new Promise((resolve, reject) => {
      session.on('accepted', (response, dialog) => resolve({ response, dialog }));
      session.on('rejected', (response) => resolve({ response }));
      session.on('failed', reject);
    });
  }

  it("honours leg A's Session-Expires in the 200, offers `timer` on leg B, refuses an interval under Min-SE with 422", async () => {
    const b2bua = await startB2bua(callee.port);
    const legB = answerCalls(callee).next();
    const { response, dialog } = await callWith(b2bua, { Supported: 'timer', 'Session-Expires': '1800;refresher=uac' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('Session-Expires'), '1800;refresher=uac');
    assert.equal(response.headers.get('Require'), 'timer');
    const invite = callee.invites[0]!;
    assert.match(invite.headers.get('Supported') ?? '', /\btimer\b/);
    assert.equal(invite.headers.get('Session-Expires'), undefined);
    // A refresh from the caller is answered on its leg with the terms restated.
    const refresh = await dialog!.request('UPDATE', { headers: { 'Session-Expires': '1800;refresher=uac', Supported: 'timer' } });
    assert.equal(refresh.headers.get('Session-Expires'), '1800;refresher=uac');
    await (await legB).bye();
    const tooSmall = await callWith(b2bua, { Supported: 'timer', 'Session-Expires': '30' });
    assert.equal(tooSmall.response.status, 422);
    assert.equal(tooSmall.response.headers.get('Min-SE'), '90');
    assert.equal(callee.invites.length, 1, 'no leg B for the refused call');
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });
});

describe('b2bua call set-up beyond the basic offer/answer', () => {
  let caller: Agent;
  let callee: Agent;
  agentsPerTest((...agents) => ([caller, callee] = agents));

  it('501 when leg B cannot be sent: outbound-proxy over TCP, the B2BUA listening on UDP only', async () => {
    const b2bua = await startB2bua(callee.port, '', undefined, 'tcp');
    const { response } = await call(caller, b2bua.port);
    assert.equal(response.status, 501);
    assert.equal(response.reason, 'No Transport To Callee');
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  it("late offer (INVITE without SDP): leg B offers in its 200; leg A gets our plain RTP offer in its 200 and its ACK's answer reaches leg B's ACK", async () => {
    const b2bua = await startB2bua(callee.port);
    const legBAck = new Promise<SipRequest>((resolve) => {
      callee.ua.on('invite', (session) => {
        callee.invites.push(session.request);
        session.once('ack', resolve);
        void session.accept({ body: PLAIN_OFFER.replace('6000', '7000') + VIDEO }).then((legB) => legB.on('request', (request) => request.respond(200)));
      });
    });
    let legAOffer = '';
    const session = caller.ua.invite(`sip:bob@127.0.0.1:${b2bua.port}`, {
      from: '<sip:alice@127.0.0.1>',
      ackContent: (response) => {
        legAOffer = response.body.toString('utf8');
        return { body: mirrorAnswer(legAOffer) };
      },
    });
    const [, dialog] = (await new Promise((resolve, reject) => {
      session.on('accepted', (...args) => resolve(args));
      session.on('failed', reject);
    })) as [SipResponse, Dialog];
    assert.equal(callee.invites[0]!.body.length, 0, 'leg B is called without an offer');
    assert.match(legAOffer, /^m=audio [1-9]\d* RTP\/AVP 0 8\r$/m);
    assert.match(legAOffer, /^m=video [1-9]\d* RTP\/AVP 96\r$/m);
    const answerB = (await legBAck).body.toString('utf8');
    assert.deepEqual(mediaPorts(answerB).length, 2);
    assert.ok(mediaPorts(answerB).every((port) => port > 0), "leg B's offer is answered on both lines");
    assert.equal((await dialog.request('INFO', { body: 'Signal=1\r\n', contentType: 'application/dtmf-relay' })).status, 200, 'the legs are bridged');
    await dialog.bye();
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });
});
