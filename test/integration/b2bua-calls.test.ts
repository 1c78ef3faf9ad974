// The B2BUA core in the daemon (in process, real core, real media engine) between real peers:
// sipp as caller and callee for basic calls, declines and CANCEL; our own UserAgent where the test
// must read what leg B carries (headers, SDP offer) or must refuse SDP; reload and drain.
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Daemon } from '../../src/cli/daemon.js';
import type { B2buaCore } from '../../src/cli/b2bua-core.js';
import { createB2buaCore } from '../../src/b2bua/factory.js';
import { loadConfigText } from '../../src/config/load.js';
import { createLogger } from '../../src/log/factory.js';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../src/sip/ua/server-invite-session.js';
import type { Dialog, DialogEnd } from '../../src/sip/dialog/dialog.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { freePort } from '../helpers/ports.js';
import { killAllPeers } from '../helpers/processes.js';
import { startSipp } from '../helpers/sipp.js';
import { parseRtp, randomMasterKeySalt, SrtpContext } from '../helpers/srtp-oracle.js';
import { Endpoint, UdpPeer } from '../media/harness.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sipp/${name}`, import.meta.url));

const PLAIN_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n';

interface B2bua {
  daemon: Daemon;
  core: () => B2buaCore;
  port: number;
}

/** The daemon with the default core, leg B routed to `proxyPort` (the callee stands in for the proxy). */
async function startB2bua(proxyPort: number, extra = '', reloadExtra?: () => string): Promise<B2bua> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'b2bua-calls-'));
  const base =
    `[b2bua-server]\ntransport=sip:127.0.0.1:${port};transport=udp\ndata-directory=${dataDir}\n` +
    `outbound-proxy=sip:127.0.0.1:${proxyPort};transport=udp\nuser-agent=B2buaTest/1.0\n` +
    `[b2bua-daemon]\nmedia-threads=1\ndrain-timeout=60\n${extra}`;
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  let core: B2buaCore | undefined;
  const daemon = await Daemon.start({
    config: loadConfigText(base, 'calls.conf', [], dataDir),
    loadConfig: () => loadConfigText(base + (reloadExtra?.() ?? ''), 'calls.conf', [], dataDir),
    logger: createLogger({ level: 'error', format: 'json', out: sink }),
    version: '0.0.0-test',
    coreFactory: (deps) => (core = createB2buaCore(deps)),
  });
  return { daemon, port, core: () => core! };
}

interface Agent {
  transports: TransportLayer;
  ua: UserAgent;
  port: number;
  /** Leg B INVITEs this agent received, as callee. */
  invites: SipRequest[];
}

async function startAgent(): Promise<Agent> {
  const transports = new TransportLayer();
  const port = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
  return { transports, ua: new UserAgent({ transports, contactUser: 'agent' }), port, invites: [] };
}

async function stopAgent(agent: Agent): Promise<void> {
  await agent.ua.close();
  await agent.transports.close();
}

/**
 * The callee's answer to leg B's offer, receiving on `port`: RTP/AVP, or RTP/SAVP with `keySalt`
 * (random by default) for the first a=crypto.
 */
function answerTo(offer: string, port = 7000, keySalt?: Buffer): string {
  const crypto = /^a=crypto:(\d+) (\S+) /m.exec(offer);
  const profile = crypto ? 'RTP/SAVP' : 'RTP/AVP';
  // Key || salt: 16 + 14 bytes, or 32 + 14 for the AES-256 suites.
  const key = keySalt ?? randomBytes(crypto?.[2]?.includes('256') ? 46 : 30);
  const cryptoLine = crypto ? `a=crypto:${crypto[1]} ${crypto[2]} inline:${key.toString('base64')}\r\n` : '';
  return `v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} ${profile} 0\r\na=rtpmap:0 PCMU/8000\r\n${cryptoLine}`;
}

/** The port of the first m=audio line. */
function audioPort(sdp: string): number {
  return Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
}

/**
 * As callee: answers every INVITE with 200 and an answer to its offer (after a 183 with the same
 * answer when `earlyMedia`); `next()` resolves with the next confirmed dialog.
 */
function answerCalls(agent: Agent, earlyMedia = false): { next: () => Promise<Dialog> } {
  const waiting: ((dialog: Dialog) => void)[] = [];
  agent.ua.on('invite', (session: ServerInviteSession) => {
    agent.invites.push(session.request);
    const answer = answerTo(session.request.body.toString('utf8'));
    if (earlyMedia) session.progress(183, { body: answer });
    void session.accept({ body: answer }).then((dialog) => waiting.shift()?.(dialog));
  });
  return { next: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** As caller: resolves with the dialog of an answered call, or the final response of a refused one. */
function call(agent: Agent, port: number, body: string = PLAIN_OFFER, to = 'bob', provisional: SipResponse[] = []): Promise<{ dialog?: Dialog; response: SipResponse }> {
  const session = agent.ua.invite(`sip:${to}@127.0.0.1:${port}`, { from: '"Alice" <sip:alice@127.0.0.1>', body });
  session.on('provisional', (response) => provisional.push(response));
  return new Promise((resolve, reject) => {
    session.on('accepted', (response, dialog) => resolve({ dialog, response }));
    session.on('rejected', (response) => resolve({ response }));
    session.on('failed', reject);
  });
}

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
  beforeEach(async () => {
    [caller, callee] = await Promise.all([startAgent(), startAgent()]);
  });
  afterEach(async () => {
    await Promise.all([stopAgent(caller), stopAgent(callee)]);
  });

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
    const answering = answerCalls(callee);
    const legBDialog = answering.next();
    const { dialog } = await call(caller, b2bua.port);
    assert.ok(dialog);
    const ended = once(dialog, 'terminated') as Promise<[DialogEnd]>;
    assert.equal((await (await legBDialog).bye()).status, 200);
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
    const answering = answerCalls(callee);
    const legB = answering.next();
    const { dialog } = await call(caller, b2bua.port);
    assert.ok(dialog);
    const legBDialog = await legB;
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
      const answering = answerCalls(callee);
      const legB = answering.next();
      const { dialog } = await call(caller, b2bua.port);
      assert.ok(dialog);
      const legBDialog = await legB;
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
