// The running b2bua: listens where `[b2bua-server] transport` says, hands INVITEs to the core,
// drains on stop (503 + Retry-After to new INVITEs, calls in progress continue until they end or the
// drain deadline passes) and reloads the reloadable keys on demand.
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { dirname } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { InvalidValueError } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { resolveNatAddresses, type NatAddresses } from '../config/rules.js';
import { resolveUri, UnresolvableUriError } from '../sip/resolve.js';
import { TransportLayer } from '../sip/transport/transport-layer.js';
import type { Endpoint, ListenSpec, TlsFiles } from '../sip/transport/types.js';
import type { ServerInviteSession } from '../sip/ua/server-invite-session.js';
import { UserAgent } from '../sip/ua/user-agent.js';
import type { B2buaCore, B2buaCoreFactory } from './b2bua-core.js';
import type { ConfigLoader } from './config-source.js';
import { planReload, type ReloadPlan } from './reload.js';

/** setTimeout's limit: a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DaemonOptions {
  readonly config: LoadedConfig;
  /** Re-reads the same source (file and `--set`) on reload. */
  readonly loadConfig: ConfigLoader;
  readonly logger: PinoLogger;
  readonly version: string;
  /** The B2BUA core (main.ts: `createB2buaCore`); without one, INVITEs are refused with 480. */
  readonly coreFactory?: B2buaCoreFactory;
}

export class Daemon {
  /** Resolves when the daemon has stopped (after a drain). */
  readonly stopped: Promise<void>;
  private draining: Promise<void> | undefined;
  private endDrainNow: () => void = () => {};
  private markStopped: () => void = () => {};

  private constructor(
    private config: LoadedConfig,
    private readonly options: DaemonOptions,
    private readonly transports: TransportLayer,
    private readonly ua: UserAgent,
    private readonly core: B2buaCore | undefined,
    /** Where SIP is received (the actual port when the configured one is 0). */
    readonly endpoint: Endpoint,
    /** Resolved `nat-addresses`, for the media engine. */
    readonly natAddresses: NatAddresses,
  ) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    ua.on('invite', (session) => this.onInvite(session));
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, logger } = options;
    const server = config.values['b2bua-server'];
    const natAddresses = await resolveNatAddresses(config);
    await prepareDataDirectory(server['data-directory'], logger);
    const transports = new TransportLayer({ logger: logger.child({ module: 'transport' }) });
    let endpoint: Endpoint;
    try {
      endpoint = await transports.listen(await listenSpec(config));
    } catch (err) {
      await transports.close();
      throw err;
    }
    const ua = new UserAgent({
      transports,
      contactUser: 'b2bua',
      userAgentHeader: server['user-agent'].replace('{version}', options.version),
      logger: logger.child({ module: 'ua' }),
    });
    let core: B2buaCore | undefined;
    try {
      core = options.coreFactory?.({ config, ua, logger: logger.child({ module: 'core' }), natAddresses });
    } catch (err) {
      await ua.close();
      await transports.close();
      throw err;
    }
    const daemon = new Daemon(config, options, transports, ua, core, endpoint, natAddresses);
    logger.info(
      {
        listen: `${endpoint.protocol}:${endpoint.address}:${endpoint.port}`,
        application: server.application,
        config: config.source,
        ignoredSections: config.ignoredSections,
        ...describeReloadable(config),
      },
      'b2bua started',
    );
    for (const warning of config.warnings) logger.warn(warning);
    if (!core) logger.warn('no B2BUA core in this build: INVITEs are refused with 480');
    return daemon;
  }

  get isDraining(): boolean {
    return this.draining !== undefined;
  }

  /**
   * Stops taking calls and ends the process's work once calls are over (or at the drain deadline).
   * A second call ends the calls in progress at once.
   */
  drain(): Promise<void> {
    if (this.draining) {
      this.options.logger.warn('second stop request: ending calls now');
      this.endDrainNow();
      return this.draining;
    }
    this.draining = this.runDrain();
    return this.draining;
  }

  /**
   * Re-reads the configuration and applies the reloadable keys. On a TLS transport the certificate
   * files are read again even when their paths did not change (renewed in place). A failing file or
   * certificate changes nothing.
   */
  async reload(): Promise<void> {
    const { logger } = this.options;
    let plan: ReloadPlan;
    try {
      plan = planReload(this.config, this.options.loadConfig());
      if (this.endpoint.protocol === 'tls') await this.transports.reloadTls(tlsFiles(plan.config));
    } catch (err) {
      logger.error({ reason: (err as Error).message }, 'reload failed: keeping the running configuration');
      return;
    }
    this.config = plan.config;
    logger.level = plan.config.values['b2bua-daemon']['log-level'];
    this.core?.applyReload(plan.config);
    for (const setting of plan.needRestart) logger.warn({ setting }, 'changed key needs a restart: not applied');
    logger.info({ applied: plan.applied, ...describeReloadable(plan.config) }, 'configuration reloaded');
  }

  private onInvite(session: ServerInviteSession): void {
    const request = session.request;
    this.options.logger.debug({ callId: request.callId, to: request.headers.get('To'), draining: this.isDraining }, 'incoming INVITE');
    if (this.draining) {
      session.reject(503, { headers: { 'Retry-After': String(this.retryAfterSeconds()) } });
    } else if (this.core) {
      this.core.handleInvite(session);
    } else {
      session.reject(480);
    }
  }

  /** Clients should come back once this instance has been replaced: after the drain deadline. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.config.values['b2bua-daemon']['drain-timeout'] / 1000));
  }

  private async runDrain(): Promise<void> {
    const { logger } = this.options;
    const timeoutMs = this.config.values['b2bua-daemon']['drain-timeout'];
    const calls = this.core?.activeCalls ?? 0;
    logger.info({ activeCalls: calls, drainTimeoutMs: timeoutMs }, 'draining: new calls are refused with 503');
    if (this.core && calls > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(resolve, Math.min(timeoutMs, MAX_TIMER_MS), 'deadline');
        this.endDrainNow = () => resolve('deadline');
      });
      const outcome = await Promise.race([this.core.whenIdle().then(() => 'idle' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') {
        logger.warn({ activeCalls: this.core.activeCalls }, 'drain deadline: ending the remaining calls');
        await this.core.terminateAll();
      }
      // The last BYE's 200 is still on its way (and may be lost): stay one T1 to send it and to
      // answer a retransmitted BYE, instead of closing the socket under it.
      await delay(this.ua.timers.t1);
    }
    await this.core?.close();
    await this.ua.close();
    await this.transports.close();
    logger.info('b2bua stopped');
    this.markStopped();
  }
}

async function listenSpec(config: LoadedConfig): Promise<ListenSpec> {
  const { transport } = config.values['b2bua-server'];
  let address: string;
  try {
    address = (await resolveUri(transport.uri)).address;
  } catch (err) {
    if (!(err instanceof UnresolvableUriError)) throw err;
    throw new InvalidValueError('b2bua-server', 'transport', err.message, config.locations.get('b2bua-server/transport') ?? { source: config.source });
  }
  const spec: ListenSpec = { protocol: transport.protocol, address, port: transport.port };
  if (transport.protocol === 'tls') spec.tls = tlsFiles(config);
  return spec;
}

function tlsFiles(config: LoadedConfig): TlsFiles {
  const daemon = config.values['b2bua-daemon'];
  const files: TlsFiles = { certFile: daemon['tls-certificate'], keyFile: daemon['tls-private-key'] };
  if (daemon['tls-ca-file'] !== '') files.caFile = daemon['tls-ca-file'];
  return files;
}

/**
 * As Flexisip: created if missing with at most its parent (never a deeper tree); a failure is
 * logged, not fatal (only DTLS certificates live there).
 */
async function prepareDataDirectory(path: string, logger: PinoLogger): Promise<void> {
  try {
    for (const dir of [dirname(path), path]) {
      await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
  } catch (err) {
    logger.warn({ path, reason: (err as Error).message }, 'cannot create data-directory');
  }
}

/** The reloadable values as they appear in logs (regexes as written). */
function describeReloadable(config: LoadedConfig): Record<string, unknown> {
  const lists = config.values['b2bua-server::trenscrypter'];
  return {
    logLevel: config.values['b2bua-daemon']['log-level'],
    outgoingEncRegex: lists['outgoing-enc-regex'].map((rule) => `${rule.mode} ${rule.pattern}`),
    outgoingSrtpRegex: lists['outgoing-srtp-regex'].map((rule) => `${rule.suites.join(';')} ${rule.pattern}`),
  };
}
