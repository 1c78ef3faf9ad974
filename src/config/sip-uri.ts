// SIP URIs as written in flexisip.conf (`transport`, `outbound-proxy`, `module::B2bua/b2bua-server`),
// parsed by the SIP stack's URI parser and restricted to what a configuration URI may be.
import { SipParseError } from '../sip/errors.js';
import { defaultPort } from '../sip/transport/protocol.js';
import { parseUri, type SipUri } from '../sip/uri.js';
import { ValueFormatError } from './errors.js';
import type { ValueType } from './types.js';

export function parseConfigSipUri(text: string): SipUri {
  let uri: SipUri;
  try {
    uri = parseUri(text);
  } catch (err) {
    if (!(err instanceof SipParseError)) throw err;
    throw new ValueFormatError(`'${text}' is not a valid SIP URI (${err.reason})`);
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new ValueFormatError(`'${text}' is not a sip: or sips: URI`);
  return uri;
}

export const sipUriType: ValueType<SipUri> = {
  name: 'String (SIP URI)',
  syntax: 'a `sip:` or `sips:` URI',
  parse: parseConfigSipUri,
};

type ListenProtocol = 'udp' | 'tcp' | 'tls';

/** The one address the B2BUA listens on. */
export interface ListenUri {
  readonly protocol: ListenProtocol;
  readonly uri: SipUri;
  /** 0 = the kernel chooses. */
  readonly port: number;
  /** The text as written, for messages. */
  readonly text: string;
}

/**
 * Flexisip's mapping (reference §1.1): sip + transport empty/udp → UDP, tcp → TCP, tls → TLS;
 * sips + empty/tcp → TLS. sips + udp (DTLS) is refused: no SIP-over-DTLS transport exists here.
 */
export function parseListenUri(text: string): ListenUri {
  const uri = parseConfigSipUri(text);
  const transport = (uri.params.get('transport') ?? '').toLowerCase();
  let protocol: ListenProtocol | undefined;
  if (uri.scheme === 'sip') {
    protocol = transport === '' || transport === 'udp' ? 'udp' : transport === 'tcp' ? 'tcp' : transport === 'tls' ? 'tls' : undefined;
  } else if (transport === '' || transport === 'tcp') {
    protocol = 'tls';
  } else if (transport === 'udp') {
    throw new ValueFormatError(`'${text}': SIP over DTLS (sips with transport=udp) is not supported`);
  }
  if (protocol === undefined) throw new ValueFormatError(`'${text}': unsupported transport '${transport}' for scheme ${uri.scheme}`);
  return { protocol, uri, port: uri.port ?? defaultPort(protocol), text };
}

export const listenUriType: ValueType<ListenUri> = {
  name: 'String (SIP URI)',
  syntax: 'one `sip:` or `sips:` URI; `transport=` udp (default), tcp or tls; port 0 = chosen by the kernel',
  parse: parseListenUri,
};
