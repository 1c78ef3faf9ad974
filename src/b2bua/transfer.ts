// Call transfer across the B2BUA (reference §3.9, RFC 3515, RFC 5589): a REFER received on one leg
// is re-sent on the other leg, with its target translated by the application and, for an attended
// transfer, its embedded Replaces rewritten to the leg B dialog the B2BUA bridges; the NOTIFYs of
// the transfer's progress come back the other way.
//
// Fixed quirk: Flexisip reports every failed transfer as "500 Internal Server Error" in the sipfrag;
// we pass the transfer target's real final status ("486 Busy Here"), which the transferor's UA
// shows and which no UA needs to be 500. 1xx collapse to "100 Trying" and 2xx to "200 OK" as there.
import { formatNameAddr, parseNameAddr } from '../sip/header-values.js';
import { formatUri, type SipUri } from '../sip/uri.js';
import { SipParseError } from '../sip/errors.js';
import type { ServerRequest } from '../sip/ua/server-request.js';
import type { Dialog } from '../sip/dialog/dialog.js';

/** A dialog identified as RFC 3891's Replaces header does. */
export interface DialogReference {
  callId: string;
  fromTag: string;
  toTag: string;
}

/** Finds the leg B dialog bridged to the leg A dialog `replaces` names (§3.2 step 5). */
export type ReplacesLookup = (replaces: DialogReference) => { legB: DialogReference; legBTarget: SipUri } | undefined;

export function parseReplaces(value: string): DialogReference | undefined {
  const [callId, ...params] = value.split(';').map((part) => part.trim());
  const param = (name: string): string | undefined =>
    params.find((item) => item.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1);
  const fromTag = param('from-tag');
  const toTag = param('to-tag');
  // Without both tags the header is left as it is (reference §3.14).
  if (!callId || fromTag === undefined || toTag === undefined) return undefined;
  return { callId, fromTag, toTag };
}

export function formatReplaces(reference: DialogReference): string {
  return `${reference.callId};from-tag=${reference.fromTag};to-tag=${reference.toTag}`;
}

/** A Replaces header of an incoming INVITE, translated when it names a leg A we bridge. */
export function translateReplaces(value: string, lookup: ReplacesLookup): string {
  const reference = parseReplaces(value);
  const found = reference && lookup(reference);
  return found ? formatReplaces(found.legB) : value;
}

/**
 * The Refer-To target for the other leg: an embedded Replaces naming one of our leg A dialogs is
 * rewritten, and the target becomes that call's leg B party unless the application translated it.
 */
export function referTarget(referTo: SipUri, translated: SipUri | undefined, lookup: ReplacesLookup): SipUri {
  const replaces = referTo.headers.get('Replaces');
  const reference = replaces === undefined ? undefined : parseReplaces(replaces);
  const found = reference && lookup(reference);
  const target = translated ?? (found ? found.legBTarget : referTo);
  if (!found) return target;
  const headers = new Map(target.headers);
  headers.set('Replaces', formatReplaces(found.legB));
  return { ...target, headers };
}

export class TransferRelay {
  /** REFERs sent on each dialog whose NOTIFYs are still expected, keyed by dialog. */
  private readonly notifyTargets = new Map<Dialog, Dialog>();

  constructor(
    private readonly translate: (referTo: SipUri) => SipUri | undefined,
    private readonly lookup: ReplacesLookup,
  ) {}

  /** A REFER from `from`'s party: re-sent on `to`, its final status relayed back. */
  refer(request: ServerRequest, from: Dialog, to: Dialog): void {
    const header = request.request.headers.get('Refer-To');
    const referredBy = request.request.headers.get('Referred-By');
    let referTo: SipUri;
    let referrer: string | undefined;
    try {
      if (!header) throw new SipParseError('REFER without Refer-To');
      referTo = parseNameAddr(header).uri;
      referrer = referredBy === undefined ? undefined : formatNameAddr(parseNameAddr(referredBy));
    } catch (error) {
      if (!(error instanceof SipParseError)) throw error;
      request.respond(400, { reason: error.reason });
      return;
    }
    const target = referTarget(referTo, this.translate(referTo), this.lookup);
    const headers: Record<string, string> = { 'Refer-To': `<${formatUri(target)}>` };
    if (referrer) headers['Referred-By'] = referrer;
    this.notifyTargets.set(to, from);
    to.request('REFER', { headers })
      .then((response) => {
        if (response.status >= 300) this.notifyTargets.delete(to);
        request.respond(response.status, { reason: response.reason });
      })
      .catch(() => {
        this.notifyTargets.delete(to);
        request.respond(500, { reason: 'Transfer Could Not Be Relayed' });
      });
  }

  /** A NOTIFY on `on`: the progress of a transfer we relayed, mirrored to the transferor. */
  notify(request: ServerRequest, on: Dialog): void {
    const transferor = this.notifyTargets.get(on);
    if (!transferor || !/^refer\b/i.test(request.request.headers.get('Event') ?? '')) {
      request.respond(481, { reason: 'Subscription Does Not Exist' });
      return;
    }
    request.respond(200);
    const state = request.request.headers.get('Subscription-State') ?? 'active';
    if (/^terminated/i.test(state)) this.notifyTargets.delete(on);
    transferor
      .request('NOTIFY', {
        headers: { Event: 'refer', 'Subscription-State': state },
        contentType: 'message/sipfrag;version=2.0',
        body: `${sipfragStatus(request.request.body.toString('utf8'))}\r\n`,
      })
      .catch(() => undefined); // the transferor's own dialog ending is reported by its BYE
  }
}

/** The status line to mirror: 1xx → 100 Trying, 2xx → 200 OK, others as the target sent them. */
export function sipfragStatus(sipfrag: string): string {
  const match = /^SIP\/2\.0 (\d{3})(?: ([^\r\n]*))?/.exec(sipfrag);
  const status = match ? Number(match[1]) : 500;
  if (status < 200) return 'SIP/2.0 100 Trying';
  if (status < 300) return 'SIP/2.0 200 OK';
  return match ? `SIP/2.0 ${status} ${match[2] ?? ''}`.trimEnd() : 'SIP/2.0 500 Internal Server Error';
}
