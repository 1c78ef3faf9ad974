// An INVITE received outside any dialog: the application rings, accepts or rejects it.
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../message.js';
import type { InboundMessage } from '../transport/types.js';
import type { ServerInviteTransaction } from '../transaction/server-transaction.js';
import type { Dialog, DialogState } from '../dialog/dialog.js';
import { buildResponse, type MessageContent, type ResponseOptions } from './messages.js';
import { SessionStateError } from './errors.js';
import { newTag } from './ids.js';

export type ServerInviteState = 'incoming' | 'early' | 'accepted' | 'confirmed' | 'rejected' | 'cancelled' | 'failed';

/** What a session needs from its user agent. */
export interface ServerSessionHost {
  /** Creates (and registers) the UAS dialog of this INVITE. */
  createUasDialog(request: SipRequest, inbound: InboundMessage, localTag: string, state: DialogState): Dialog;
  /** The session reached a final state: CANCEL can no longer reach it. */
  forgetSession(session: ServerInviteSession): void;
  contactAt(inbound: InboundMessage): string;
  server?: string;
}

export interface ProgressOptions extends MessageContent {
  reason?: string;
}

export interface RejectOptions {
  reason?: string;
  headers?: ResponseOptions['headers'];
}

export class ServerInviteSession extends EventEmitter<{
  /** The caller cancelled: 487 was sent to the INVITE. */
  cancel: [SipRequest];
  /** The ACK of our 2xx (may carry an answer when the 2xx made the offer); emitted before accept() resolves, not kept. */
  ack: [SipRequest];
  /** Timer H or a transport failure on the INVITE transaction. */
  failed: [Error];
}> {
  readonly localTag = newTag();
  state: ServerInviteState = 'incoming';
  dialog?: Dialog;

  constructor(
    private readonly host: ServerSessionHost,
    readonly transaction: ServerInviteTransaction,
    readonly request: SipRequest,
    readonly inbound: InboundMessage,
  ) {
    super();
  }

  /** Sends a provisional response (180 by default); 101-199 create the early dialog, returned. */
  progress(status = 180, options: ProgressOptions = {}): Dialog | undefined {
    if (status < 100 || status > 199) throw new RangeError(`not a provisional status: ${status}`);
    if (this.state !== 'incoming' && this.state !== 'early') throw new SessionStateError('progress', this.state);
    if (status > 100) {
      this.dialog ??= this.host.createUasDialog(this.request, this.inbound, this.localTag, 'early');
      this.state = 'early';
    }
    this.transaction.respond(this.response(status, options, status > 100));
    return this.dialog;
  }

  /**
   * Sends 200 OK (with `content`, e.g. the SDP answer) and resolves with the confirmed dialog once
   * the ACK arrives. Rejects with AckTimeoutError when none comes in 64*T1 (the call is then BYEd).
   */
  async accept(content: MessageContent & { status?: number; reason?: string } = {}): Promise<Dialog> {
    if (this.state !== 'incoming' && this.state !== 'early') throw new SessionStateError('accept', this.state);
    const status = content.status ?? 200;
    const dialog = (this.dialog ??= this.host.createUasDialog(this.request, this.inbound, this.localTag, 'confirmed'));
    dialog.state = 'confirmed';
    this.state = 'accepted';
    const response = this.response(status, content, true);
    this.transaction.respond(response);
    this.host.forgetSession(this);
    try {
      const ack = await dialog.awaitAck(response, this.inbound);
      this.state = 'confirmed';
      this.emit('ack', ack);
      return dialog;
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  /** Sends a final non-2xx response (486 Busy Here by default). */
  reject(status = 486, options: RejectOptions = {}): void {
    if (status < 300) throw new RangeError(`not a rejection status: ${status}`);
    if (this.state !== 'incoming' && this.state !== 'early') throw new SessionStateError('reject', this.state);
    this.state = 'rejected';
    this.transaction.respond(this.response(status, options, false));
    this.end();
  }

  /** Called by the UA for a CANCEL that matched this INVITE (§9.2). */
  cancelled(cancel: SipRequest): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    this.state = 'cancelled';
    this.transaction.respond(this.response(487, {}, false));
    this.end();
    this.emit('cancel', cancel);
  }

  /** Called by the UA when the INVITE transaction failed. */
  failed(error: Error): void {
    if (this.state === 'failed' || this.state === 'confirmed') return;
    this.state = 'failed';
    this.end();
    this.emit('failed', error);
  }

  private end(): void {
    this.dialog?.terminate('not-established');
    this.host.forgetSession(this);
  }

  private response(status: number, options: ResponseOptions, dialogCreating: boolean): SipResponse {
    const full: ResponseOptions = { ...options, toTag: this.localTag };
    if (this.host.server) full.server = this.host.server;
    if (dialogCreating) {
      full.contact = this.host.contactAt(this.inbound);
      full.copyRecordRoute = true;
    }
    return buildResponse(this.request, status, full);
  }
}
