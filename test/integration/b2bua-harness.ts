// Shared by the B2BUA integration tests: the daemon in process with the real core and media
// engine, and SIP agents built on our own stack as caller and callee.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Daemon } from '../../src/cli/daemon.js';
import type { B2buaCore } from '../../src/cli/b2bua-core.js';
import { createB2buaCore } from '../../src/b2bua/factory.js';
import { loadConfigText } from '../../src/config/load.js';
import { createLogger } from '../../src/log/factory.js';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../src/sip/ua/server-invite-session.js';
import type { Dialog } from '../../src/sip/dialog/dialog.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { afterEach, beforeEach } from 'node:test';
import { freePort } from '../helpers/ports.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/sipp/${name}`, import.meta.url));

export const PLAIN_OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n';

export interface B2bua {
  daemon: Daemon;
  core: () => B2buaCore;
  port: number;
}

/** The daemon with the default core, leg B routed to `proxyPort` (the callee stands in for the proxy). */
export async function startB2bua(proxyPort: number, extra = '', reloadExtra?: () => string, proxyTransport = 'udp'): Promise<B2bua> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'b2bua-calls-'));
  const base =
    `[b2bua-server]\ntransport=sip:127.0.0.1:${port};transport=udp\ndata-directory=${dataDir}\n` +
    `outbound-proxy=sip:127.0.0.1:${proxyPort};transport=${proxyTransport}\nuser-agent=B2buaTest/1.0\n` +
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

export interface Agent {
  transports: TransportLayer;
  ua: UserAgent;
  port: number;
  /** Leg B INVITEs this agent received, as callee. */
  invites: SipRequest[];
}

export async function startAgent(): Promise<Agent> {
  const transports = new TransportLayer();
  const port = await freePort();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port });
  return { transports, ua: new UserAgent({ transports, contactUser: 'agent' }), port, invites: [] };
}

export async function stopAgent(agent: Agent): Promise<void> {
  await agent.ua.close();
  await agent.transports.close();
}

/**
 * The callee's answer to leg B's offer, receiving on `port`: RTP/AVP, or RTP/SAVP with `keySalt`
 * (random by default) for the first a=crypto.
 */
export function answerTo(offer: string, port = 7000, keySalt?: Buffer): string {
  const crypto = /^a=crypto:(\d+) (\S+) /m.exec(offer);
  const profile = crypto ? 'RTP/SAVP' : 'RTP/AVP';
  // Key || salt: 16 + 14 bytes, or 32 + 14 for the AES-256 suites.
  const key = keySalt ?? randomBytes(crypto?.[2]?.includes('256') ? 46 : 30);
  const cryptoLine = crypto ? `a=crypto:${crypto[1]} ${crypto[2]} inline:${key.toString('base64')}\r\n` : '';
  return `v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} ${profile} 0\r\na=rtpmap:0 PCMU/8000\r\n${cryptoLine}`;
}

/** The port of the first m=audio line. */
export function audioPort(sdp: string): number {
  return Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
}

/**
 * As callee: answers every INVITE with 200 and an answer to its offer (after a 183 with the same
 * answer when `earlyMedia`); `next()` resolves with the next confirmed dialog.
 */
export function answerCalls(agent: Agent, earlyMedia = false): { next: () => Promise<Dialog> } {
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
export function call(agent: Agent, port: number, body: string = PLAIN_OFFER, to = 'bob', provisional: SipResponse[] = []): Promise<{ dialog?: Dialog; response: SipResponse }> {
  const session = agent.ua.invite(`sip:${to}@127.0.0.1:${port}`, { from: '"Alice" <sip:alice@127.0.0.1>', body });
  session.on('provisional', (response) => provisional.push(response));
  return new Promise((resolve, reject) => {
    session.on('accepted', (response, dialog) => resolve({ dialog, response }));
    session.on('rejected', (response) => resolve({ response }));
    session.on('failed', reject);
  });
}

/** A call from `caller` through `b2bua` that `callee` answers: both legs' dialogs once established. */
export async function bridgedCall(caller: Agent, callee: Agent, b2bua: B2bua): Promise<{ legA: Dialog; legB: Dialog }> {
  const legB = answerCalls(callee).next();
  const { dialog, response } = await call(caller, b2bua.port);
  if (!dialog) throw new Error(`the call was refused: ${response.status} ${response.reason}`);
  return { legA: dialog, legB: await legB };
}

/** A caller and a callee agent, new for each test of the enclosing describe, handed to `use`. */
export function agentsPerTest(use: (caller: Agent, callee: Agent) => void): void {
  let agents: [Agent, Agent];
  beforeEach(async () => {
    agents = await Promise.all([startAgent(), startAgent()]);
    use(...agents);
  });
  afterEach(async () => {
    await Promise.all(agents.map(stopAgent));
  });
}
