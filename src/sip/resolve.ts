// URI → transport Endpoint (RFC 3263 reduced): transport from `transport=` or the scheme, host from
// `maddr` or the host part, A/AAAA lookup for names, default port 5060 (5061 for TLS).
// NAPTR/SRV are not consulted: a name without a port resolves to its address records only.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri } from './uri.js';
import type { Endpoint, TransportProtocol } from './transport/types.js';
import { defaultPort } from './transport/protocol.js';
import { makeEndpoint } from './transport/endpoint.js';

/** The URI cannot be turned into a destination (unsupported scheme or transport, unknown host). */
export class UnresolvableUriError extends Error {
  constructor(readonly uri: string, reason: string) {
    super(`cannot resolve ${uri}: ${reason}`);
    this.name = 'UnresolvableUriError';
  }
}

export function uriProtocol(uri: SipUri): TransportProtocol {
  const param = uri.params.get('transport')?.toLowerCase();
  if (uri.scheme === 'sips') return 'tls';
  if (param === undefined || param === 'udp') return 'udp';
  if (param === 'tcp' || param === 'tls') return param;
  throw new UnresolvableUriError(`${uri.scheme}:${uri.host}`, `unsupported transport ${param}`);
}

export async function resolveUri(uri: SipUri, family?: 4 | 6): Promise<Endpoint> {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new UnresolvableUriError(uri.scheme, 'not a SIP URI');
  const protocol = uriProtocol(uri);
  const port = uri.port ?? defaultPort(protocol);
  const host = uri.params.get('maddr') ?? uri.host;
  if (isIP(host) !== 0) return makeEndpoint(protocol, host, port);
  if (host.toLowerCase() === 'localhost') return makeEndpoint(protocol, family === 6 ? '::1' : '127.0.0.1', port);
  try {
    const found = await lookup(host, family ? { family } : {});
    return makeEndpoint(protocol, found.address, port);
  } catch (error) {
    throw new UnresolvableUriError(host, (error as Error).message);
  }
}
