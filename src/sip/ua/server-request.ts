// A request received by the UA, waiting for the application's response.
import type { SipRequest, SipResponse } from '../message.js';
import type { InboundMessage } from '../transport/types.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { buildResponse, type ResponseOptions } from './messages.js';

export class ServerRequest {
  constructor(
    readonly transaction: ServerTransaction,
    readonly request: SipRequest,
    readonly inbound: InboundMessage,
    /** Tag, Contact, Server... the UA or dialog puts on every response to this request. */
    private readonly defaults: ResponseOptions,
    /** Runs after a final response is sent (a dialog starts 2xx retransmissions, ends on BYE...). */
    private readonly onFinal?: (response: SipResponse) => void,
  ) {}

  get method(): string {
    return this.request.method;
  }

  /** True once a final response was sent. */
  get answered(): boolean {
    return this.transaction.hasFinalResponse;
  }

  /** Sends a response; after a final one, further calls are ignored. */
  respond(status: number, options: ResponseOptions = {}): SipResponse | undefined {
    if (this.answered) return undefined;
    const response = buildResponse(this.request, status, { ...this.defaults, ...options });
    this.transaction.respond(response);
    if (status >= 200) this.onFinal?.(response);
    return response;
  }
}
