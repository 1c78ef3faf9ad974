// Facts about the transport protocols that several modules need.
import type { TransportProtocol } from './types.js';

/** TCP and TLS deliver reliably: no retransmissions, responses go back on the connection. */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== 'udp';
}

/** RFC 3261 §19.1.2: 5061 for TLS (sips), 5060 otherwise. */
export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}
