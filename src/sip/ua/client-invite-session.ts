// An INVITE we send: early dialogs per To tag (forking), ACK for 2xx, CANCEL.
//
// Forking: every 1xx/2xx with a new To tag gets its own dialog. The first 2xx wins ('accepted');
// a 2xx from another branch is ACKed and then ended with BYE at once (the session is one call),
// and the remaining early dialogs end when the first 2xx arrives.
//
// The INVITE transaction waits 64*T1 after the 2xx (Timer M), far longer than most calls last under
// load. Once the accepted dialog has ended the session retires: it lets go of the INVITE and the
// dialogs, and tells the transaction to absorb the 2xx still arriving, unanswered. The peer's 2xx
// retransmission stops at our BYE or ACK; a fork that answers after the call is over ends its own
// dialog with a BYE once its 2xx goes unacknowledged for 64*T1 (RFC 3261 §13.3.1.4).
import { EventEmitter } from 'node:events';
import { SipHeaders } from '../headers.js';
import { SipRequest, type SipResponse } from '../message.js';
import type { SipUri } from '../uri.js';
import type { Endpoint } from '../transport/types.js';
import type { Dialog, DialogState } from '../dialog/dialog.js';
import type { MessageContent } from './messages.js';
import type { RequestSender } from './request-sender.js';
import { CallCancelledError } from './errors.js';
import { ClientInviteTransaction, type ClientTransaction } from '../transaction/client-transaction.js';

export type ClientInviteState = 'calling' | 'proceeding' | 'accepted' | 'rejected' | 'failed';

export interface ClientSessionHost {
  sender: RequestSender;
  /** Creates (and registers) the UAC dialog a response with a To tag establishes. */
  createUacDialog(invite: SipRequest, response: SipResponse, state: DialogState): Dialog;
  /** The session has its outcome: the UA stops tracking it. */
  clientSessionEnded(session: ClientInviteSession): void;
}

/**
 * Builds what goes into the ACK of the 2xx (e.g. the answer when the 2xx carried the offer). A
 * promise defers the ACK (a B2BUA waits for the answer from its other leg); the 2xx's
 * retransmissions are absorbed meanwhile.
 */
export type AckContentHook = (response: SipResponse) => MessageContent | Promise<MessageContent>;

interface ClientInviteEvents {
  provisional: [SipResponse, Dialog | undefined];
  /** The first 2xx: the ACK is already sent. */
  accepted: [SipResponse, Dialog];
  rejected: [SipResponse];
  /** Timer B, transport failure, unresolvable target, or a 2xx after cancel() (CallCancelledError). */
  failed: [Error];
}

export class ClientInviteSession extends EventEmitter<ClientInviteEvents> {
  state: ClientInviteState = 'calling';
  /** The dialog of the first 2xx (until the session retires, once that dialog ended). */
  dialog?: Dialog;
  readonly callId: string;
  /** The INVITE, until the session retires. */
  private request: SipRequest | undefined;
  private readonly early = new Map<string, Dialog>();
  private readonly forks = new Map<string, Dialog>();
  private destination?: Endpoint;
  private transaction?: ClientTransaction;
  private cancelRequested = false;
  private cancelSent = false;

  constructor(
    private readonly host: ClientSessionHost,
    request: SipRequest,
    private readonly nextHop: SipUri,
    private ackContent?: AckContentHook,
  ) {
    super();
    this.request = request;
    this.callId = request.callId;
  }

  /** Sends the INVITE (the UA calls this once listeners can be attached: results are async). */
  start(): void {
    if (!this.request) return;
    void this.host.sender
      .send(
        this.request,
        this.nextHop,
        { onResponse: (response) => this.onResponse(response), onError: (error) => this.fail(error) },
        { withContact: true },
      )
      .then((sent) => {
        if (!sent) return;
        this.destination = sent.destination;
        this.transaction = sent.transaction;
        if (this.cancelRequested && this.state === 'proceeding') this.sendCancel();
      });
  }

  /**
   * Cancels the call (§9.1). The CANCEL goes out once a provisional response has arrived; the
   * INVITE then ends with 487 ('rejected'). No effect after a final response.
   */
  cancel(): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.cancelRequested = true;
    if (this.state === 'proceeding') this.sendCancel();
  }

  private sendCancel(): void {
    const invite = this.request;
    if (this.cancelSent || !this.destination || !invite) return;
    this.cancelSent = true;
    if (this.transaction instanceof ClientInviteTransaction) this.transaction.cancelSent();
    const headers = new SipHeaders();
    headers.append('Via', invite.headers.get('Via') ?? '');
    for (const route of invite.headers.getLines('Route')) headers.append('Route', route);
    headers.append('Max-Forwards', '70');
    headers.append('From', invite.headers.get('From') ?? '');
    headers.append('To', invite.headers.get('To') ?? '');
    headers.append('Call-ID', invite.callId);
    headers.append('CSeq', `${invite.cseq.seq} CANCEL`);
    const cancel = new SipRequest('CANCEL', invite.uri, headers);
    this.host.sender.sendPrepared(cancel, this.destination, {
      onResponse: () => undefined,
      // A lost CANCEL leaves the INVITE to its own outcome (a final response or Timer B).
      onError: () => undefined,
    });
  }

  private onResponse(response: SipResponse): void {
    const status = response.status;
    const tag = response.to.params.get('tag') ?? '';
    if (status < 200) {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      this.state = 'proceeding';
      const dialog = status > 100 && tag ? this.earlyDialog(tag, response) : undefined;
      if (this.cancelRequested) this.sendCancel();
      this.emit('provisional', response, dialog);
      return;
    }
    if (status < 300) {
      this.on2xx(response, tag);
      return;
    }
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.state = 'rejected';
    this.host.clientSessionEnded(this);
    this.endEarlyDialogs();
    this.settle('rejected', response);
  }

  private on2xx(response: SipResponse, tag: string): void {
    if (!this.request) return;
    const known = this.dialog?.remoteTag === tag ? this.dialog : this.forks.get(tag);
    if (known) {
      known.resendAck(response);
      return;
    }
    if (this.dialog || this.state === 'failed' || this.state === 'rejected') {
      this.hangUpFork(response, tag);
      return;
    }
    const dialog = this.early.get(tag) ?? this.host.createUacDialog(this.request, response, 'confirmed');
    this.early.delete(tag);
    dialog.confirm(response);
    this.retireWhenEnded(dialog);
    const content = this.ackContent?.(response) ?? {};
    if (content instanceof Promise) void content.then((ready) => dialog.ack(response, ready));
    else dialog.ack(response, content);
    this.dialog = dialog;
    this.host.clientSessionEnded(this);
    this.endEarlyDialogs();
    if (this.cancelRequested) {
      this.state = 'failed';
      dialog.bye().catch(() => undefined);
      this.settle('failed', new CallCancelledError(this.callId));
      return;
    }
    this.state = 'accepted';
    this.settle('accepted', response, dialog);
  }

  /** A method of its own: a closure made in on2xx would share its scope, and hold the 2xx all call long. */
  private retireWhenEnded(dialog: Dialog): void {
    dialog.once('terminated', () => this.retire());
  }

  /** The accepted dialog ended: what the waiting INVITE transaction keeps of the call is let go. */
  private retire(): void {
    this.request = undefined;
    this.dialog = undefined;
    this.transaction?.ignoreLaterResponses();
    this.transaction = undefined;
    this.forks.clear();
  }

  /** A 2xx from a second branch: ACK it, then BYE it (the session keeps the first answer). */
  private hangUpFork(response: SipResponse, tag: string): void {
    if (!this.request) return;
    const fork = this.early.get(tag) ?? this.host.createUacDialog(this.request, response, 'confirmed');
    this.early.delete(tag);
    fork.confirm(response);
    fork.ack(response);
    this.forks.set(tag, fork);
    fork.bye().catch(() => undefined);
  }

  private earlyDialog(tag: string, response: SipResponse): Dialog | undefined {
    let dialog = this.early.get(tag);
    if (!dialog) {
      if (!this.request) return undefined;
      dialog = this.host.createUacDialog(this.request, response, 'early');
      this.early.set(tag, dialog);
    } else {
      // §12.1.2: a later 1xx may refresh the target of the early dialog.
      const contact = response.contacts[0];
      if (contact) dialog.remoteTarget = contact.uri;
    }
    return dialog;
  }

  private endEarlyDialogs(): void {
    for (const dialog of this.early.values()) dialog.terminate('not-established');
    this.early.clear();
  }

  /** Ends the attempt with `error` ('failed'); no effect once the call has its outcome. */
  fail(error: Error): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.state = 'failed';
    this.host.clientSessionEnded(this);
    this.endEarlyDialogs();
    this.settle('failed', error);
  }

  /**
   * Emits the outcome, the session's last event: listeners are then dropped. The INVITE transaction
   * keeps the session for 64*T1 (Timer M) to ACK 2xx retransmissions, and the listeners would keep
   * the caller's whole call with it that long (at 1,000 calls/s, 32,000 ended calls).
   */
  private settle<E extends 'accepted' | 'rejected' | 'failed'>(event: E, ...args: ClientInviteEvents[E]): void {
    (this.emit as (event: E, ...args: ClientInviteEvents[E]) => boolean)(event, ...args);
    this.removeAllListeners();
    // Only the first 2xx's ACK asks for content (a fork's 2xx is ACKed empty); the hook is the caller's too.
    this.ackContent = undefined;
  }
}
