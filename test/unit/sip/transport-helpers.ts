// Raw peers and message builders for the transport tests: the far side of each test is a plain
// socket, so what goes over the wire is exactly what is checked.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { SipHeaders } from '../../../src/sip/headers.js';
import { SipResponse, type SipMessage, type SipRequest } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import { StreamFramer } from '../../../src/sip/transport/stream-framer.js';
import type { InboundMessage, ListenSpec } from '../../../src/sip/transport/types.js';
import { TransportLayer, type TransportLayerOptions } from '../../../src/sip/transport/transport-layer.js';

/** Items in arrival order; `next()` waits for one when none is queued. */
export class Queue<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((item: T) => void)[] = [];

  push(item: T): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get size(): number {
    return this.items.length;
  }
}

interface Closable {
  close(): Promise<void>;
}

/** What a test opened, closed together in its afterEach. */
export class Closer {
  private readonly things: Closable[] = [];

  track<T extends Closable>(thing: T): T {
    this.things.push(thing);
    return thing;
  }

  closeAll(): Promise<void> {
    return Promise.all(this.things.splice(0).map((thing) => thing.close())).then(() => undefined);
  }
}

/** A layer listening on one transport (tracked by `closer`), with its inbox. */
export async function startLayer(closer: Closer, spec: ListenSpec, opts: TransportLayerOptions = {}) {
  const layer = closer.track(new TransportLayer(opts));
  const local = await layer.listen(spec);
  return { layer, local, messages: inbox(layer) };
}

/** Every message the layer emits, queued. */
export function inbox(layer: TransportLayer): Queue<InboundMessage> {
  const queue = new Queue<InboundMessage>();
  layer.on('message', (message) => queue.push(message));
  return queue;
}

export interface RequestText {
  method?: string;
  /** The whole top Via value, e.g. `SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;rport`. */
  via: string;
  callId?: string;
  /** Extra header lines, each ending in CRLF. */
  extra?: string;
  body?: string;
  /** Leave out Content-Length (malformed on streams). */
  noContentLength?: boolean;
}

export function requestText(r: RequestText): string {
  const method = r.method ?? 'OPTIONS';
  const body = r.body ?? '';
  return (
    `${method} sip:bob@example.org SIP/2.0\r\n` +
    `Via: ${r.via}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.org>;tag=a1\r\n' +
    'To: <sip:bob@example.org>\r\n' +
    `Call-ID: ${r.callId ?? 'call-1'}\r\n` +
    `CSeq: 1 ${method}\r\n` +
    (r.extra ?? '') +
    (r.noContentLength ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`) +
    `\r\n${body}`
  );
}

export function parsedRequest(via: string, callId = 'call-1'): SipRequest {
  return parseMessage(Buffer.from(requestText({ via, callId }))) as SipRequest;
}

/** A response to `request` as a UAS core would build it (RFC 3261 §8.2.6.2). */
export function responseTo(request: SipMessage, status = 200, reason = 'OK'): SipResponse {
  if (request.kind !== 'request') throw new Error(`expected a request, got a ${request.status} response`);
  const headers = new SipHeaders();
  for (const via of request.headers.getLines('Via')) headers.append('Via', via);
  headers.append('From', request.headers.get('From') ?? '');
  headers.append('To', `${request.headers.get('To') ?? ''};tag=b1`);
  headers.append('Call-ID', request.callId);
  headers.append('CSeq', request.headers.get('CSeq') ?? '');
  return new SipResponse(status, reason, headers);
}

export interface Datagram {
  text: string;
  port: number;
  address: string;
}

/** A bare UDP socket playing the remote UA. */
export class UdpPeer {
  readonly received = new Queue<Datagram>();

  private constructor(private readonly socket: UdpSocket, readonly port: number) {
    socket.on('message', (data, info) => this.received.push({ text: data.toString('latin1'), port: info.port, address: info.address }));
  }

  static async bind(address = '127.0.0.1'): Promise<UdpPeer> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new UdpPeer(socket, socket.address().port);
  }

  send(data: string | Buffer, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, address, (e) => (e ? reject(e) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A bare TCP client playing the remote UA; what it reads is framed into messages and CRLFs. */
export class TcpPeer {
  /** Whole messages read, as text. */
  readonly messages = new Queue<string>();
  /** Bytes read outside any message (keep-alive pongs). */
  readonly pongs = new Queue<true>();
  readonly closed: Promise<void>;
  private readonly framer = new StreamFramer(1 << 20);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      // A lone CRLF is a pong to our ping; the framer waits on it, so it is spotted here first.
      if (chunk.equals(Buffer.from('\r\n'))) return this.pongs.push(true);
      for (const unit of this.framer.push(chunk)) {
        if (unit.kind === 'message') this.messages.push(unit.data.toString('latin1'));
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new TcpPeer(socket));
      });
      socket.once('error', reject);
    });
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

/** Status line of a response text, e.g. `SIP/2.0 400 Bad Request (invalid URI)`. */
export function statusLine(text: string): string {
  return text.slice(0, text.indexOf('\r\n'));
}

/** Value of the first header `name` in a message text. */
export function headerOf(text: string, name: string): string | undefined {
  const match = new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(text);
  return match?.[1]?.trim();
}
