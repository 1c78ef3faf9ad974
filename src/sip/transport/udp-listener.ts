// One bound UDP socket: it receives datagrams and sends our requests and responses, so that
// replies and NAT bindings (RFC 3581) come back to the same address and port.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { TransportError } from '../errors.js';
import type { Logger } from '../../log/logger.js';
import { addressFamily, formatHostPort, makeEndpoint, type AddressFamily } from './endpoint.js';
import type { Endpoint } from './types.js';

export class UdpListener {
  private constructor(
    private readonly socket: Socket,
    readonly endpoint: Endpoint,
    readonly family: AddressFamily,
  ) {}

  static bind(
    address: string,
    port: number,
    logger: Logger,
    onDatagram: (data: Buffer, source: Endpoint, listener: UdpListener) => void,
  ): Promise<UdpListener> {
    const family = addressFamily(address);
    // ipv6Only lets `::` and `0.0.0.0` be bound side by side on the same port. A 4 MiB receive
    // buffer (the kernel caps it at net.core.rmem_max) absorbs load bursts during GC pauses:
    // with the 208 KiB default, sipp at 3000 calls/s lost datagrams (bench/sip-uas.ts).
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      ipv6Only: family === 6,
      recvBufferSize: 4 * 1024 * 1024,
      lookup: addressLookup,
    });
    return new Promise((resolve, reject) => {
      const onBindError = (error: Error) => {
        socket.close();
        reject(new TransportError(`cannot bind UDP ${formatHostPort(address, port)}: ${error.message}`, error));
      };
      socket.once('error', onBindError);
      socket.bind(port, address, () => {
        socket.off('error', onBindError);
        const bound = socket.address();
        const listener = new UdpListener(socket, makeEndpoint('udp', bound.address, bound.port), family);
        socket.on('error', (error) => logger.warn({ err: error, local: listener.endpoint }, 'UDP socket error'));
        socket.on('message', (data: Buffer, info: RemoteInfo) =>
          onDatagram(data, makeEndpoint('udp', info.address, info.port), listener),
        );
        resolve(listener);
      });
    });
  }

  send(data: Buffer, destination: Endpoint): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.socket.send(data, destination.port, destination.address, (error) => {
          if (error) reject(new TransportError(`UDP send to ${formatHostPort(destination.address, destination.port)} failed: ${error.message}`, error));
          else resolve();
        });
      } catch (error) {
        // dgram throws synchronously on a closed socket or an invalid port.
        reject(new TransportError(`UDP send failed: ${(error as Error).message}`, error));
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}

/**
 * dgram passes every destination through dns.lookup, which answers even an IP address on the next
 * tick. The transport layer resolves names before it sends, so an address goes straight through.
 */
function addressLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}
