// The trenscrypter application (reference §4): leg B calls leg A's To URI with leg A's From, and
// its media encryption comes from the `outgoing-enc-regex` / `outgoing-srtp-regex` rules matched
// against that URI. See docs/trenscrypter.md for the choices made where Flexisip has quirks.
import {
  decline,
  type Application,
  type CallView,
  type Decline,
  type LegAView,
  type LegBMedia,
  type LegBPlan,
  type SubscribeView,
} from '../../b2bua/application.js';
import type { LoadedConfig } from '../../config/load.js';
import { ENCRYPTION_MODES, type EncryptionMode, type EncryptionRule, type SrtpSuitesRule } from '../../config/trenscrypter-lists.js';
import { DEFAULT_SRTP_SUITES } from '../../sdp/bridge-sdp.js';
import { formatUri, type SipUri } from '../../sip/uri.js';
import { calleeOf } from './callee.js';

interface TrenscrypterRules {
  readonly encryption: readonly EncryptionRule[];
  readonly srtpSuites: readonly SrtpSuitesRule[];
}

export interface TrenscrypterOptions {
  /**
   * The modes the media engine can give leg B; a call whose leg B would need another is declined
   * with 488, as Flexisip does when its SDK lacks the chosen encryption. Default: all four.
   */
  readonly usableModes?: ReadonlySet<EncryptionMode>;
}

/** §3.5: the B2BUA's own refusals are 488; the phrase says why, for the caller's logs. */
const NOT_ACCEPTABLE = 488;

function rulesOf(config: LoadedConfig): TrenscrypterRules {
  const section = config.values['b2bua-server::trenscrypter'];
  return { encryption: section['outgoing-enc-regex'], srtpSuites: section['outgoing-srtp-regex'] };
}

export class Trenscrypter implements Application {
  #rules: TrenscrypterRules;
  readonly #usableModes: ReadonlySet<EncryptionMode>;

  constructor(config: LoadedConfig, options: TrenscrypterOptions = {}) {
    this.#rules = rulesOf(config);
    this.#usableModes = options.usableModes ?? new Set(ENCRYPTION_MODES);
  }

  onCallCreate(legA: LegAView): Decline | LegBPlan {
    // Read once: a reload during this call must not mix old and new lists.
    const rules = this.#rules;
    const callee = calleeOf(legA.to);
    // What the regexes see: formatUri's canonical form, so escapes are normalised (`sip:%62ob@x`
    // is matched as `sip:bob@x`) and parameters keep their order and case as received.
    const target = formatUri(callee);
    const mode = rules.encryption.find((rule) => rule.regex.test(target))?.mode ?? legA.mediaMode;
    if (!this.#usableModes.has(mode)) return decline(NOT_ACCEPTABLE, `Encryption ${mode} Not Available`);
    // From's header parameters (its tag) belong to leg A's dialog: leg B gets its own.
    const from = { ...legA.from, params: new Map() };
    return { kind: 'leg-b', callee, from, media: legBMedia(mode, target, rules) };
  }

  /** §3.9: the trenscrypter routes every leg B through the proxy, which resolves the target as it is. */
  onTransfer(_referTo: SipUri, _call: CallView): SipUri | undefined {
    return undefined;
  }

  /** §3.10: MWI and presence bridging exist only in sip-bridge mode. */
  onSubscribe(_subscribe: SubscribeView): Decline {
    return decline(NOT_ACCEPTABLE, 'Not Supported Yet');
  }

  /** No per-call state to release. */
  onCallEnd(_call: CallView): void {}

  reload(config: LoadedConfig): void {
    this.#rules = rulesOf(config);
  }
}

function legBMedia(mode: EncryptionMode, target: string, rules: TrenscrypterRules): LegBMedia {
  if (mode !== 'sdes') return { mode };
  const suites = rules.srtpSuites.find((rule) => rule.regex.test(target))?.suites ?? DEFAULT_SRTP_SUITES;
  return { mode, srtpSuites: suites };
}
