// The B2BUA core in the daemon (in process, real core, real media engine) between real peers:
// sipp as caller and callee for basic calls, declines and CANCEL; our own UserAgent where the test
// must read what leg B carries (headers, SDP offer) or must refuse SDP; reload and drain.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { ServerInviteSession } from '../../src/sip/ua/server-invite-session.js';
import type { DialogEnd } from '../../src/sip/dialog/dialog.js';
import type { SipResponse } from '../../src/sip/message.js';
import { killAllPeers } from '../helpers/processes.js';
import { startSipp } from '../helpers/sipp.js';
import { parseRtp, randomMasterKeySalt, SrtpContext } from '../helpers/srtp-oracle.js';
import { Endpoint, UdpPeer } from '../media/harness.js';
import { agentsPerTest, answerCalls, bridgedCall, answerTo, audioPort, call, fixture, PLAIN_OFFER, startB2bua, type Agent } from './b2bua-harness.js';

describe('b2bua core between sipp peers', () => {
  after(killAllPeers);

  it('bridges a call end to end: INVITE, 180, 200, ACK, BYE relayed, the call released', async () => {
    const callee = await startSipp({ scenario: 'uas', calls: 1 });
    await callee.listening();
    const b2bua = await startB2bua(callee.port);
    const caller = await startSipp({ scenario: 'uac', calls: 1, remote: `127.0.0.1:${b2bua.port}` });
    const [uac, uas] = await Promise.all([caller.result, callee.result]);
    assert.equal(uac.exitCode, 0, uac.output + uac.errors);
    assert.equal(uac.successful, 1);
    assert.equal(uas.exitCode, 0, uas.output + uas.errors);
    await b2bua.core().whenIdle();
    assert.equal(b2bua.core().activeCalls, 0);
    await b2bua.daemon.drain();
  });

  // Each sipp scenario checks its own side of the flow; the B2BUA must leave no call behind.
  const sippFlows = [
    { title: 'forwards the callee refusal: sipp uas answers 486, the sipp caller gets 486', callee: 'b2bua-uas-decline.xml', caller: 'b2bua-uac-declined.xml' },
    { title: 'relays a CANCEL before answer to leg B; both sides see 487', callee: 'uas-ring-only.xml', caller: 'uac-cancel.xml' },
  ];
  for (const flow of sippFlows) {
    it(flow.title, async () => {
      const callee = await startSipp({ scenario: fixture(flow.callee), calls: 1 });
      await callee.listening();
      const b2bua = await startB2bua(callee.port);
      const caller = await startSipp({ scenario: fixture(flow.caller), calls: 1, remote: `127.0.0.1:${b2bua.port}` });
      const [uac, uas] = await Promise.all([caller.result, callee.result]);
      assert.equal(uac.exitCode, 0, uac.output + uac.errors);
      assert.equal(uas.exitCode, 0, uas.output + uas.errors);
      await b2bua.core().whenIdle();
      await b2bua.daemon.drain();
    });
  }
});

describe('b2bua core with our own user agents', () => {
  let caller: Agent;
  let callee: Agent;
  agentsPerTest((...agents) => ([caller, callee] = agents));

  it('answers OPTIONS with 200', async () => {
    const b2bua = await startB2bua(callee.port);
    const response = await caller.ua.request('OPTIONS', `sip:127.0.0.1:${b2bua.port}`);
    assert.equal(response.status, 200);
    await b2bua.daemon.drain();
  });

  it("leg B is a new dialog to the To URI through outbound-proxy, marked, with the callee's refusal phrase relayed", async () => {
    const b2bua = await startB2bua(callee.port);
    callee.ua.on('invite', (session: ServerInviteSession) => {
      callee.invites.push(session.request);
      session.reject(603, { reason: 'Not Today' });
    });
    const { response } = await call(caller, b2bua.port, PLAIN_OFFER, 'bob');
    assert.equal(response.status, 603);
    assert.equal(response.reason, 'Not Today');
    const [legB] = callee.invites;
    assert.ok(legB);
    assert.notEqual(legB.callId, response.callId);
    assert.equal(legB.uri.user, 'bob');
    assert.equal(legB.uri.port, b2bua.port);
    assert.equal(legB.headers.get('X-Flexisip-B2BUA'), 'ignore');
    assert.equal(legB.headers.get('User-Agent'), 'B2buaTest/1.0');
    assert.match(legB.headers.get('Route') ?? '', new RegExp(`^<sip:127\\.0\\.0\\.1:${callee.port};transport=udp;lr>$`));
    assert.equal(legB.from.displayName, 'Alice');
    assert.notEqual(legB.from.params.get('tag'), response.from.params.get('tag'));
    assert.match(legB.body.toString('utf8'), /^m=audio \d+ RTP\/AVP 0 8\r$/m);
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  it('BYE from the callee reaches the caller', async () => {
    const b2bua = await startB2bua(callee.port);
    const { legA: dialog, legB: legBDialog } = await bridgedCall(caller, callee, b2bua);
    const ended = once(dialog, 'terminated') as Promise<[DialogEnd]>;
    assert.equal((await legBDialog.bye()).status, 200);
    const [end] = await ended;
    assert.equal(end.reason, 'bye-received');
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  for (const [what, offer, status] of [
    ['an SDP that does not parse', 'v=0\r\nthis is not sdp\r\n', 400],
    ['SDES with no suite we know', PLAIN_OFFER.replace('RTP/AVP 0 8', 'RTP/SAVP 0 8') + 'a=crypto:1 NO_SUCH_SUITE inline:AAAA\r\n', 488],
  ] as const) {
    it(`refuses ${what} with ${status} and a reason, without calling leg B`, async () => {
      const b2bua = await startB2bua(callee.port);
      answerCalls(callee);
      const { response } = await call(caller, b2bua.port, offer);
      assert.equal(response.status, status);
      assert.notEqual(response.reason, '');
      assert.equal(callee.invites.length, 0);
      assert.equal(b2bua.core().activeCalls, 0);
      await b2bua.daemon.drain();
    });
  }

  it('after a reload that changes outgoing-enc-regex, the next leg B offer uses the new mode', async () => {
    let lists = '';
    const b2bua = await startB2bua(callee.port, '', () => lists);
    answerCalls(callee);
    const first = await call(caller, b2bua.port, PLAIN_OFFER, 'bob');
    assert.equal(first.response.status, 200);
    assert.match(callee.invites[0]!.body.toString('utf8'), /^m=audio \d+ RTP\/AVP /m);
    assert.doesNotMatch(callee.invites[0]!.body.toString('utf8'), /^a=crypto:/m);

    lists = '[b2bua-server::trenscrypter]\noutgoing-enc-regex=sdes sip:bob@.*\noutgoing-srtp-regex=AES_256_CM_HMAC_SHA1_80 .*\n';
    await b2bua.daemon.reload();
    const second = await call(caller, b2bua.port, PLAIN_OFFER, 'bob');
    assert.equal(second.response.status, 200, second.response.reason);
    const offer = callee.invites[1]!.body.toString('utf8');
    assert.match(offer, /^m=audio \d+ RTP\/SAVP /m);
    assert.deepEqual([...offer.matchAll(/^a=crypto:\d+ (\S+) /gm)].map((match) => match[1]), ['AES_256_CM_HMAC_SHA1_80']);
    // Leg A stays in its own mode: plain RTP.
    assert.match(second.response.body.toString('utf8'), /^m=audio \d+ RTP\/AVP 0\r$/m);
    await Promise.all([first.dialog!.bye(), second.dialog!.bye()]);
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  it('an established call survives a drain while a new INVITE gets 503', async () => {
    const b2bua = await startB2bua(callee.port);
    const { legA: dialog, legB: legBDialog } = await bridgedCall(caller, callee, b2bua);
    const drained = b2bua.daemon.drain();
    const refused = await call(caller, b2bua.port);
    assert.equal(refused.response.status, 503);
    assert.equal(refused.response.headers.get('Retry-After'), '60');
    assert.equal(b2bua.core().activeCalls, 1);
    assert.equal(callee.invites.length, 1);
    const legBEnded = once(legBDialog, 'terminated') as Promise<[DialogEnd]>;
    assert.equal((await dialog.bye()).status, 200);
    const [end] = await legBEnded;
    assert.equal(end.reason, 'bye-received');
    await drained;
    await b2bua.daemon.stopped;
  });

  it('relays early media: the callee 183 with SDP reaches the caller as 183 with our answer', async () => {
    const b2bua = await startB2bua(callee.port);
    answerCalls(callee, true);
    const provisional: SipResponse[] = [];
    const { dialog } = await call(caller, b2bua.port, PLAIN_OFFER, 'bob', provisional);
    assert.ok(dialog);
    const early = provisional.find((response) => response.status === 183);
    assert.ok(early, 'a 183 reached the caller');
    assert.match(early.body.toString('utf8'), /^m=audio \d+ RTP\/AVP 0\r$/m);
    await dialog.bye();
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  it('max-calls reached: the next INVITE gets 503 with Retry-After, leg B is not called', async () => {
    const b2bua = await startB2bua(callee.port, '[b2bua-server]\nmax-calls=1\n');
    answerCalls(callee);
    const { dialog } = await call(caller, b2bua.port);
    assert.ok(dialog);
    const refused = await call(caller, b2bua.port);
    assert.equal(refused.response.status, 503);
    assert.equal(refused.response.headers.get('Retry-After'), '5');
    assert.equal(callee.invites.length, 1);
    await dialog.bye();
    await b2bua.core().whenIdle();
    await b2bua.daemon.drain();
  });

  for (const [key, reason] of [
    ['no-rtp-timeout', /No RTP received/],
    ['max-call-duration', /Maximum call duration reached/],
  ] as const) {
    it(`${key} ends both legs with BYE carrying a Reason header`, async () => {
      const b2bua = await startB2bua(callee.port, `[b2bua-server]\n${key}=1\n`);
      const { legA: dialog, legB: legBDialog } = await bridgedCall(caller, callee, b2bua);
      const [[endA], [endB]] = (await Promise.all([once(dialog, 'terminated'), once(legBDialog, 'terminated')])) as [[DialogEnd], [DialogEnd]];
      for (const end of [endA, endB]) {
        assert.equal(end.reason, 'bye-received');
        assert.match(end.message?.headers.get('Reason') ?? '', reason);
      }
      await b2bua.core().whenIdle();
      await b2bua.daemon.drain();
    });
  }

  it('carries audio both ways between a plain RTP caller and an SDES callee', async () => {
    const lists = '[b2bua-server::trenscrypter]\noutgoing-enc-regex=sdes .*\noutgoing-srtp-regex=AES_CM_128_HMAC_SHA1_80 .*\n';
    const b2bua = await startB2bua(callee.port, lists);
    const [callerMedia, calleeMedia] = await Promise.all([UdpPeer.open(), UdpPeer.open()]);
    try {
      const calleeKey = randomMasterKeySalt('AES_CM_128_HMAC_SHA1_80');
      let legBOffer = '';
      callee.ua.on('invite', (session: ServerInviteSession) => {
        legBOffer = session.request.body.toString('utf8');
        void session.accept({ body: answerTo(legBOffer, calleeMedia.port, calleeKey) });
      });
      const offer = PLAIN_OFFER.replace('m=audio 6000 RTP/AVP 0 8', `m=audio ${callerMedia.port} RTP/AVP 0`);
      const { dialog, response } = await call(caller, b2bua.port, offer);
      assert.ok(dialog);
      const legAPort = audioPort(response.body.toString('utf8'));
      const legBPort = audioPort(legBOffer);
      const ourKey = Buffer.from(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:([^\s|]+)/m.exec(legBOffer)![1]!, 'base64');
      const fromCaller = new Endpoint(callerMedia, legAPort, legAPort + 1, undefined, undefined);
      const toCallee = new Endpoint(
        calleeMedia,
        legBPort,
        legBPort + 1,
        new SrtpContext('AES_CM_128_HMAC_SHA1_80', calleeKey),
        new SrtpContext('AES_CM_128_HMAC_SHA1_80', ourKey),
      );
      for (const [from, to] of [
        [fromCaller, toCallee],
        [toCallee, fromCaller],
      ] as const) {
        for (let i = 0; i < 3; i++) {
          const sent = await from.sendRtp();
          assert.deepEqual(parseRtp(await to.receiveRtp()).payload, parseRtp(sent).payload);
        }
      }
      await dialog.bye();
      await b2bua.core().whenIdle();
      await b2bua.daemon.drain();
    } finally {
      callerMedia.close();
      calleeMedia.close();
    }
  });
});
