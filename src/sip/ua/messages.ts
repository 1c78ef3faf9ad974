// Building the requests and responses the UA sends (RFC 3261 §8.1.1, §8.2.6, §12.2.1.1).
import { SipHeaders } from '../headers.js';
import { SipRequest, SipResponse } from '../message.js';
import type { SipUri } from '../uri.js';
import { reasonPhrase } from './reason-phrases.js';

/** Extra headers given by the application: a value per name, or several lines. */
export type HeaderInput = Record<string, string | string[]>;

export interface MessageContent {
  headers?: HeaderInput;
  body?: Buffer | string;
  /** Content-Type of the body; `application/sdp` by default when there is a body. */
  contentType?: string;
}

export interface ResponseOptions extends MessageContent {
  reason?: string;
  /** Added to To when it has no tag yet (every response but 100 to a request without a To tag). */
  toTag?: string;
  /** Contact of dialog-creating and target-refresh responses. */
  contact?: string;
  /** Copy Record-Route (responses that create a dialog, §12.1.1). */
  copyRecordRoute?: boolean;
  /** The Server header. */
  server?: string;
}

export function addContent(headers: SipHeaders, content: MessageContent): Buffer {
  if (content.headers) appendHeaders(headers, content.headers);
  const body = toBuffer(content.body);
  if (body.length > 0 && !headers.has('Content-Type')) headers.append('Content-Type', content.contentType ?? 'application/sdp');
  // Content-Length is written by the serializer from the body.
  return body;
}

export function appendHeaders(headers: SipHeaders, input: HeaderInput): void {
  for (const [name, value] of Object.entries(input)) {
    if (Array.isArray(value)) for (const line of value) headers.append(name, line);
    else headers.append(name, value);
  }
}

function toBuffer(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return EMPTY;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

const EMPTY = Buffer.alloc(0);

/** §8.2.6.2: Via, From, To, Call-ID and CSeq copied from the request, To tagged. */
export function buildResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const src = request.headers;
  const headers = new SipHeaders();
  for (const via of src.getLines('Via')) headers.append('Via', via);
  if (options.copyRecordRoute) for (const rr of src.getLines('Record-Route')) headers.append('Record-Route', rr);
  headers.append('From', src.get('From') ?? '');
  const to = src.get('To') ?? '';
  headers.append('To', options.toTag && status > 100 && !request.to.params.has('tag') ? `${to};tag=${options.toTag}` : to);
  headers.append('Call-ID', request.callId);
  headers.append('CSeq', src.get('CSeq') ?? '');
  if (options.contact) headers.append('Contact', options.contact);
  if (options.server) headers.append('Server', options.server);
  const body = addContent(headers, options);
  return new SipResponse(status, options.reason ?? reasonPhrase(status), headers, body);
}

export interface RequestFields extends MessageContent {
  method: string;
  uri: SipUri;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  /** Route header lines, in order. */
  route?: string[];
  contact?: string;
  userAgent?: string;
}

/**
 * A request whose Via is a placeholder, kept first: the sender fills it once the next hop (and so
 * the transport) is known. Max-Forwards is 70 (§8.1.1.6).
 */
export function buildRequest(fields: RequestFields): SipRequest {
  const headers = new SipHeaders();
  headers.append('Via', '');
  for (const route of fields.route ?? []) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', fields.from);
  headers.append('To', fields.to);
  headers.append('Call-ID', fields.callId);
  headers.append('CSeq', `${fields.cseq} ${fields.method}`);
  if (fields.contact) headers.append('Contact', fields.contact);
  if (fields.userAgent) headers.append('User-Agent', fields.userAgent);
  const body = addContent(headers, fields);
  return new SipRequest(fields.method, fields.uri, headers, body);
}
