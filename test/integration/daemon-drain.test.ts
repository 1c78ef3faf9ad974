// The daemon in process, with a real UA on both sides and a minimal core that answers calls: calls in
// progress survive the drain, new INVITEs get 503 + Retry-After, the deadline ends calls with BYE, and a
// reload reaches the core. (The real B2BUA core is a later issue; this one only implements the interface
// the daemon uses.)
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { loadConfigText, type LoadedConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/cli/daemon.js';
import type { B2buaCore } from '../../src/cli/b2bua-core.js';
import { createLogger } from '../../src/log/factory.js';
import { TransportLayer } from '../../src/sip/transport/transport-layer.js';
import { UserAgent } from '../../src/sip/ua/user-agent.js';
import type { ServerInviteSession } from '../../src/sip/ua/server-invite-session.js';
import type { Dialog, DialogEnd } from '../../src/sip/dialog/dialog.js';
import type { SipResponse } from '../../src/sip/message.js';
import { freePort } from '../helpers/ports.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';

/** Accepts every INVITE; a call counts as active from its INVITE until its dialog ends. */
class AnsweringCore implements B2buaCore {
  readonly calls = new Set<ServerInviteSession>();
  /** Resolve with the dialog once the ACK came (undefined if the call failed first). */
  private readonly answered = new Set<Promise<Dialog | undefined>>();
  reloads: LoadedConfig[] = [];
  private idleWaiters: (() => void)[] = [];

  get activeCalls(): number {
    return this.calls.size;
  }

  handleInvite(session: ServerInviteSession): void {
    this.calls.add(session);
    const answered = session.accept({ body: SDP }).then(
      (dialog) => {
        dialog.once('terminated', () => {
          this.answered.delete(answered);
          this.ended(session);
        });
        return dialog;
      },
      () => {
        this.answered.delete(answered);
        this.ended(session);
        return undefined;
      },
    );
    this.answered.add(answered);
  }

  private ended(session: ServerInviteSession): void {
    this.calls.delete(session);
    if (this.calls.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  whenIdle(): Promise<void> {
    return this.calls.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async terminateAll(): Promise<void> {
    // A call whose ACK is still on its way is ended as soon as it is confirmed.
    const dialogs = await Promise.all(this.answered);
    await Promise.all(dialogs.map((dialog) => dialog?.bye().catch(() => undefined)));
  }

  applyReload(config: LoadedConfig): void {
    this.reloads.push(config);
  }

  async close(): Promise<void> {}
}

interface Caller {
  transports: TransportLayer;
  ua: UserAgent;
}

async function startCaller(): Promise<Caller> {
  const transports = new TransportLayer();
  await transports.listen({ protocol: 'udp', address: '127.0.0.1', port: await freePort() });
  return { transports, ua: new UserAgent({ transports, contactUser: 'caller' }) };
}

/** Resolves with the dialog of an answered call, or the final response of a refused one. */
function call(caller: Caller, port: number): Promise<{ dialog?: Dialog; response: SipResponse }> {
  const session = caller.ua.invite(`sip:bob@127.0.0.1:${port}`, { from: '<sip:alice@127.0.0.1>', body: SDP });
  return new Promise((resolve, reject) => {
    session.on('accepted', (response, dialog) => resolve({ dialog, response }));
    session.on('rejected', (response) => resolve({ response }));
    session.on('failed', reject);
  });
}

async function startDaemon(drainTimeout: string, core: AnsweringCore, reloadText?: () => string): Promise<Daemon> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'b2bua-data-'));
  const base = `[b2bua-server]\ntransport=sip:127.0.0.1:${port};transport=udp\ndata-directory=${dataDir}\n[b2bua-daemon]\ndrain-timeout=${drainTimeout}\n`;
  const config = loadConfigText(base, 'drain.conf', [], dataDir);
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return Daemon.start({
    config,
    loadConfig: () => loadConfigText(base + (reloadText?.() ?? ''), 'drain.conf', [], dataDir),
    logger: createLogger({ level: 'error', format: 'json', out: sink }),
    version: '0.0.0-test',
    coreFactory: () => core,
  });
}

describe('daemon with a core: drain and reload', () => {
  let caller: Caller;
  beforeEach(async () => {
    caller = await startCaller();
  });
  afterEach(async () => {
    await caller.ua.close();
    await caller.transports.close();
  });

  it('keeps the call in progress, refuses a new INVITE with 503 + Retry-After, stops when the call ends', async () => {
    const core = new AnsweringCore();
    const daemon = await startDaemon('60', core);
    const first = await call(caller, daemon.endpoint.port);
    assert.equal(first.response.status, 200);
    assert.ok(first.dialog);

    const drained = daemon.drain();
    const refused = await call(caller, daemon.endpoint.port);
    assert.equal(refused.response.status, 503);
    assert.equal(refused.response.headers.get('Retry-After'), '60');

    // The established call still works through the drain: its BYE is answered by the daemon's side.
    assert.equal(core.activeCalls, 1);
    const bye = await first.dialog.bye();
    assert.equal(bye.status, 200);
    await drained;
    await daemon.stopped;
    assert.equal(core.activeCalls, 0);
  });

  it('ends the calls still up at the drain deadline with BYE', async () => {
    const core = new AnsweringCore();
    const daemon = await startDaemon('1s', core);
    const { dialog } = await call(caller, daemon.endpoint.port);
    assert.ok(dialog);
    const ended = once(dialog, 'terminated') as Promise<[DialogEnd]>;
    await daemon.drain();
    const [end] = await ended;
    assert.equal(end.reason, 'bye-received');
    assert.equal(daemon.isDraining, true);
  });

  it('a second stop request ends the calls at once', async () => {
    const core = new AnsweringCore();
    const daemon = await startDaemon('1d', core);
    const { dialog } = await call(caller, daemon.endpoint.port);
    assert.ok(dialog);
    const ended = once(dialog, 'terminated') as Promise<[DialogEnd]>;
    const drained = daemon.drain();
    void daemon.drain();
    const [end] = await ended;
    assert.equal(end.reason, 'bye-received');
    await drained;
  });

  it('a reload hands the new trenscrypter lists to the core; a failing reload hands nothing', async () => {
    const core = new AnsweringCore();
    let lists = '[b2bua-server::trenscrypter]\noutgoing-enc-regex=zrtp .*@secure\\.org(;.*)?\n';
    const daemon = await startDaemon('60', core, () => lists);
    await daemon.reload();
    assert.equal(core.reloads.length, 1);
    const [rule] = core.reloads[0]!.values['b2bua-server::trenscrypter']['outgoing-enc-regex'];
    assert.equal(rule?.mode, 'zrtp');
    assert.equal(rule?.regex.test('sip:alice@secure.org;gr=urn:uuid:1'), true);
    lists = '[b2bua-server::trenscrypter]\noutgoing-enc-regex=zrtp\n';
    await daemon.reload();
    assert.equal(core.reloads.length, 1);
    await daemon.drain();
  });

  it('without calls the drain stops at once', async () => {
    const core = new AnsweringCore();
    const daemon = await startDaemon('1d', core);
    await daemon.drain();
    await daemon.stopped;
  });
});
