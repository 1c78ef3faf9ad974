// MediaEngine: the typed JS face of the native media engine (native/src/engine).
//
// API (the capacity benchmark and the B2BUA core drive bridges only through these calls):
//
//   const engine = new MediaEngine({ threads: 1, audioPorts: '0', videoPorts: '0', rtpTimeoutMs: 30_000 });
//     threads       native media threads (`media-threads`), default: the number of cores
//     audioPorts    `audio-port`: '0' (kernel's choice), 'N', or 'MIN-MAX'; videoPorts likewise
//     rtpTimeoutMs  `no-rtp-timeout` in ms; 0 = never report
//     dataDirectory `[b2bua-server] data-directory`: keeps the DTLS certificate (dtls-identity.pem)
//                   across restarts; absent = a new certificate per process
//     handshakeTimeoutMs  a DTLS/ZRTP handshake not done by then fails (default 20000)
//   engine.dtlsFingerprint -> 'AB:CD:...'  (our a=fingerprint:sha-256)
//   const bridge = engine.createBridge([{ kind: 'audio', localAddresses: ['127.0.0.1', '127.0.0.1'] }]);
//     Every leg gets bound RTP and RTCP sockets now: ready ones from the engine's pool (refilled on a
//     media thread), else bound on the spot; throws PortsExhaustedError when the range is full.
//     bridge.streams[s].legs[l] -> { rtpPort, rtcpPort }   (leg 0 = caller side, leg 1 = callee side)
//   bridge.updateLeg(s, l, {
//     mode: 'none' | 'srtp' | 'dtls' | 'zrtp',
//     direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'   (default sendrecv; seen from the
//                 bridge: 'recvonly' = we only receive from this leg's peer, never send to it)
//     rtcpMux?: boolean,            (RFC 5761: RTCP on the RTP port, both ways)
//     clockRate?: number,           (for jitter; default 8000 audio / 90000 video)
//     remote?: { address, rtpPort, rtcpPort? },   (from SDP; rtcpPort defaults to rtpPort + 1, or
//                 rtpPort with rtcpMux; latched later on the first valid packet)
//     srtp?: { suite, sendKey, receiveKey },      (mode 'srtp': key || salt Buffers. sendKey protects
//                 what the bridge sends to this leg's peer; receiveKey checks what the peer sends)
//     dtls?: { setup: 'active' | 'passive', fingerprint },  (mode 'dtls': our role after RFC 5763
//                 negotiation, and the peer's sha-256 fingerprint. A new role or fingerprint restarts
//                 the handshake; media keeps the old keys until the new ones are ready)
//     zrtp?: { peerHelloHash? },                   (mode 'zrtp': the peer's a=zrtp-hash, once known)
//     ice?: { ufrag, pwd },                        (our ICE-lite credentials: STUN checks are answered)
//   });   Synchronous; applies before any packet sent after it returns. New keys = key rotation.
//   bridge.on('first-packet', ({ stream, leg, address, port }) => ...)
//   bridge.on('rtp-timeout', ({ stream, leg }) => ...)
//   bridge.zrtpHelloHash(s, l) -> '1.10 <hex>'  (our a=zrtp-hash; stable while the leg is in mode zrtp.
//                 Ask for every stream of a leg before its first zrtp updateLeg: video then joins the
//                 audio's ZRTP session in multistream mode)
//   bridge.on('dtls-connected', ({ stream, leg, role, profile }) => ...)   keys are in use from now on
//   bridge.on('dtls-failed', ({ stream, leg, reason }) => ...)
//   bridge.on('zrtp-secure', ({ stream, leg, sas, profile }) => ...)  each leg runs its own ZRTP: the
//                 two legs of a bridge show different SAS (the B2BUA is not a trusted ZRTP MitM)
//   bridge.on('zrtp-failed', ({ stream, leg, reason }) => ...)
//   await bridge.stats()  -> { streams: [{ kind, legs: [LegStats, LegStats] }] }  (counters, loss, jitter)
//   await bridge.close()  -> resolves once its sockets are closed and its ports are free again
//   engine.close()        -> joins the threads; every bridge is closed, and the pooled sockets. Synchronous.
import { availableParallelism } from 'node:os';
import { loadAddon, type NativeLegPorts, type NativeMediaEngine, type NativeMediaEvent } from '../native/addon.js';
import { MediaBridge, type StreamSpec } from './bridge.js';
import { EngineClosedError, native } from './errors.js';

export interface MediaEngineOptions {
  /** `media-threads`; default: one per core. */
  threads?: number;
  /** `audio-port`: '0', 'N' or 'MIN-MAX'. */
  audioPorts?: string;
  /** `video-port`: '0', 'N' or 'MIN-MAX'. */
  videoPorts?: string;
  /** `no-rtp-timeout` in milliseconds; 0 (default) = never report. */
  rtpTimeoutMs?: number;
  /** `data-directory`: where the DTLS certificate is kept; absent = a new one per process. */
  dataDirectory?: string;
  /** A DTLS or ZRTP handshake not finished this long after it started fails (default 20 s). */
  handshakeTimeoutMs?: number;
}

/** Where the addon's createBridge writes the ports: a bridge has at most 8 streams of 2 legs. */
const createdPorts = new Uint16Array(8 * 2 * 2);

const engineClosed = (): EngineClosedError => new EngineClosedError('the media engine is closed', 'ERR_MEDIA_ENGINE_CLOSED');

interface Pending {
  resolve(value: NativeMediaEvent): void;
  reject(error: Error): void;
}

export class MediaEngine {
  readonly #native: NativeMediaEngine;
  /** Read once: every call's SDP carries it, and it is fixed for the engine's life. */
  readonly #dtlsFingerprint: string;
  readonly #bridges = new Map<number, MediaBridge>();
  readonly #pending = new Map<number, Pending>();
  #nextRequest = 1;
  #closed = false;
  #wakeScheduled = false;

  constructor(options: MediaEngineOptions = {}) {
    const { MediaEngine: NativeEngine } = loadAddon();
    this.#native = native(
      () =>
        new NativeEngine(
          {
            threads: options.threads ?? availableParallelism(),
            audioPorts: options.audioPorts ?? '0',
            videoPorts: options.videoPorts ?? '0',
            rtpTimeoutMs: options.rtpTimeoutMs ?? 0,
            ...(options.dataDirectory === undefined ? {} : { dataDirectory: options.dataDirectory }),
            ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
          },
          (event) => this.#onEvent(event),
        ),
    );
    this.#dtlsFingerprint = native(() => this.#native.dtlsFingerprint());
  }

  /** Our certificate's SHA-256 fingerprint, 'AB:CD:...', for `a=fingerprint:sha-256`. */
  get dtlsFingerprint(): string {
    if (this.#closed) throw engineClosed();
    return this.#dtlsFingerprint;
  }

  get bridgeCount(): number {
    return this.#bridges.size;
  }

  createBridge(streams: StreamSpec[]): MediaBridge {
    this.#posted();
    const id = native(() => this.#native.createBridge(streams, createdPorts));
    const legPorts = (at: number): NativeLegPorts => ({ rtpPort: createdPorts[at]!, rtcpPort: createdPorts[at + 1]! });
    const created = { id, streams: streams.map((_, s): [NativeLegPorts, NativeLegPorts] => [legPorts(4 * s), legPorts(4 * s + 2)]) };
    const bridge = new MediaBridge(this.#native, created, streams, {
      request: (send) => this.#request(send),
      forget: (id) => this.#bridges.delete(id),
      posted: this.#posted,
    });
    this.#bridges.set(bridge.id, bridge);
    return bridge;
  }

  /** Stops the media threads; every bridge is closed with them. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
    this.#bridges.clear();
    for (const [, pending] of this.#pending) pending.reject(engineClosed());
    this.#pending.clear();
  }

  /**
   * Commands do not wake the media threads one by one (a syscall, and often an interrupt to the other
   * core, each): the threads with commands waiting are woken once, at the end of this event-loop turn.
   * A thread busy with packets runs waiting commands before its next packet anyway.
   */
  readonly #posted = (): void => {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      if (!this.#closed) this.#native.flushWakes();
    });
  };

  /** Sends a request carrying a fresh id; resolves with the worker's answer event. */
  #request(send: (requestId: number) => void): Promise<NativeMediaEvent> {
    if (this.#closed) return Promise.reject(engineClosed());
    const requestId = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      this.#posted();
      native(() => send(requestId));
      // Keep the process alive only while an answer is awaited.
      if (this.#pending.size === 0) this.#native.ref();
      this.#pending.set(requestId, { resolve, reject });
    });
  }

  #onEvent(event: NativeMediaEvent): void {
    if (event.type === 'stats' || event.type === 'closed') {
      const pending = this.#pending.get(event.requestId);
      if (!pending) return;
      this.#pending.delete(event.requestId);
      if (this.#pending.size === 0 && !this.#closed) this.#native.unref();
      pending.resolve(event);
      return;
    }
    this.#bridges.get(event.bridgeId)?.deliver(event);
  }
}
