// The SIP message model: requests and responses with raw headers and parsed views on demand.
import { SipHeaders } from './headers.js';
import { SipParseError } from './errors.js';
import type { CSeq, NameAddr, Via } from './header-values.js';
import { parseCSeq, parseNameAddr, parseNameAddrList, parseViaList } from './header-values.js';
import type { SipUri } from './uri.js';

/** Parsed forms of the headers a proxy reads; one not yet read is parsed on first use. */
export interface HeaderViews {
  callId?: string;
  via?: Via[];
  from?: NameAddr;
  to?: NameAddr;
  cseq?: CSeq;
  contact?: NameAddr[];
  route?: NameAddr[];
  recordRoute?: NameAddr[];
}

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;
  /** Parsed views, valid while `headers` is `viewsOf` at version `viewsVersion` (headers are mutable). */
  private views: HeaderViews = {};
  private viewsOf: SipHeaders;
  private viewsVersion: number;

  constructor(headers: SipHeaders = new SipHeaders(), body: Buffer = Buffer.alloc(0)) {
    this.headers = headers;
    this.body = body;
    this.viewsOf = headers;
    this.viewsVersion = headers.version;
  }

  /** The cached views, emptied once the headers changed (or were replaced). */
  private current(): HeaderViews {
    if (this.viewsOf !== this.headers || this.viewsVersion !== this.headers.version) {
      this.views = {};
      this.viewsOf = this.headers;
      this.viewsVersion = this.headers.version;
    }
    return this.views;
  }

  /** Takes the views the parser already built while validating, so they are not parsed twice. */
  primeViews(views: HeaderViews): void {
    this.views = views;
    this.viewsOf = this.headers;
    this.viewsVersion = this.headers.version;
  }

  /**
   * For a message kept long after what it was built from (a final response held to be re-sent):
   * copies the header values it shares with the request's text, and drops the parsed views.
   */
  detachFromSource(): void {
    this.headers.ownValues();
    this.views = {};
  }

  private required(name: string): string {
    const value = this.headers.get(name);
    if (value === undefined) throw new SipParseError(`missing ${name} header`);
    return value;
  }

  get callId(): string {
    return (this.current().callId ??= this.required('Call-ID'));
  }

  get cseq(): CSeq {
    return (this.current().cseq ??= parseCSeq(this.required('CSeq')));
  }

  /** Every Via, top first, across all Via lines. */
  get vias(): Via[] {
    return (this.current().via ??= this.headers.getLines('Via').flatMap(parseViaList));
  }

  get topVia(): Via {
    const via = this.vias[0];
    if (!via) throw new SipParseError('missing Via header');
    return via;
  }

  get from(): NameAddr {
    return (this.current().from ??= parseNameAddr(this.required('From')));
  }

  get to(): NameAddr {
    return (this.current().to ??= parseNameAddr(this.required('To')));
  }

  get contacts(): NameAddr[] {
    return (this.current().contact ??= this.headers.getLines('Contact').flatMap(parseNameAddrList));
  }

  get routes(): NameAddr[] {
    return (this.current().route ??= this.headers.getLines('Route').flatMap(parseNameAddrList));
  }

  get recordRoutes(): NameAddr[] {
    return (this.current().recordRoute ??= this.headers.getLines('Record-Route').flatMap(parseNameAddrList));
  }

  get contentType(): string | undefined {
    return this.headers.get('Content-Type');
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;

  constructor(
    public method: string,
    public uri: SipUri,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }

  get maxForwards(): number | undefined {
    const value = this.headers.get('Max-Forwards');
    return value === undefined ? undefined : Number(value);
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;

  constructor(
    public status: number,
    public reason: string,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }
}

export type SipMessage = SipRequest | SipResponse;
