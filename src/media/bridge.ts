// MediaBridge: one bridged call's media in the native engine (see engine.ts for the whole API).
import { EventEmitter } from 'node:events';
import type { NativeLegPorts, NativeLegStats, NativeMediaEngine, NativeMediaEvent } from '../native/addon.js';
import { EngineClosedError, UnknownBridgeError, native } from './errors.js';
import type { SrtpSuiteName } from './suites.js';

export type MediaKind = 'audio' | 'video';
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type LegIndex = 0 | 1;

export interface StreamSpec {
  kind: MediaKind;
  /** Local address of leg 0 and leg 1 (IPv4 or IPv6, numeric; '0.0.0.0' / '::' for all). */
  localAddresses: [string, string];
}

export interface LegSettings {
  mode: 'none' | 'srtp' | 'dtls' | 'zrtp';
  direction?: MediaDirection;
  rtcpMux?: boolean;
  clockRate?: number;
  remote?: { address: string; rtpPort: number; rtcpPort?: number };
  srtp?: { suite: SrtpSuiteName; sendKey: Buffer; receiveKey: Buffer };
  /** Mode 'dtls': our role (a=setup active = DTLS client) and the peer's SHA-256 fingerprint. */
  dtls?: { setup: 'active' | 'passive'; fingerprint: string };
  /** Mode 'zrtp': the peer's a=zrtp-hash, when its SDP carried one. */
  zrtp?: { peerHelloHash?: string };
  /** Our ICE-lite credentials (a=ice-ufrag / a=ice-pwd): STUN Binding requests are answered. */
  ice?: { ufrag: string; pwd: string };
}

export type LegStats = NativeLegStats;

export interface BridgeStats {
  streams: { kind: MediaKind; legs: [LegStats, LegStats] }[];
}

export interface FirstPacketEvent {
  stream: number;
  leg: LegIndex;
  address: string;
  port: number;
}

export interface RtpTimeoutEvent {
  stream: number;
  leg: LegIndex;
}

export interface DtlsConnectedEvent {
  stream: number;
  leg: LegIndex;
  role: 'client' | 'server';
  profile: string;
}

export interface ZrtpSecureEvent {
  stream: number;
  leg: LegIndex;
  /** This leg's SAS: each leg runs its own ZRTP, so the two legs' SAS differ. */
  sas: string;
  profile: string;
}

export interface HandshakeFailedEvent {
  stream: number;
  leg: LegIndex;
  reason: string;
}

/** What the engine lends a bridge: its request channel and its registry. */
export interface BridgeHost {
  request(send: (requestId: number) => void): Promise<NativeMediaEvent>;
  forget(bridgeId: number): void;
  /** A command was posted to a media thread: it is woken at the end of this event-loop turn. */
  posted(): void;
}

export interface MediaBridge {
  on(event: 'first-packet', listener: (event: FirstPacketEvent) => void): this;
  on(event: 'rtp-timeout', listener: (event: RtpTimeoutEvent) => void): this;
  once(event: 'first-packet', listener: (event: FirstPacketEvent) => void): this;
  once(event: 'rtp-timeout', listener: (event: RtpTimeoutEvent) => void): this;
  on(event: 'dtls-connected', listener: (event: DtlsConnectedEvent) => void): this;
  once(event: 'dtls-connected', listener: (event: DtlsConnectedEvent) => void): this;
  on(event: 'zrtp-secure', listener: (event: ZrtpSecureEvent) => void): this;
  once(event: 'zrtp-secure', listener: (event: ZrtpSecureEvent) => void): this;
  on(event: 'dtls-failed' | 'zrtp-failed', listener: (event: HandshakeFailedEvent) => void): this;
  once(event: 'dtls-failed' | 'zrtp-failed', listener: (event: HandshakeFailedEvent) => void): this;
}

export class MediaBridge extends EventEmitter {
  readonly id: number;
  readonly streams: ReadonlyArray<{ kind: MediaKind; legs: readonly [NativeLegPorts, NativeLegPorts] }>;
  readonly #native: NativeMediaEngine;
  readonly #host: BridgeHost;
  #closing: Promise<void> | undefined;

  constructor(
    nativeEngine: NativeMediaEngine,
    created: { id: number; streams: [NativeLegPorts, NativeLegPorts][] },
    specs: StreamSpec[],
    host: BridgeHost,
  ) {
    super();
    this.id = created.id;
    this.streams = created.streams.map((legs, index) => ({ kind: specs[index]!.kind, legs }));
    this.#native = nativeEngine;
    this.#host = host;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  updateLeg(stream: number, leg: LegIndex, settings: LegSettings): void {
    this.#assertOpen();
    this.#host.posted();
    native(() => this.#native.updateLeg(this.id, stream, leg, settings)); // no direction = sendrecv, in the addon
  }

  /** Our a=zrtp-hash for a leg ('1.10 <hex>'), to put in its SDP before the peer answers. */
  zrtpHelloHash(stream: number, leg: LegIndex): string {
    this.#assertOpen();
    return native(() => this.#native.zrtpHelloHash(this.id, stream, leg));
  }

  async stats(): Promise<BridgeStats> {
    this.#assertOpen();
    const answer = await this.#host.request((requestId) => this.#native.requestStats(this.id, requestId));
    if (answer.type !== 'stats' || !answer.found) {
      throw new UnknownBridgeError(`bridge ${this.id} is closed`, 'ERR_MEDIA_UNKNOWN_BRIDGE');
    }
    return { streams: answer.streams };
  }

  /** Resolves once the sockets are closed and the ports are back in their range. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#host.forget(this.id);
      try {
        await this.#host.request((requestId) => this.#native.closeBridge(this.id, requestId));
      } catch (error) {
        if (!(error instanceof EngineClosedError)) throw error; // closing the engine closed it too
      }
    })();
    return this.#closing;
  }

  /** Called by the engine for this bridge's events. */
  deliver(event: NativeMediaEvent): void {
    if (event.type === 'first-packet') {
      this.emit('first-packet', { stream: event.stream, leg: event.leg as LegIndex, address: event.address, port: event.port });
    } else if (event.type === 'rtp-timeout') {
      this.emit('rtp-timeout', { stream: event.stream, leg: event.leg as LegIndex });
    } else if (event.type === 'dtls-connected') {
      this.emit('dtls-connected', { stream: event.stream, leg: event.leg as LegIndex, role: event.role, profile: event.profile });
    } else if (event.type === 'zrtp-secure') {
      this.emit('zrtp-secure', { stream: event.stream, leg: event.leg as LegIndex, sas: event.sas, profile: event.profile });
    } else if (event.type === 'dtls-failed' || event.type === 'zrtp-failed') {
      this.emit(event.type, { stream: event.stream, leg: event.leg as LegIndex, reason: event.reason });
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new UnknownBridgeError(`bridge ${this.id} is closed`, 'ERR_MEDIA_UNKNOWN_BRIDGE');
  }
}
