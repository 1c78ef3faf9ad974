// Sends the UA's requests: resolves the next hop, stamps Via (and Contact), and starts the client
// transaction, or sends an ACK for a 2xx outside any transaction.
import type { SipMessage, SipRequest, SipResponse } from '../message.js';
import type { SipUri } from '../uri.js';
import type { Endpoint, InboundMessage, TransportProtocol } from '../transport/types.js';
import { formatHostPort, addressFamily } from '../transport/endpoint.js';
import { resolveUri } from '../resolve.js';
import type { ClientTransaction } from '../transaction/client-transaction.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { newBranch } from './ids.js';

/** The part of TransportLayer the UA uses. */
export interface UaTransport {
  send(message: SipMessage, destination: Endpoint, opts?: { connectionId?: string }): Promise<void>;
  sendResponse(response: SipResponse, request: InboundMessage): Promise<void>;
  localEndpoint(protocol: TransportProtocol, family?: 4 | 6): Endpoint;
  on(event: 'message', listener: (inbound: InboundMessage) => void): unknown;
  off(event: 'message', listener: (inbound: InboundMessage) => void): unknown;
}

export interface OutgoingHandlers {
  onResponse(response: SipResponse, transaction: ClientTransaction): void;
  onError(error: Error): void;
}

export interface SendOptions {
  /** Add a Contact for the chosen transport (dialog-creating and target-refresh requests). */
  withContact?: boolean;
  /** Prefer this connection (the flow the dialog was created on). */
  connectionId?: string;
}

export interface Sent {
  transaction: ClientTransaction;
  destination: Endpoint;
}

export class RequestSender {
  constructor(
    private readonly layer: TransactionLayer,
    private readonly transport: UaTransport,
    private readonly contactUser: string | undefined,
  ) {}

  /** Resolves `nextHop`, completes the request, starts its transaction. Failures go to `onError`. */
  async send(request: SipRequest, nextHop: SipUri, handlers: OutgoingHandlers, options: SendOptions = {}): Promise<Sent | undefined> {
    let destination: Endpoint;
    try {
      destination = await resolveUri(nextHop);
      this.stamp(request, destination, options.withContact ?? false);
    } catch (error) {
      handlers.onError(error as Error);
      return undefined;
    }
    const transaction = this.layer.sendRequest(request, {
      destination,
      ...(options.connectionId ? { connectionId: options.connectionId } : {}),
      onResponse: handlers.onResponse,
      onError: handlers.onError,
    });
    return { transaction, destination };
  }

  /** Starts a transaction for a request already complete (a CANCEL reuses its INVITE's Via and hop). */
  sendPrepared(request: SipRequest, destination: Endpoint, handlers: OutgoingHandlers): ClientTransaction {
    return this.layer.sendRequest(request, { destination, onResponse: handlers.onResponse, onError: handlers.onError });
  }

  /** An ACK for a 2xx: its own branch, no transaction (§17.1.1.3, §13.2.2.4). Resolves with where it went. */
  async sendAck(ack: SipRequest, nextHop: SipUri, connectionId?: string): Promise<Endpoint> {
    const destination = await resolveUri(nextHop);
    this.stamp(ack, destination, false);
    await this.layer.sendStateless(ack, destination, connectionId);
    return destination;
  }

  /** Sends the same message again, outside any transaction (a retransmitted ACK). */
  resend(message: SipMessage, destination: Endpoint, connectionId?: string): void {
    this.layer.sendStateless(message, destination, connectionId).catch(() => {
      // The peer retransmits its 2xx again if this copy is lost too.
    });
  }

  /** Our Contact on the transport a request to `destination` goes out on. */
  contactFor(destination: Endpoint): string {
    return this.contactAt(this.transport.localEndpoint(destination.protocol, addressFamily(destination.address)));
  }

  /** Our Contact on a local endpoint (the one a request arrived on). */
  contactAt(local: Endpoint): string {
    const user = this.contactUser ? `${this.contactUser}@` : '';
    const transport = local.protocol === 'udp' ? '' : `;transport=${local.protocol}`;
    return `<sip:${user}${formatHostPort(local.address, local.port)}${transport}>`;
  }

  private stamp(request: SipRequest, destination: Endpoint, withContact: boolean): void {
    const local = this.transport.localEndpoint(destination.protocol, addressFamily(destination.address));
    const via = `SIP/2.0/${destination.protocol.toUpperCase()} ${formatHostPort(local.address, local.port)};branch=${newBranch()};rport`;
    request.headers.set('Via', via);
    if (withContact) request.headers.set('Contact', this.contactAt(local));
  }
}
