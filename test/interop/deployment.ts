// The deployment the interop tests run: Kamailio in front (packaging/kamailio/b2bua-proxy.cfg), the
// B2BUA daemon in process behind it (its outbound-proxy = Kamailio), Linphone agents registered to
// Kamailio. Callee users name leg B's mode: `outgoing-enc-regex` maps `<name>-<mode>@` to that mode.
import assert from 'node:assert/strict';
import type { Daemon } from '../../src/cli/daemon.js';
import { BridgingCore } from '../../src/b2bua/core.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { Linphone, stopAllLinphones, type LinphoneEncryption, type LinphoneOptions } from '../helpers/linphone.js';
import { freePort } from '../helpers/ports.js';
import { killAllPeers } from '../helpers/processes.js';
import { startB2bua } from '../integration/b2bua-harness.js';

/**
 * The `user-agent` startB2bua configures: Kamailio routes INVITEs with it (or with the
 * X-Flexisip-B2BUA header that leg B always carries) as leg B, not back to the B2BUA.
 */
const HARNESS_USER_AGENT = 'B2buaTest/1.0';

/** Leg B's modes as `outgoing-enc-regex` names them, and the callee user suffix that selects each. */
export const LEG_B_MODES = ['none', 'sdes', 'dtls-srtp', 'zrtp'] as const;
export type LegBMode = (typeof LEG_B_MODES)[number];

/**
 * Kamailio answers 408 when a forwarded request gets no response this long: a dead client's
 * contact fails a call (and a BYE) quickly, and clients on loopback answer well within it.
 */
export const PROXY_NO_RESPONSE_TIMEOUT_MS = 2000;

/** A callee's own policy for each leg B mode: the one mode it accepts (none accepts anything offered). */
export const CALLEE_POLICY: Record<LegBMode, LinphoneEncryption> = { none: 'none', sdes: 'srtp', 'dtls-srtp': 'dtls', zrtp: 'zrtp' };

const ENCRYPTION_RULES = LEG_B_MODES.map((mode) => `${mode} sip:[a-z0-9]+-${mode}@.*`).join(' ');

export interface DeploymentOptions {
  /** `[b2bua-server::trenscrypter] outgoing-srtp-regex`. */
  srtpRules?: string;
  /** `[b2bua-server] no-rtp-timeout`, seconds. */
  noRtpTimeout?: number;
}

export class Deployment {
  private constructor(
    readonly daemon: Daemon,
    readonly core: BridgingCore,
    readonly kamailio: Kamailio,
  ) {}

  static async start(options: DeploymentOptions = {}): Promise<Deployment> {
    // Kamailio's port first: the B2BUA's outbound-proxy.
    const proxyPort = await freePort();
    const extra = [
      ...(options.noRtpTimeout === undefined ? [] : ['[b2bua-server]', `no-rtp-timeout=${options.noRtpTimeout}`]),
      '[b2bua-server::trenscrypter]',
      `outgoing-enc-regex=${ENCRYPTION_RULES}`,
      ...(options.srtpRules === undefined ? [] : [`outgoing-srtp-regex=${options.srtpRules}`]),
      '',
    ].join('\n');
    const b2bua = await startB2bua(proxyPort, extra);
    const core = b2bua.core();
    assert.ok(core instanceof BridgingCore, 'the trenscrypter core');
    let kamailio: Kamailio;
    try {
      kamailio = await startKamailio({
        port: proxyPort,
        b2buaUri: `sip:127.0.0.1:${b2bua.port};transport=udp`,
        b2buaUserAgent: HARNESS_USER_AGENT,
        noResponseTimeoutMs: PROXY_NO_RESPONSE_TIMEOUT_MS,
      });
    } catch (error) {
      await b2bua.daemon.drain(); // its sockets would keep the test process alive
      throw error;
    }
    return new Deployment(b2bua.daemon, core, kamailio);
  }

  /** A Linphone agent registered to Kamailio. */
  async agent(options: Omit<LinphoneOptions, 'registrarPort'>): Promise<Linphone> {
    const agent = await Linphone.start({ ...options, registrarPort: this.kamailio.port });
    await agent.registered();
    return agent;
  }

  /**
   * Resolves once the B2BUA holds no call; fails after `timeoutMs` with the number left, so that a
   * call the core never releases fails the test instead of hanging it.
   */
  async callsReleased(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the B2BUA still has ${this.core.activeCalls} call(s) after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.core.whenIdle(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls still up (after a failure) are ended by the B2BUA before the drain. */
  async stop(): Promise<void> {
    await stopAllLinphones();
    await this.core.terminateAll();
    await this.daemon.drain();
    await this.kamailio.stop();
    await killAllPeers();
  }
}
