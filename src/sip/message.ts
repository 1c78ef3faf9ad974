// The SIP message model: requests and responses with raw headers and parsed views on demand.
import { SipHeaders } from './headers.js';
import { SipParseError } from './errors.js';
import type { CSeq, NameAddr, Via } from './header-values.js';
import { parseCSeq, parseNameAddr, parseNameAddrList, parseViaList } from './header-values.js';
import type { SipUri } from './uri.js';

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;
  /** Parsed views, valid while `headers.version` equals `cacheVersion`. */
  private cache = new Map<string, unknown>();
  private cacheVersion = -1;

  constructor(headers: SipHeaders = new SipHeaders(), body: Buffer = Buffer.alloc(0)) {
    this.headers = headers;
    this.body = body;
  }

  /** Parses a header view once per header-set version (headers are mutable). */
  protected view<T>(key: string, parse: () => T): T {
    this.syncCache();
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit as T;
    const value = parse();
    this.cache.set(key, value);
    return value;
  }

  /** Drops every cached view once the headers changed (or were replaced). */
  private syncCache(): void {
    if (this.cacheVersion === this.headers.version) return;
    this.cache.clear();
    this.cacheVersion = this.headers.version;
  }

  /**
   * Stores a view the parser already built while validating, under the accessor's key
   * ('via', 'from', 'to', 'cseq', 'contact', 'route', 'record-route'), so it is not parsed twice.
   */
  primeView(key: string, value: unknown): void {
    this.syncCache();
    this.cache.set(key, value);
  }

  private required(name: string): string {
    const value = this.headers.get(name);
    if (value === undefined) throw new SipParseError(`missing ${name} header`);
    return value;
  }

  get callId(): string {
    return this.required('Call-ID');
  }

  get cseq(): CSeq {
    return this.view('cseq', () => parseCSeq(this.required('CSeq')));
  }

  /** Every Via, top first, across all Via lines. */
  get vias(): Via[] {
    return this.view('via', () => this.headers.getLines('Via').flatMap(parseViaList));
  }

  get topVia(): Via {
    const via = this.vias[0];
    if (!via) throw new SipParseError('missing Via header');
    return via;
  }

  get from(): NameAddr {
    return this.view('from', () => parseNameAddr(this.required('From')));
  }

  get to(): NameAddr {
    return this.view('to', () => parseNameAddr(this.required('To')));
  }

  get contacts(): NameAddr[] {
    return this.view('contact', () => this.headers.getLines('Contact').flatMap(parseNameAddrList));
  }

  get routes(): NameAddr[] {
    return this.view('route', () => this.headers.getLines('Route').flatMap(parseNameAddrList));
  }

  get recordRoutes(): NameAddr[] {
    return this.view('record-route', () => this.headers.getLines('Record-Route').flatMap(parseNameAddrList));
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
