// A listening TCP or TLS socket; accepted connections are handed to the connection pool.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TlsOptions } from 'node:tls';
import { TransportError } from '../errors.js';
import type { Logger } from '../../log/logger.js';
import { formatHostPort, makeEndpoint } from './endpoint.js';
import type { StreamProtocol } from './connection-pool.js';
import type { Endpoint } from './types.js';

export class StreamListener {
  private constructor(
    private readonly server: Server,
    readonly endpoint: Endpoint,
    /** Every accepted socket, including TLS ones still in their handshake (not yet in the pool). */
    private readonly sockets: Set<Socket>,
  ) {}

  static listen(
    protocol: StreamProtocol,
    address: string,
    port: number,
    tls: TlsOptions | undefined,
    logger: Logger,
    onConnection: (socket: Socket) => void,
  ): Promise<StreamListener> {
    const server = protocol === 'tls'
      ? createTlsServer(tls ?? {}, onConnection)
      : createTcpServer(onConnection);
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    if (protocol === 'tls') {
      // A failed handshake concerns one client only: log it, keep listening.
      server.on('tlsClientError', (error, socket) => {
        logger.warn({ err: error, remote: socket.remoteAddress }, 'TLS handshake failed');
        socket.destroy();
      });
    }
    return new Promise((resolve, reject) => {
      const onListenError = (error: Error) => {
        reject(new TransportError(`cannot listen on ${protocol} ${formatHostPort(address, port)}: ${error.message}`, error));
      };
      server.once('error', onListenError);
      // ipv6Only, as for UDP: `::` and `0.0.0.0` can then listen on the same port.
      server.listen({ host: address, port, ipv6Only: address.includes(':') }, () => {
        server.off('error', onListenError);
        server.on('error', (error) => logger.warn({ err: error, protocol }, 'SIP listener error'));
        const bound = server.address();
        if (bound === null || typeof bound === 'string') {
          server.close();
          reject(new TransportError(`${protocol} listener has no address`));
          return;
        }
        resolve(new StreamListener(server, makeEndpoint(protocol, bound.address, bound.port), sockets));
      });
    });
  }

  /** TLS only: connections accepted from now on get this certificate; live ones keep theirs. */
  replaceCertificate(tls: TlsOptions): void {
    if (this.endpoint.protocol === 'tls') (this.server as TlsServer).setSecureContext(tls);
  }

  /** Stops accepting and drops every socket it accepted (the server waits for them all). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}
