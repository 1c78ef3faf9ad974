// Where a response goes when it cannot simply follow the request's connection:
// RFC 3261 §18.2.2 and RFC 3581 §4, read from the top Via of the response.
import { TransportError } from '../errors.js';
import type { Via } from '../header-values.js';
import { canonicalAddress } from './endpoint.js';
import { defaultPort, isReliable } from './protocol.js';
import type { Endpoint, TransportProtocol } from './types.js';

/**
 * The host may still be a name (a sent-by the peer did not reach us from); resolving it is the
 * caller's job. Reliable transports: `received` (else sent-by) at the sent-by port. Unreliable:
 * `maddr` if present, else `received` (else sent-by) at the `rport` value, else the sent-by port.
 */
export function responseDestination(via: Via, protocol: TransportProtocol): Endpoint {
  const sentByPort = via.port ?? defaultPort(protocol);
  const received = via.params.get('received');
  const host = received ? received : via.host;
  if (isReliable(protocol)) return { protocol, address: canonicalAddress(host), port: sentByPort };
  const maddr = via.params.get('maddr');
  if (maddr) return { protocol, address: canonicalAddress(maddr), port: sentByPort };
  const rport = via.params.get('rport');
  return { protocol, address: canonicalAddress(host), port: rport ? parsePort(rport) : sentByPort };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) throw new TransportError(`invalid rport '${text}'`);
  return port;
}
