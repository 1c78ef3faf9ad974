// The one table of every key the B2BUA reads. Parsing, --dump-default and docs/configuration.md
// are all generated from it, so a key cannot exist in one and be missing from another.
import { listenUriType, sipUriType } from './sip-uri.js';
import { encryptionRulesType, srtpSuitesRulesType } from './trenscrypter-lists.js';
import {
  booleanType,
  durationType,
  enumType,
  integerRangeType,
  integerType,
  patternType,
  stringListType,
  stringType,
  type ValueType,
} from './types.js';

export interface KeySpec<T> {
  readonly type: ValueType<T>;
  /** The default as it would be written in the file (parsed like a written value). */
  readonly default: string;
  /** `Flexisip x.y.z` for Flexisip's keys, `b2bua x.y.z` for ours. */
  readonly since: string;
  readonly help: string;
  /** Applied by SIGHUP without a restart. */
  readonly reloadable: boolean;
}

export interface SectionSpec {
  readonly name: string;
  readonly help: string;
  /** `b2bua`: read and validated here; `proxy`: the proxy's, accepted and ignored by this process. */
  readonly role: 'b2bua' | 'proxy';
  readonly keys: Readonly<Record<string, KeySpec<unknown>>>;
}

function key<T>(type: ValueType<T>, defaultText: string, since: string, help: string, reloadable = false): KeySpec<T> {
  return { type, default: defaultText, since, help, reloadable };
}

const USER_AGENT_TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";

const b2buaServer = {
  name: 'b2bua-server',
  role: 'b2bua',
  help: 'Flexisip back-to-back user agent (B2BUA) server parameters.',
  keys: {
    application: key(enumType(['trenscrypter', 'sip-bridge'] as const), 'trenscrypter', 'Flexisip 2.2.0',
      'The application that handles bridged calls: `trenscrypter` (media encryption transcoder) or `sip-bridge` (SIP trunking).'),
    transport: key(listenUriType, 'sip:127.0.0.1:6067;transport=tcp', 'Flexisip 2.2.0',
      'The single SIP URI the server listens on. `sip:` with `transport=` empty or `udp` is UDP, `tcp` TCP, `tls` TLS; `sips:` with `transport=` empty or `tcp` is TLS. Port 0 lets the kernel choose. TLS needs `[b2bua-daemon] tls-certificate` and `tls-private-key`.'),
    'enable-keepalive': key(booleanType, 'true', 'Flexisip 2.5.0',
      'Send signalling keep-alives to keep NAT bindings open.'),
    'audio-port': key(integerRangeType(0, 65535), '0', 'Flexisip 2.4.0',
      'RTP port for audio: `0` = chosen by the kernel, `N` = fixed port, `MIN-MAX` = a range.'),
    'video-port': key(integerRangeType(0, 65535), '0', 'Flexisip 2.4.0',
      'RTP port for video, same syntax as `audio-port`.'),
    'user-agent': key(patternType(new RegExp(`^${USER_AGENT_TOKEN}(?:/(?:${USER_AGENT_TOKEN}|\\{version\\}))?$`), 'name[/version], each of letters, digits, backquotes and -.!%*_+\'~ (version may be {version})'),
      'Flexisip-B2BUA/{version}', 'Flexisip 2.3.3',
      'User-Agent header of every request the B2BUA sends; `{version}` is replaced by this program\'s version. A Flexisip proxy recognises B2BUA requests by comparing it with its own reading of this key (with `{version}` = the proxy\'s version): with a Flexisip proxy, write a literal value without `{version}`.'),
    'data-directory': key(stringType, '/var/opt/belledonne-communications/flexisip/b2b', 'Flexisip 2.2.0',
      'Writable directory for the server\'s data (DTLS-SRTP certificate). Created at startup if missing; a failure is logged, not fatal.'),
    'outbound-proxy': key(sipUriType, 'sip:127.0.0.1:5060;transport=tcp', 'Flexisip 2.2.0',
      'The proxy every outgoing request is sent to. Used only by `trenscrypter` (sip-bridge routes come from the providers file).'),
    'enable-ice': key(booleanType, 'true', 'Flexisip 2.5.0', 'Enable ICE on media streams.'),
    'nat-addresses': key(stringListType, '', 'Flexisip 2.5.0',
      'Public host names or IP addresses advertised as ICE server-reflexive candidates: at most one IPv4 and one IPv6, each resolvable at startup. Must be empty when `enable-ice` is false.'),
    'no-rtp-timeout': key(durationType('s'), '30', 'Flexisip 2.3.1',
      'A leg that receives no RTP for this long is ended, and its peer too. Must be strictly positive.'),
    'max-call-duration': key(durationType('s'), '0', 'Flexisip 2.3.3',
      'Calls older than this are ended. `0` = unlimited.'),
    'audio-codec': key(patternType(/^(?:[A-Za-z0-9-]+\/[0-9]+)?$/, '`<codec>/<rate>` (e.g. `PCMU/8000`) or empty'), '', 'Flexisip 2.5.0',
      'If set, only this audio codec is enabled on both legs and audio payloads are forwarded without decoding. Unlike Flexisip, the name is not checked against a codec list at startup: payloads are always forwarded, never decoded, so any codec can be relayed; a call whose offer lacks it is refused with 488.'),
    'video-codec': key(patternType(/^[A-Za-z0-9-]*$/, '`<codec>` (e.g. `H264`) or empty'), '', 'Flexisip 2.3.3',
      'If set, only this video codec is enabled on both legs (any codec name: payloads are forwarded, never decoded; a call whose offer lacks it is refused with 488).'),
    'one-connection-per-account': key(booleanType, 'false', 'Flexisip 2.4.0',
      'Use a separate SIP connection (source port) for each external account (sip-bridge).'),
    'max-calls': key(integerType(1), '500', 'Flexisip 2.5.0',
      'Maximum number of bridged calls; INVITEs over the limit are refused. Must be greater than 0.'),
  },
} as const satisfies SectionSpec;

const trenscrypter = {
  name: 'b2bua-server::trenscrypter',
  role: 'b2bua',
  help: 'B2BUA server application: media encryption transcoder.',
  keys: {
    'outgoing-enc-regex': key(encryptionRulesType, '', 'Flexisip 2.2.0',
      'Pairs `mode regex mode regex …`, mode one of `zrtp`, `sdes`, `dtls-srtp`, `none`. The first regex matching the whole callee URI (parameters included, so end regexes with `(;.*)?`) chooses leg B\'s media encryption; no match = leg A\'s encryption. An invalid mode, an invalid regex or an odd number of items prevents startup.',
      true),
    'outgoing-srtp-regex': key(srtpSuitesRulesType, '', 'Flexisip 2.2.0',
      'Pairs `suites regex …`, suites a `;`-separated list of SDES suites (`AES_CM_128_HMAC_SHA1_80`, `AES_CM_128_HMAC_SHA1_32`, `AES_192_CM_HMAC_SHA1_80`, `AES_192_CM_HMAC_SHA1_32`, `AES_256_CM_HMAC_SHA1_80`, `AES_256_CM_HMAC_SHA1_32`, `AEAD_AES_128_GCM`, `AEAD_AES_256_GCM`). When leg B uses SDES, the first regex matching the callee URI chooses its suites, in order. An unknown suite name prevents startup.',
      true),
  },
} as const satisfies SectionSpec;

const sipBridge = {
  name: 'b2bua-server::sip-bridge',
  role: 'b2bua',
  help: 'External SIP Provider Bridge parameters.',
  keys: {
    providers: key(stringType, 'example-path.json', 'Flexisip 2.2.0',
      'Path of the JSON file describing providers and account pools (schema v1 or v2), relative to the directory of the main configuration file. Read only when `application=sip-bridge`.'),
  },
} as const satisfies SectionSpec;

const daemon = {
  name: 'b2bua-daemon',
  role: 'b2bua',
  help: 'Settings of this implementation, absent from Flexisip. A Flexisip proxy refuses unknown sections: when the file is shared with one, pass these with `--set b2bua-daemon/KEY=VALUE` instead.',
  keys: {
    'log-level': key(enumType(['debug', 'info', 'warn', 'error'] as const), 'info', 'b2bua 0.1.0',
      'Least severe level logged (`--debug` forces `debug`).', true),
    'log-format': key(enumType(['json', 'pretty'] as const), 'json', 'b2bua 0.1.0',
      '`json` (one object per line, for journald and log collectors) or `pretty` (human-readable).'),
    'media-threads': key(integerType(0, 256), '0', 'b2bua 0.1.0',
      'Native media worker threads; `0` = one per CPU core.'),
    'tls-certificate': key(stringType, '', 'b2bua 0.1.0',
      'PEM certificate chain for a TLS `transport`. Read again on SIGHUP (a certificate renewed in place is picked up by new connections).', true),
    'tls-private-key': key(stringType, '', 'b2bua 0.1.0',
      'PEM private key of `tls-certificate`.', true),
    'tls-ca-file': key(stringType, '', 'b2bua 0.1.0',
      'PEM CA bundle used to verify TLS peers; empty = peers are not verified.', true),
    'admin-address': key(patternType(/^(?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5})?$/, '`host:port` or empty'), '', 'b2bua 0.1.0',
      'Address of the admin HTTP endpoint (metrics, health); empty = disabled.'),
    'drain-timeout': key(durationType('s'), '60', 'b2bua 0.1.0',
      'On SIGTERM/SIGINT, calls in progress may continue this long before they are ended with BYE; new INVITEs get `503` with `Retry-After` meanwhile.'),
  },
} as const satisfies SectionSpec;

const moduleB2bua = {
  name: 'module::B2bua',
  role: 'proxy',
  help: 'Proxy module that routes calls to the B2BUA. Read by the Flexisip proxy; accepted and ignored by this process (see docs/deploy.md for a Kamailio equivalent).',
  keys: {
    enabled: key(booleanType, 'false', 'Flexisip 2.2.0', 'Activate the module.'),
    filter: key({ ...stringType, name: 'BooleanExpr', syntax: 'a Flexisip filter expression' }, '', 'Flexisip 2.2.0',
      'Requests not passing this filter are not sent to the B2BUA.'),
    'b2bua-server': key(sipUriType, 'sip:127.0.0.1:6067;transport=tcp', 'Flexisip 2.2.0',
      'Where INVITE and CANCEL requests not coming from the B2BUA are sent.'),
    'from-domains': key(stringType, '*', 'Flexisip 2.2.0', 'Deprecated since Flexisip 0.5.0: use `filter`.'),
    'to-domains': key(stringType, '*', 'Flexisip 2.2.0', 'Deprecated since Flexisip 0.5.0: use `filter`.'),
  },
} as const satisfies SectionSpec;

/** Every section, in the order of --dump-default and the docs. */
export const SCHEMA: readonly SectionSpec[] = [b2buaServer, trenscrypter, sipBridge, daemon, moduleB2bua];

/** Sections read by this process, by lower-case name. */
export const OWNED_SECTIONS: ReadonlyMap<string, SectionSpec> = new Map(
  SCHEMA.filter((section) => section.role === 'b2bua').map((section) => [section.name.toLowerCase(), section]),
);

type ValuesOf<S extends SectionSpec> = { readonly [K in keyof S['keys']]: S['keys'][K] extends KeySpec<infer T> ? T : never };

/** The typed values of a loaded configuration. */
export interface ConfigValues {
  readonly 'b2bua-server': ValuesOf<typeof b2buaServer>;
  readonly 'b2bua-server::trenscrypter': ValuesOf<typeof trenscrypter>;
  readonly 'b2bua-server::sip-bridge': ValuesOf<typeof sipBridge>;
  readonly 'b2bua-daemon': ValuesOf<typeof daemon>;
}
