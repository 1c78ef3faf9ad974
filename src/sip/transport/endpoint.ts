// Endpoint addressing: canonical addresses, keys for lookups, address families.
import { isIP } from 'node:net';
import { TransportError } from '../errors.js';
import type { Endpoint, TransportProtocol } from './types.js';

export type AddressFamily = 4 | 6;

/**
 * The bare form used in every Endpoint: no brackets, lower case, and IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, seen on dual-stack sockets) reduced to the IPv4 address.
 */
export function canonicalAddress(address: string): string {
  // Fast path for what nearly every packet carries: a dotted IPv4 address, already canonical.
  if (isDottedQuad(address)) return address;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const lower = bare.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}

function isDottedQuad(address: string): boolean {
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if ((c < 48 || c > 57) && c !== 46) return false;
  }
  return address.length > 0;
}

export function addressFamily(address: string): AddressFamily {
  const family = isIP(address);
  if (family === 0) throw new TransportError(`not an IP address: ${address}`);
  return family === 6 ? 6 : 4;
}

export function makeEndpoint(protocol: TransportProtocol, address: string, port: number): Endpoint {
  return { protocol, address: canonicalAddress(address), port };
}

/** A map key naming one endpoint, e.g. `tcp:[::1]:5060`. */
export function endpointKey(endpoint: Endpoint): string {
  return `${endpoint.protocol}:${formatHostPort(endpoint.address, endpoint.port)}`;
}

export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
