// The user-agent API, two UserAgents on real sockets: a full call with in-dialog requests both
// ways, rejections, default answers, failures (Timer B, transport error) and close().
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TransportLayer } from '../../../src/sip/transport/transport-layer.js';
import { UserAgent, ALLOWED_METHODS } from '../../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../../src/sip/ua/server-invite-session.js';
import type { ClientInviteSession } from '../../../src/sip/ua/client-invite-session.js';
import type { ServerRequest } from '../../../src/sip/ua/server-request.js';
import type { Dialog, DialogEnd } from '../../../src/sip/dialog/dialog.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { TransactionTimeoutError, TransportError } from '../../../src/sip/errors.js';
import { SessionStateError, UserAgentClosedError } from '../../../src/sip/ua/errors.js';
import { resolveUri, UnresolvableUriError } from '../../../src/sip/resolve.js';
import { parseUri } from '../../../src/sip/uri.js';
import { freePort } from '../../helpers/ports.js';
import { collected } from '../../helpers/gc.js';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = OFFER.replace('4000', '5000');

interface Side {
  transports: TransportLayer;
  ua: UserAgent;
  uri: (protocol?: 'udp' | 'tcp') => string;
}

async function side(name: string, timers?: { t1: number; t2: number }): Promise<Side> {
  const transports = new TransportLayer();
  const port = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
  await transports.listen({ protocol: 'tcp', address: '127.0.0.1', port });
  const ua = new UserAgent({ transports, contactUser: name, userAgentHeader: `${name}-agent`, ...(timers ? { timers } : {}) });
  return { transports, ua, uri: (protocol = 'udp') => `sip:${name}@127.0.0.1:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}` };
}

function nextInvite(ua: UserAgent): Promise<ServerInviteSession> {
  return new Promise((resolve) => ua.once('invite', resolve));
}

function nextRequest(dialog: Dialog): Promise<ServerRequest> {
  return new Promise((resolve) => dialog.once('request', resolve));
}

function accepted(call: ClientInviteSession): Promise<[SipResponse, Dialog]> {
  return once(call, 'accepted') as Promise<[SipResponse, Dialog]>;
}

describe('UserAgent', () => {
  let alice: Side;
  let bob: Side;
  beforeEach(async () => {
    alice = await side('alice');
    bob = await side('bob');
  });
  afterEach(async () => {
    for (const s of [alice, bob]) {
      await s.ua.close();
      await s.transports.close();
    }
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`runs a call with early dialog, answer, in-dialog requests and BYE over ${protocol.toUpperCase()}`, async () => {
      const call = alice.ua.invite(bob.uri(protocol), { from: '"Alice" <sip:alice@example.com>', body: OFFER });
      const incoming = await nextInvite(bob.ua);
      assert.equal(incoming.request.body.toString(), OFFER);
      assert.equal(incoming.request.headers.get('User-Agent'), 'alice-agent');

      const ringing = once(call, 'provisional') as Promise<[SipResponse, Dialog | undefined]>;
      const bobEarly = incoming.progress(180);
      const [response, aliceEarly] = await ringing;
      assert.equal(response.status, 180);
      assert.equal(aliceEarly?.state, 'early');
      assert.equal(bobEarly?.state, 'early');

      const answered = accepted(call);
      const bobDialog = await incoming.accept({ body: ANSWER });
      const [ok, aliceDialog] = await answered;
      assert.equal(ok.body.toString(), ANSWER);
      assert.equal(aliceDialog, aliceEarly, 'the early dialog is confirmed in place');
      assert.equal(bobDialog, bobEarly);
      for (const d of [aliceDialog, bobDialog]) assert.equal(d.state, 'confirmed');
      assert.equal(aliceDialog.callId, bobDialog.callId);
      assert.equal(aliceDialog.localTag, bobDialog.remoteTag);
      assert.equal(aliceDialog.remoteTag, bobDialog.localTag);
      assert.equal(aliceDialog.remoteTarget.user, 'bob');
      assert.equal(bobDialog.remoteTarget.user, 'alice');
      assert.equal(incoming.state, 'confirmed');

      // INFO from the caller, answered by the callee.
      const info = nextRequest(bobDialog);
      const infoAnswer = aliceDialog.request('INFO', { body: 'Signal=5', contentType: 'application/dtmf-relay' });
      const infoRequest = await info;
      assert.equal(infoRequest.request.body.toString(), 'Signal=5');
      infoRequest.respond(200);
      assert.equal((await infoAnswer).status, 200);

      // re-INVITE from the callee: the caller answers, the ACK comes back automatically.
      const reinvite = nextRequest(aliceDialog);
      const reinviteAnswer = bobDialog.reinvite({ body: OFFER });
      const reinviteRequest = await reinvite;
      assert.equal(reinviteRequest.method, 'INVITE');
      const acked = once(aliceDialog, 'ack');
      reinviteRequest.respond(200, { body: ANSWER });
      assert.equal((await reinviteAnswer).status, 200);
      await acked;

      // UPDATE (RFC 3311) from the caller, refused by the callee.
      const update = nextRequest(bobDialog);
      const updateAnswer = aliceDialog.request('UPDATE', { body: OFFER });
      (await update).respond(488);
      assert.equal((await updateAnswer).status, 488);
      assert.equal(aliceDialog.state, 'confirmed', 'a 488 does not end the dialog');

      // BYE from the callee ends both sides.
      const ended = once(aliceDialog, 'terminated') as Promise<[DialogEnd]>;
      const bye = await bobDialog.bye();
      assert.equal(bye.status, 200);
      assert.equal((await ended)[0].reason, 'bye-received');
      assert.equal(bobDialog.state, 'terminated');
      assert.equal(alice.ua.dialogCount + bob.ua.dialogCount, 0);
      await assert.rejects(bobDialog.request('INFO'));
    });
  }

  it("drops a session's listeners after its outcome and a dialog's after it ended (lingering transactions hold them for 64*T1)", async () => {
    const call = alice.ua.invite(bob.uri(), { body: OFFER });
    call.on('provisional', () => undefined);
    call.on('failed', () => undefined);
    const incoming = await nextInvite(bob.ua);
    const answered = accepted(call);
    const bobDialog = await incoming.accept({ body: ANSWER });
    const [, aliceDialog] = await answered;
    assert.deepEqual(call.eventNames(), [], 'no event follows accepted');
    aliceDialog.on('request', () => undefined);
    const ended = once(aliceDialog, 'terminated');
    await bobDialog.bye();
    await ended;
    assert.deepEqual(aliceDialog.eventNames(), []);
    assert.deepEqual(bobDialog.eventNames(), []);

    const refused = alice.ua.invite(bob.uri(), { body: OFFER });
    refused.on('accepted', () => undefined);
    const rejected = once(refused, 'rejected');
    (await nextInvite(bob.ua)).reject(486);
    await rejected;
    assert.deepEqual(refused.eventNames(), []);
  });

  it('an established call keeps neither the 2xx nor the ACK that set it up', async () => {
    const call = alice.ua.invite(bob.uri(), { body: OFFER });
    const incoming = await nextInvite(bob.ua);
    const refs: WeakRef<object>[] = [];
    call.once('accepted', (ok) => refs.push(new WeakRef(ok)));
    incoming.once('ack', (ack) => refs.push(new WeakRef(ack)));
    // Not once(): its promise would hold the 2xx.
    const answered = new Promise<void>((resolve) => call.once('accepted', () => resolve()));
    const bobDialog = await incoming.accept({ body: ANSWER });
    await answered;
    assert.equal(refs.length, 2);
    assert.equal(await collected(refs[0]!), true, 'the 2xx is collected');
    assert.equal(await collected(refs[1]!), true, 'the ACK is collected');
    assert.equal(bobDialog.state, 'confirmed');
    assert.equal(call.dialog?.state, 'confirmed', 'the call is still up');
  });

  it('reports a rejection to the caller and refuses to accept afterwards', async () => {
    const call = alice.ua.invite(bob.uri(), { body: OFFER });
    const incoming = await nextInvite(bob.ua);
    const rejected = once(call, 'rejected') as Promise<[SipResponse]>;
    incoming.reject(486);
    const [response] = await rejected;
    assert.equal(response.status, 486);
    assert.equal(response.headers.get('Server'), 'bob-agent');
    assert.equal(call.state, 'rejected');
    await assert.rejects(incoming.accept(), SessionStateError);
  });

  it('rejects INVITEs with 480 when nobody listens, and answers OPTIONS, MESSAGE and unknown methods', async () => {
    bob.ua.removeAllListeners('invite');
    const call = alice.ua.invite(bob.uri());
    const [rejected] = (await once(call, 'rejected')) as [SipResponse];
    assert.equal(rejected.status, 480);
    const options = await alice.ua.request('OPTIONS', bob.uri());
    assert.equal(options.status, 200);
    assert.equal(options.headers.get('Allow'), ALLOWED_METHODS);
    assert.equal((await alice.ua.request('MESSAGE', bob.uri(), { body: 'hi', contentType: 'text/plain' })).status, 405);
    assert.equal((await alice.ua.request('FOO', bob.uri())).status, 501);
    assert.equal((await alice.ua.request('INFO', bob.uri())).status, 481);
  });

  it('refuses a request requiring an extension it lacks with 420 and Unsupported; timer is supported', async () => {
    const call = alice.ua.invite(bob.uri(), { body: OFFER, headers: { Require: 'timer, 100rel' } });
    const [rejected] = (await once(call, 'rejected')) as [SipResponse];
    assert.equal(rejected.status, 420);
    assert.equal(rejected.headers.get('Unsupported'), '100rel');
    bob.ua.on('request', (request) => request.respond(200));
    assert.equal((await alice.ua.request('MESSAGE', bob.uri(), { headers: { Require: 'Timer' } })).status, 200);
  });

  it('hands out-of-dialog requests to a listener', async () => {
    bob.ua.on('request', (request) => request.respond(202, { headers: { 'X-Seen': request.method } }));
    const response = await alice.ua.request('MESSAGE', bob.uri(), { body: 'hi', contentType: 'text/plain' });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('X-Seen'), 'MESSAGE');
  });

  it('fails a call on Timer B when nothing answers', async () => {
    await alice.ua.close();
    alice.ua = new UserAgent({ transports: alice.transports, timers: { t1: 2, t2: 8 } });
    const silent = await freePort();
    const call = alice.ua.invite(`sip:nobody@127.0.0.1:${silent}`);
    const [error] = (await once(call, 'failed')) as [Error];
    assert.ok(error instanceof TransactionTimeoutError);
    assert.equal(error.timer, 'B');
    assert.equal(call.state, 'failed');
  });

  it('fails a call with a TransportError when the connection is refused', async () => {
    const closed = await freePort();
    const call = alice.ua.invite(`sip:nobody@127.0.0.1:${closed};transport=tcp`);
    const [error] = (await once(call, 'failed')) as [Error];
    assert.ok(error instanceof TransportError, String(error));
  });

  it('cancels an unanswered call; close() fails calls in progress, is idempotent and refuses new calls', async () => {
    const call = alice.ua.invite(bob.uri(), { body: OFFER });
    const incoming = await nextInvite(bob.ua);
    const cancelled = once(incoming, 'cancel');
    incoming.progress(183, { body: ANSWER });
    await once(call, 'provisional');
    const rejected = once(call, 'rejected') as Promise<[SipResponse]>;
    call.cancel();
    await cancelled;
    assert.equal((await rejected)[0].status, 487);
    const pending = alice.ua.invite(bob.uri(), { body: OFFER });
    await nextInvite(bob.ua);
    const failed = once(pending, 'failed') as Promise<[Error]>;
    await alice.ua.close();
    await alice.ua.close();
    assert.ok((await failed)[0] instanceof UserAgentClosedError, 'a call in progress fails on close');
    assert.throws(() => alice.ua.invite(bob.uri()), UserAgentClosedError);
    assert.deepEqual(alice.ua.transactions.size, { clients: 0, servers: 0 });
  });
});

describe('resolveUri (URI → next-hop endpoint)', () => {
  it('takes numeric hosts, localhost, maddr, transport= and sips:, with default ports', async () => {
    assert.deepEqual(await resolveUri(parseUri('sip:bob@127.0.0.1')), { protocol: 'udp', address: '127.0.0.1', port: 5060 });
    assert.deepEqual(await resolveUri(parseUri('sip:bob@[::1]:5070;transport=TCP')), { protocol: 'tcp', address: '::1', port: 5070 });
    assert.deepEqual(await resolveUri(parseUri('sips:bob@127.0.0.1')), { protocol: 'tls', address: '127.0.0.1', port: 5061 });
    assert.deepEqual(await resolveUri(parseUri('sip:localhost:5080')), { protocol: 'udp', address: '127.0.0.1', port: 5080 });
    assert.deepEqual(await resolveUri(parseUri('sip:example.invalid;maddr=127.0.0.2')), { protocol: 'udp', address: '127.0.0.2', port: 5060 });
  });

  it('refuses what it cannot reach', async () => {
    await assert.rejects(resolveUri(parseUri('tel:+33123456789')), UnresolvableUriError);
    await assert.rejects(resolveUri(parseUri('sip:bob@127.0.0.1;transport=sctp')), UnresolvableUriError);
    await assert.rejects(resolveUri(parseUri('sip:bob@no-such-host.invalid')), UnresolvableUriError);
  });
});
