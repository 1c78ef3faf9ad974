// What the daemon needs of the B2BUA core (src/b2bua): the daemon owns transports, signals and
// configuration; the core owns calls. Without a core (no factory, or an application this build
// lacks), the daemon refuses INVITEs with 480 (as the user agent does when nobody takes them).
import type { LoadedConfig } from '../config/load.js';
import type { NatAddresses } from '../config/rules.js';
import type { Logger } from '../log/logger.js';
import type { ServerInviteSession } from '../sip/ua/server-invite-session.js';
import type { UserAgent } from '../sip/ua/user-agent.js';

export interface B2buaCore {
  /** Calls in progress (being set up or bridged). */
  readonly activeCalls: number;
  /** A new incoming INVITE outside any dialog; never called while draining. */
  handleInvite(session: ServerInviteSession): void;
  /** Resolves when no call is left. */
  whenIdle(): Promise<void>;
  /** The drain deadline passed: end every remaining call (BYE on established legs). */
  terminateAll(): Promise<void>;
  /** SIGHUP: take the reloadable keys (trenscrypter lists…) for the next calls. */
  applyReload(config: LoadedConfig): void;
  close(): Promise<void>;
}

export interface CoreDependencies {
  readonly config: LoadedConfig;
  readonly ua: UserAgent;
  readonly logger: Logger;
  /** Resolved `nat-addresses`, announced as ICE candidates. */
  readonly natAddresses: NatAddresses;
}

/** Undefined: no core for this configuration. */
export type B2buaCoreFactory = (deps: CoreDependencies) => B2buaCore | undefined;
