// The SIP transport layer (RFC 3261 §18): every listening UDP/TCP/TLS socket and connection,
// inbound parsing with the server receive rules, and the routing of requests and responses.
import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { SipParseError, NoTransportError, TransportError } from '../errors.js';
import type { SipMessage, SipResponse } from '../message.js';
import { parseMessage } from '../parser.js';
import { serializeMessage } from '../serializer.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { ConnectionPool, type StreamProtocol } from './connection-pool.js';
import { addressFamily, canonicalAddress, endpointKey, type AddressFamily } from './endpoint.js';
import { isReliable } from './protocol.js';
import { stampTopVia } from './receive-rules.js';
import { refusalFor } from './refusal.js';
import { responseDestination } from './response-destination.js';
import type { ConnectionUnit, StreamConnection } from './stream-connection.js';
import { StreamListener } from './stream-listener.js';
import type { Endpoint, InboundMessage, ListenSpec, TlsFiles, TransportProtocol, TransportStats } from './types.js';
import { UdpListener } from './udp-listener.js';

export { isReliable } from './protocol.js';

export interface TransportLayerOptions {
  /** Largest message accepted, in bytes (default 65536). */
  maxMessageSize?: number;
  logger?: Logger;
  /** A TCP/TLS connection without traffic for this long is closed (default 3 minutes). */
  idleTimeoutMs?: number;
  /** Longest wait for an outbound TCP connect and TLS handshake (default 10 s). */
  connectTimeoutMs?: number;
  /** Certificate and CA for connections we open over TLS; default: those of the first TLS listener. */
  tlsClient?: TlsFiles;
}

export interface SendOptions {
  /** Send on this connection while it is open (e.g. the flow a dialog or registration uses). */
  connectionId?: string;
  /** TLS: the host name the destination was resolved from, sent as SNI and verified. */
  serverName?: string;
}

export interface ClosedConnection {
  connectionId: string;
  remote: Endpoint;
}

/** Where a message came in: enough to route an answer back. */
interface Arrival {
  protocol: TransportProtocol;
  source: Endpoint;
  local: Endpoint;
  connectionId?: string;
}

const DEFAULT_MAX_MESSAGE_SIZE = 65536;
const DEFAULT_IDLE_TIMEOUT_MS = 180_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class TransportLayer extends EventEmitter<{
  message: [InboundMessage];
  /** A TCP/TLS connection ended (peer, idle timeout, error): flows on it are gone. */
  connectionClosed: [ClosedConnection];
}> {
  readonly stats: TransportStats = {
    received: 0,
    sent: 0,
    malformed: 0,
    oversized: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
  };
  private readonly maxMessageSize: number;
  private readonly logger: Logger;
  private readonly udpListeners: UdpListener[] = [];
  private readonly streamListeners: StreamListener[] = [];
  private readonly pool: ConnectionPool;
  /** Files for connections we open over TLS; read by the first such connect. */
  private tlsClientFiles: TlsFiles | undefined;
  private tlsClient: ConnectionOptions | undefined;
  private closing: Promise<void> | undefined;

  constructor(opts: TransportLayerOptions = {}) {
    super();
    this.maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.logger = opts.logger ?? silentLogger;
    this.pool = new ConnectionPool({
      maxMessageSize: this.maxMessageSize,
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      logger: this.logger,
      stats: this.stats,
      onUnit: (unit, connection) => this.onStreamUnit(unit, connection),
      onClose: (connection) =>
        this.emitSafely(() => this.emit('connectionClosed', { connectionId: connection.id, remote: connection.remote })),
    });
    this.tlsClientFiles = opts.tlsClient;
  }

  async listen(spec: ListenSpec): Promise<Endpoint> {
    this.assertOpen();
    const address = canonicalAddress(spec.address);
    if (spec.protocol === 'udp') {
      const listener = await UdpListener.bind(address, spec.port, this.logger, (data, source, at) =>
        this.onDatagram(data, source, at),
      );
      return this.keep(listener, this.udpListeners);
    }
    let tls: TlsOptions | undefined;
    if (spec.protocol === 'tls') {
      if (!spec.tls) throw new TransportError('a TLS listener needs a certificate and a key');
      tls = await loadTlsFiles(spec.tls);
      this.tlsClientFiles ??= spec.tls;
    }
    const protocol: StreamProtocol = spec.protocol;
    const listener = await StreamListener.listen(protocol, address, spec.port, tls, this.logger, (socket) =>
      this.pool.accept(socket, protocol),
    );
    return this.keep(listener, this.streamListeners);
  }

  /**
   * Swaps the TLS certificate, key and CA (SIGHUP): every TLS listener serves the new ones to new
   * connections, and connections we open from now on present them. Established connections keep
   * theirs. Unreadable files reject with a TransportError and change nothing.
   */
  async reloadTls(files: TlsFiles): Promise<void> {
    this.assertOpen();
    const tls = await loadTlsFiles(files);
    const client = await tlsClientOptions(files);
    for (const listener of this.streamListeners) listener.replaceCertificate(tls);
    this.tlsClientFiles = files;
    this.tlsClient = client;
  }

  /** Sends a request (or a stateless response) to `destination`. */
  async send(message: SipMessage, destination: Endpoint, opts: SendOptions = {}): Promise<void> {
    try {
      this.assertOpen();
      const data = serializeMessage(message);
      const resolved = resolveEndpoint(destination);
      const target = resolved instanceof Promise ? await resolved : resolved;
      if (target.protocol === 'udp') {
        await this.udpListenerFor(addressFamily(target.address)).send(data, target);
      } else {
        const given = opts.connectionId === undefined ? undefined : this.pool.get(opts.connectionId);
        // A destination given by name is checked against the certificate under that name.
        const serverName = opts.serverName ?? (isIP(destination.address) === 0 ? destination.address : undefined);
        const connection = given ?? (await this.connectionTo(target, serverName));
        await connection.write(data);
      }
      this.stats.sent++;
    } catch (error) {
      throw asTransportError(error, `cannot send to ${endpointKey(destination)}`);
    }
  }

  /** Sends a response where RFC 3261 §18.2.2 and RFC 3581 say it goes. */
  sendResponse(response: SipResponse, request: InboundMessage): Promise<void> {
    const arrival: Arrival = {
      protocol: request.local.protocol,
      source: request.source,
      local: request.local,
    };
    if (request.connectionId !== undefined) arrival.connectionId = request.connectionId;
    return this.routeResponse(response, arrival);
  }

  /** A listening endpoint of `protocol` (of `family` when given), for Via sent-by and Contact. */
  localEndpoint(protocol: TransportProtocol, family?: AddressFamily): Endpoint {
    const listeners = protocol === 'udp' ? this.udpListeners : this.streamListeners;
    const found = listeners.find(
      (l) => l.endpoint.protocol === protocol && (family === undefined || addressFamily(l.endpoint.address) === family),
    );
    if (!found) throw new NoTransportError(`no ${protocol} listener${family ? ` for IPv${family}` : ''}`);
    return { ...found.endpoint };
  }

  /** Closes every listener and connection; calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= Promise.all([
      ...this.udpListeners.map((l) => l.close()),
      ...this.streamListeners.map((l) => l.close()),
      this.pool.closeAll(),
    ]).then(() => undefined);
    return this.closing;
  }

  private async keep<L extends UdpListener | StreamListener>(listener: L, into: L[]): Promise<Endpoint> {
    if (this.closing) {
      // close() ran while this listener was being bound.
      await listener.close();
      throw new TransportError('transport layer is closed');
    }
    into.push(listener);
    this.logger.info({ local: listener.endpoint }, 'SIP transport listening');
    return { ...listener.endpoint };
  }

  private assertOpen(): void {
    if (this.closing) throw new TransportError('transport layer is closed');
  }

  private onDatagram(data: Buffer, source: Endpoint, listener: UdpListener): void {
    if (data.length > this.maxMessageSize) {
      this.stats.oversized++;
      this.logger.warn({ source, size: data.length, limit: this.maxMessageSize }, 'oversized SIP datagram dropped');
      return;
    }
    // CRLF keep-alives that some UAs send over UDP too: nothing to answer.
    if (isBlank(data)) return;
    this.onMessageBytes(data, { protocol: 'udp', source, local: listener.endpoint }, true);
  }

  private onStreamUnit(unit: ConnectionUnit, connection: StreamConnection): void {
    const arrival: Arrival = {
      protocol: connection.local.protocol,
      source: connection.remote,
      local: connection.local,
      connectionId: connection.id,
    };
    switch (unit.kind) {
      case 'message':
        this.onMessageBytes(unit.data, arrival, false);
        break;
      case 'malformed':
        this.onMalformed(unit.head, arrival, unit.reason);
        break;
      case 'oversized':
        this.stats.oversized++;
        this.logger.warn(
          { source: arrival.source, size: unit.size, limit: this.maxMessageSize },
          'oversized SIP message refused',
        );
        this.refuse(unit.head, arrival, 513, 'Message Too Large');
        break;
    }
  }

  private onMessageBytes(data: Buffer, arrival: Arrival, datagram: boolean): void {
    let message: SipMessage;
    try {
      message = parseMessage(data, { datagram });
      if (message.kind === 'request') stampTopVia(message, arrival.source);
    } catch (error) {
      if (!(error instanceof SipParseError)) this.logger.error({ err: error }, 'unexpected SIP parser failure');
      this.onMalformed(data, arrival, error instanceof SipParseError ? error.reason : 'unparsable message');
      return;
    }
    this.stats.received++;
    const inbound: InboundMessage = { message, source: arrival.source, local: arrival.local };
    if (arrival.connectionId !== undefined) inbound.connectionId = arrival.connectionId;
    this.emitSafely(() => this.emit('message', inbound));
  }

  private onMalformed(data: Buffer, arrival: Arrival, reason: string): void {
    this.stats.malformed++;
    this.logger.debug({ source: arrival.source, reason }, 'malformed SIP message');
    this.refuse(data, arrival, 400, `Bad Request (${reason})`);
  }

  /** Answers a request we cannot take, when enough of it can be read to route an answer. */
  private refuse(data: Buffer, arrival: Arrival, status: number, reason: string): void {
    let response: SipResponse | undefined;
    try {
      response = refusalFor(data, status, reason);
      if (response) stampTopVia(response, arrival.source);
    } catch (error) {
      this.logger.debug({ err: error, source: arrival.source }, `cannot answer ${status}: dropped`);
      return;
    }
    if (!response) return;
    this.routeResponse(response, arrival).catch((error: unknown) =>
      this.logger.warn({ err: error, source: arrival.source }, `could not send ${status}`),
    );
  }

  private async routeResponse(response: SipResponse, arrival: Arrival): Promise<void> {
    try {
      this.assertOpen();
      const data = serializeMessage(response);
      if (isReliable(arrival.protocol)) {
        const open = arrival.connectionId === undefined ? undefined : this.pool.get(arrival.connectionId);
        const connection =
          open ?? (await this.connectionTo(await resolveEndpoint(responseDestination(response.topVia, arrival.protocol))));
        await connection.write(data);
      } else {
        const resolved = resolveEndpoint(responseDestination(response.topVia, 'udp'));
        const destination = resolved instanceof Promise ? await resolved : resolved;
        // From the socket the request came in on, so that NATs let the response through.
        const listener =
          this.udpListeners.find((l) => sameEndpoint(l.endpoint, arrival.local)) ?? this.udpListenerFor(addressFamily(destination.address));
        await listener.send(data, destination);
      }
      this.stats.sent++;
    } catch (error) {
      throw asTransportError(error, `cannot send ${response.status} response`);
    }
  }

  private udpListenerFor(family: AddressFamily): UdpListener {
    const listener = this.udpListeners.find((l) => l.family === family);
    if (!listener) throw new TransportError(`no UDP listener for IPv${family}`);
    return listener;
  }

  private async connectionTo(target: Endpoint, serverName?: string): Promise<StreamConnection> {
    const protocol = target.protocol as StreamProtocol;
    if (protocol === 'tls' && !this.tlsClient) this.tlsClient = await tlsClientOptions(this.tlsClientFiles);
    return this.pool.obtain({ ...target, protocol }, { tls: this.tlsClient, serverName });
  }

  /** A listener that throws must not break the socket callback it runs in. */
  private emitSafely(emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.logger.error({ err: error }, 'SIP transport event handler threw');
    }
  }
}

function isBlank(data: Buffer): boolean {
  for (const byte of data) if (byte !== 0x0d && byte !== 0x0a) return false;
  return true;
}

function asTransportError(error: unknown, context: string): TransportError {
  if (error instanceof TransportError) return error;
  return new TransportError(`${context}: ${(error as Error)?.message ?? String(error)}`, error);
}

/**
 * Endpoints carry addresses; a Via sent-by may still hold a name, looked up here. An address is
 * returned as is, not through a promise: nearly every send has one, and awaiting costs a turn.
 */
function resolveEndpoint(endpoint: Endpoint): Endpoint | Promise<Endpoint> {
  const address = canonicalAddress(endpoint.address);
  if (isIP(address) !== 0) return address === endpoint.address ? endpoint : { ...endpoint, address };
  return lookup(address).then((found) => ({ ...endpoint, address: found.address }));
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address && a.protocol === b.protocol;
}

async function loadTlsFiles(files: TlsFiles): Promise<TlsOptions> {
  try {
    const [cert, key, ca] = await Promise.all([
      readFile(files.certFile),
      readFile(files.keyFile),
      files.caFile === undefined ? undefined : readFile(files.caFile),
    ]);
    return ca === undefined ? { cert, key } : { cert, key, ca };
  } catch (error) {
    throw new TransportError(`cannot read TLS files: ${(error as Error).message}`, error);
  }
}

/** Peers are verified against the CA file when there is one, and not verified otherwise. */
async function tlsClientOptions(files: TlsFiles | undefined): Promise<ConnectionOptions> {
  if (!files) return { rejectUnauthorized: false };
  const { cert, key, ca } = await loadTlsFiles(files);
  return ca === undefined ? { cert, key, rejectUnauthorized: false } : { cert, key, ca, rejectUnauthorized: true };
}
