// The boundary between transports and the transaction layer.
import type { SipMessage } from '../message.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

/** One side of a flow: protocol, IP address (IPv6 without brackets) and port. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle used to verify peers; absent = peers are not verified. */
  caFile?: string;
}

export interface ListenSpec {
  protocol: TransportProtocol;
  address: string;
  /** 0 = the kernel chooses. */
  port: number;
  tls?: TlsFiles;
}

/** A message received by a transport, with where it came from. */
export interface InboundMessage {
  message: SipMessage;
  /** The remote side (source address and port of the packet or connection). */
  source: Endpoint;
  /** The local listening or connected endpoint it arrived on. */
  local: Endpoint;
  /** Set for connection-oriented transports: responses go back on this connection first. */
  connectionId?: string;
}

/** Counters every transport keeps (exported as metrics by the admin API later). */
export interface TransportStats {
  received: number;
  sent: number;
  /** Datagrams or stream messages that failed to parse (requests answered 400 are counted here too). */
  malformed: number;
  /** Messages over the size limit (dropped, or refused on streams). */
  oversized: number;
  connectionsOpened: number;
  connectionsClosed: number;
}
