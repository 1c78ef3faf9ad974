// Every open TCP/TLS connection, found by id (responses) or by remote endpoint (reuse), and the
// outbound connects, shared so that concurrent sends to one peer open a single connection.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { TransportError } from '../errors.js';
import type { Logger } from '../../log/logger.js';
import { endpointKey } from './endpoint.js';
import { StreamConnection, type ConnectionUnit } from './stream-connection.js';
import type { Endpoint, TransportStats } from './types.js';

export type StreamProtocol = 'tcp' | 'tls';

export interface ConnectionPoolOptions {
  maxMessageSize: number;
  idleTimeoutMs: number;
  /** Longest wait for a TCP connect plus, for TLS, the handshake. */
  connectTimeoutMs: number;
  logger: Logger;
  stats: TransportStats;
  /** Called for every framed unit read on any connection. */
  onUnit: (unit: ConnectionUnit, connection: StreamConnection) => void;
  onClose: (connection: StreamConnection) => void;
}

export interface ConnectOptions {
  /** TLS client settings (certificate, CA, verification); required for `tls`. */
  tls?: ConnectionOptions;
  /** TLS: the name sent as SNI and checked against the certificate, when the target had one. */
  serverName?: string;
}

export class ConnectionPool {
  private readonly byId = new Map<string, StreamConnection>();
  /** The most recent open connection to each remote endpoint, whoever opened it. */
  private readonly byRemote = new Map<string, StreamConnection>();
  private readonly connecting = new Map<string, Promise<StreamConnection>>();
  private readonly pendingSockets = new Set<Socket>();
  private nextId = 1;
  private closing = false;

  constructor(private readonly opts: ConnectionPoolOptions) {}

  get(id: string): StreamConnection | undefined {
    const connection = this.byId.get(id);
    return connection?.open ? connection : undefined;
  }

  find(remote: Endpoint): StreamConnection | undefined {
    const connection = this.byRemote.get(endpointKey(remote));
    return connection?.open ? connection : undefined;
  }

  /** An open connection to `remote`, reused when one exists, otherwise opened now. */
  obtain(remote: Endpoint & { protocol: StreamProtocol }, options: ConnectOptions = {}): Promise<StreamConnection> {
    const existing = this.find(remote);
    if (existing) return Promise.resolve(existing);
    const key = endpointKey(remote);
    const inFlight = this.connecting.get(key);
    if (inFlight) return inFlight;
    const attempt = this.open(remote, options).finally(() => this.connecting.delete(key));
    this.connecting.set(key, attempt);
    return attempt;
  }

  /** Takes a socket a listener accepted. */
  accept(socket: Socket, protocol: StreamProtocol): StreamConnection | undefined {
    if (this.closing) {
      socket.destroy();
      return undefined;
    }
    return this.register(socket, protocol, false);
  }

  closeAll(): Promise<void> {
    this.closing = true;
    for (const socket of this.pendingSockets) socket.destroy();
    const closes = [...this.byId.values()].map(
      // Connections leave byId on 'close', so each one here still has that event to come.
      (connection) => new Promise<void>((resolve) => {
        connection.once('close', () => resolve());
        connection.close();
      }),
    );
    return Promise.all(closes).then(() => undefined);
  }

  private open(remote: Endpoint & { protocol: StreamProtocol }, options: ConnectOptions): Promise<StreamConnection> {
    if (this.closing) return Promise.reject(new TransportError('transport layer is closed'));
    const target = `${remote.protocol} ${endpointKey(remote)}`;
    return new Promise((resolve, reject) => {
      let socket: Socket;
      try {
        socket = remote.protocol === 'tls'
          ? tlsConnect({ ...options.tls, host: remote.address, port: remote.port, servername: options.serverName })
          : netConnect({ host: remote.address, port: remote.port });
      } catch (error) {
        reject(new TransportError(`cannot connect to ${target}: ${(error as Error).message}`, error));
        return;
      }
      this.pendingSockets.add(socket);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        this.pendingSockets.delete(socket);
        socket.setTimeout(0, onTimeout);
        socket.off('close', onClose);
        return true;
      };
      const fail = (error: Error | undefined) => {
        if (!settle()) return;
        socket.destroy();
        const why = error?.message ?? 'closed before it was established';
        this.opts.logger.debug({ target, err: error }, 'SIP connect failed');
        reject(new TransportError(`cannot connect to ${target}: ${why}`, error));
      };
      // Covers a SYN or a TLS handshake left unanswered; the idle timeout takes over once connected.
      const onTimeout = () => socket.destroy(new Error('connect timed out'));
      // Stays attached after a failure: a destroyed TLS socket may still report a late error.
      const onError = (error: Error) => fail(error);
      const onClose = () => fail(undefined);
      socket.setTimeout(this.opts.connectTimeoutMs, onTimeout);
      socket.on('error', onError);
      socket.once('close', onClose);
      socket.once(remote.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        if (!settle()) return;
        socket.off('error', onError);
        if (this.closing) {
          socket.destroy();
          reject(new TransportError('transport layer is closed'));
          return;
        }
        resolve(this.register(socket, remote.protocol, true));
      });
    });
  }

  private register(socket: Socket, protocol: StreamProtocol, outbound: boolean): StreamConnection {
    const { maxMessageSize, idleTimeoutMs, logger, stats } = this.opts;
    const connection = new StreamConnection(`${protocol}-${this.nextId++}`, socket, protocol, outbound, {
      maxMessageSize,
      idleTimeoutMs,
      logger,
    });
    stats.connectionsOpened++;
    this.byId.set(connection.id, connection);
    this.byRemote.set(endpointKey(connection.remote), connection);
    connection.on('unit', (unit) => this.opts.onUnit(unit, connection));
    connection.once('close', () => {
      stats.connectionsClosed++;
      this.byId.delete(connection.id);
      const key = endpointKey(connection.remote);
      if (this.byRemote.get(key) === connection) this.byRemote.delete(key);
      this.opts.onClose(connection);
    });
    logger.debug(
      { connection: connection.id, remote: connection.remote, outbound },
      outbound ? 'SIP connection opened' : 'SIP connection accepted',
    );
    return connection;
  }
}
