// The B2BUA core the daemon hands INVITEs to: one Call per accepted INVITE, one media engine for all.
import type { B2buaCore } from '../cli/b2bua-core.js';
import type { LoadedConfig } from '../config/load.js';
import type { NatAddresses } from '../config/rules.js';
import type { Logger } from '../log/logger.js';
import type { MediaEngine } from '../media/engine.js';
import type { ServerInviteSession } from '../sip/ua/server-invite-session.js';
import type { ServerRequest } from '../sip/ua/server-request.js';
import type { UserAgent } from '../sip/ua/user-agent.js';
import { formatUri, type SipUri } from '../sip/uri.js';
import type { Application } from './application.js';
import { Call, END_REASONS, type CallContext, type CallSettings, type CallStats } from './call.js';
import { CallRefusedError } from './errors.js';

/**
 * `max-calls` reached: 503 with Retry-After rather than Flexisip's 486. The limit is the server's
 * capacity, not the callee's state: 486 would show "busy" to the caller, while 503 lets a proxy try
 * another instance (RFC 3261 §21.5.4) and the caller's UA retry later.
 */
export const OVERLOAD = { status: 503, reason: 'Too Many Calls', retryAfterSeconds: 5 } as const;

export interface BridgingCoreOptions {
  readonly config: LoadedConfig;
  readonly ua: UserAgent;
  readonly engine: MediaEngine;
  readonly application: Application;
  readonly natAddresses: NatAddresses;
  readonly logger: Logger;
}

export class BridgingCore implements B2buaCore {
  private readonly calls = new Set<Call>();
  private idleWaiters: (() => void)[] = [];
  // Not reloadable keys (planReload keeps their running values): read once, shared by every call.
  private readonly context: CallContext;
  private readonly maxCalls: number;

  constructor(private readonly options: BridgingCoreOptions) {
    const { ua, engine, application, logger } = options;
    this.context = {
      ua,
      engine,
      application,
      logger,
      settings: callSettings(options.config, options.natAddresses),
      findLegB: (reference) => {
        for (const call of this.calls) {
          const found = call.legBFor(reference);
          if (found) return found;
        }
        return undefined;
      },
    };
    this.maxCalls = options.config.values['b2bua-server']['max-calls'];
    ua.on('request', (request) => (request.method === 'SUBSCRIBE' ? this.handleSubscribe(request) : ua.answerByDefault(request)));
  }

  /** An out-of-dialog SUBSCRIBE (reference §3.10): the application decides; Expires is mandatory. */
  private handleSubscribe(request: ServerRequest): void {
    const { headers, uri, from, to } = request.request;
    const expires = Number(headers.get('Expires') ?? 'x');
    if (!Number.isInteger(expires) || expires < 0) {
      request.respond(488, { reason: 'SUBSCRIBE Without Valid Expires' });
      return;
    }
    const decision = this.options.application.onSubscribe({ requestUri: uri, from, to, event: headers.get('Event') ?? '', expires });
    if (decision.kind === 'decline') request.respond(decision.status, { reason: decision.reason });
    // Subscriptions are bridged by the sip-bridge application only, which this build does not have.
    else request.respond(501, { reason: 'Subscription Bridging Not Implemented' });
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  handleInvite(session: ServerInviteSession): void {
    if (this.calls.size >= this.maxCalls) {
      session.reject(OVERLOAD.status, { reason: OVERLOAD.reason, headers: { 'Retry-After': String(OVERLOAD.retryAfterSeconds) } });
      return;
    }
    const { logger } = this.options;
    let call: Call;
    try {
      call = Call.start(session, this.context);
    } catch (error) {
      if (!(error instanceof CallRefusedError)) throw error;
      logger.info({ callId: session.request.callId, status: error.status, reason: error.reason }, 'call refused');
      session.reject(error.status, { reason: error.reason, ...(error.headers ? { headers: error.headers } : {}) });
      return;
    }
    this.calls.add(call);
    logger.debug({ callIdA: session.request.callId, callIdB: call.legB.callId }, 'call bridged');
    call.once('ended', () => {
      this.calls.delete(call);
      if (this.calls.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Each call's Call-IDs and media counters (tests, and the admin API later). */
  callStats(): Promise<CallStats[]> {
    return Promise.all([...this.calls].map((call) => call.stats()));
  }

  whenIdle(): Promise<void> {
    return this.calls.size === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  terminateAll(): Promise<void> {
    const idle = this.whenIdle();
    for (const call of this.calls) call.terminate(END_REASONS.shutdown);
    return idle;
  }

  /** The reloadable keys the core uses are the application's (trenscrypter lists). */
  applyReload(config: LoadedConfig): void {
    this.options.application.reload(config);
  }

  async close(): Promise<void> {
    this.options.engine.close();
  }
}

function callSettings(config: LoadedConfig, natAddresses: NatAddresses): CallSettings {
  const server = config.values['b2bua-server'];
  return {
    legBRoute: `<${formatUri(looseRoute(server['outbound-proxy']))}>`,
    codecFilter: { audio: server['audio-codec'], video: server['video-codec'] },
    enableIce: server['enable-ice'],
    natAddresses,
    maxCallDurationMs: server['max-call-duration'],
  };
}

/** `outbound-proxy` as a Route: `lr` so that the Request-URI stays the callee (RFC 3261 §16.12). */
function looseRoute(proxy: SipUri): SipUri {
  const params = new Map(proxy.params);
  if (!params.has('lr')) params.set('lr', null);
  return { ...proxy, params };
}
