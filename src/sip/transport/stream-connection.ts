// One TCP or TLS connection, accepted or opened by us: framing, keep-alive answers, idle close,
// and writes that report failure as a rejected promise instead of an 'error' event.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { TransportError } from '../errors.js';
import type { Logger } from '../../log/logger.js';
import { makeEndpoint } from './endpoint.js';
import { StreamFramer, type StreamUnit } from './stream-framer.js';
import type { Endpoint, TransportProtocol } from './types.js';

const PONG = Buffer.from('\r\n');

/** What a connection hands up: pings and overflows are dealt with by the connection itself. */
export type ConnectionUnit = Extract<StreamUnit, { kind: 'message' | 'malformed' | 'oversized' }>;

export interface StreamConnectionOptions {
  maxMessageSize: number;
  idleTimeoutMs: number;
  logger: Logger;
}

export class StreamConnection extends EventEmitter<{ unit: [ConnectionUnit]; close: [] }> {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly framer: StreamFramer;
  private readonly logger: Logger;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    protocol: Exclude<TransportProtocol, 'udp'>,
    /** True when we opened it, false when a peer connected to one of our listeners. */
    readonly outbound: boolean,
    opts: StreamConnectionOptions,
  ) {
    super();
    this.local = makeEndpoint(protocol, socket.localAddress ?? '', socket.localPort ?? 0);
    this.remote = makeEndpoint(protocol, socket.remoteAddress ?? '', socket.remotePort ?? 0);
    this.framer = new StreamFramer(opts.maxMessageSize);
    this.logger = opts.logger;
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleTimeoutMs);
    socket.on('timeout', () => {
      this.logger.debug({ connection: id }, 'closing idle SIP connection');
      this.close();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.logger.debug({ connection: id, err: error }, 'SIP connection error'));
    socket.once('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Resolves once the bytes are handed to the kernel; rejects with a TransportError. */
  write(data: Buffer): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError(`connection ${this.id} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(new TransportError(`write on connection ${this.id} failed: ${error.message}`, error));
        else resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const unit of this.framer.push(chunk)) {
      if (unit.kind === 'ping') {
        this.socket.write(PONG);
      } else if (unit.kind === 'overflow') {
        this.logger.warn(
          { connection: this.id, buffered: unit.buffered },
          'SIP header block over the size limit without an end: closing the connection',
        );
        this.close();
      } else {
        this.emit('unit', unit);
      }
    }
  }
}
