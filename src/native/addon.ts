// Loads the native media addon (built by cmake-js, else by node-gyp) and types what it exports.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export type SrtpBackend = 'openssl' | 'nss';

export interface NativeVersions {
  libsrtp: string;
  libsrtpBackend: SrtpBackend;
  openssl: string;
  bzrtp: string;
}

export interface NativeSrtpSuite {
  name: string;
  keyLength: number;
  saltLength: number;
  rtpTagLength: number;
  rtcpTagLength: number;
}

/** One libsrtp session, in place on a Buffer (tests and tools; media packets never cross to JS). */
export interface NativeSrtpContext {
  /** Each returns the new length; the buffer needs `SRTP_TRAILER_ROOM` spare bytes to protect. */
  protectRtp(buffer: Buffer, length: number): number;
  unprotectRtp(buffer: Buffer, length: number): number;
  protectRtcp(buffer: Buffer, length: number): number;
  unprotectRtcp(buffer: Buffer, length: number): number;
}

export interface NativeSrtpContextConstructor {
  new (suite: string, keySalt: Buffer, direction: 'inbound' | 'outbound'): NativeSrtpContext;
}

export interface NativeEngineOptions {
  threads: number;
  audioPorts: string;
  videoPorts: string;
  rtpTimeoutMs: number;
  dataDirectory?: string;
  handshakeTimeoutMs?: number;
}

export interface NativeLegPorts {
  rtpPort: number;
  rtcpPort: number;
}

export interface NativeLegSettings {
  mode: 'none' | 'srtp' | 'dtls' | 'zrtp';
  /** Absent = sendrecv. */
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  rtcpMux?: boolean;
  clockRate?: number;
  remote?: { address: string; rtpPort: number; rtcpPort?: number };
  srtp?: { suite: string; sendKey: Buffer; receiveKey: Buffer };
  dtls?: { setup: 'active' | 'passive'; fingerprint: string };
  zrtp?: { peerHelloHash?: string };
  ice?: { ufrag: string; pwd: string };
}

export interface NativeLegStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  rtcpIn: number;
  rtcpOut: number;
  authFailures: number;
  replayFailures: number;
  droppedGarbage: number;
  droppedUnsupported: number;
  droppedAddress: number;
  droppedDirection: number;
  droppedNoDestination: number;
  droppedSend: number;
  droppedNotKeyed: number;
  handshakePackets: number;
  handshakeDropped: number;
  handshakeFailures: number;
  stunAnswered: number;
  stunRejected: number;
  rtpLost: number;
  jitterMs: number;
  ssrc: number;
  lastPacketTimeMs: number;
  remoteAddress: string;
  remotePort: number;
  latched: boolean;
}

export type NativeMediaEvent =
  | { type: 'first-packet'; bridgeId: number; stream: number; leg: number; address: string; port: number }
  | { type: 'rtp-timeout'; bridgeId: number; stream: number; leg: number }
  | {
      type: 'stats';
      bridgeId: number;
      requestId: number;
      found: boolean;
      streams: { kind: 'audio' | 'video'; legs: [NativeLegStats, NativeLegStats] }[];
    }
  | { type: 'closed'; bridgeId: number; requestId: number }
  | { type: 'dtls-connected'; bridgeId: number; stream: number; leg: number; role: 'client' | 'server'; profile: string }
  | { type: 'dtls-failed'; bridgeId: number; stream: number; leg: number; reason: string }
  | { type: 'zrtp-secure'; bridgeId: number; stream: number; leg: number; sas: string; profile: string }
  | { type: 'zrtp-failed'; bridgeId: number; stream: number; leg: number; reason: string };

export interface NativeMediaEngine {
  /**
   * Binds every leg's sockets and returns the bridge id. The ports go into `ports` (RTP then RTCP,
   * stream s leg l at 4s + 2l): no result object to build on the JS thread.
   */
  createBridge(streams: { kind: 'audio' | 'video'; localAddresses: [string, string] }[], ports: Uint16Array): number;
  updateLeg(bridgeId: number, stream: number, leg: number, settings: NativeLegSettings): void;
  closeBridge(bridgeId: number, requestId: number): void;
  requestStats(bridgeId: number, requestId: number): void;
  close(): void;
  /** Wakes the media threads that commands were posted to since the last call: commands do not wake them. */
  flushWakes(): void;
  /** Our certificate's SHA-256 fingerprint, "AB:CD:..." (a=fingerprint:sha-256). */
  dtlsFingerprint(): string;
  /** Our a=zrtp-hash value for a leg, "1.10 <hex>". */
  zrtpHelloHash(bridgeId: number, stream: number, leg: number): string;
  /** Keep the process alive while events are awaited (the engine is unref'd by default). */
  ref(): void;
  unref(): void;
}

export interface NativeMediaEngineConstructor {
  new (options: NativeEngineOptions, onEvent: (event: NativeMediaEvent) => void): NativeMediaEngine;
}

export interface NativeAddon {
  versions(): NativeVersions;
  srtpSuites(): NativeSrtpSuite[];
  /** Bytes malloc has handed out and not taken back, over all threads (glibc mallinfo2). */
  nativeHeapInUse(): number;
  /** Native bridges and libsrtp sessions alive in the process, over every engine. */
  liveObjects(): { bridges: number; srtpSessions: number };
  SrtpContext: NativeSrtpContextConstructor;
  MediaEngine: NativeMediaEngineConstructor;
}

/** Spare bytes past a packet that protect may write (libsrtp's SRTP_MAX_TRAILER_LEN + 4). */
export const SRTP_TRAILER_ROOM = 148;

export class AddonNotBuiltError extends Error {
  constructor(readonly searched: string[]) {
    super(`native addon not built (run \`npm run build:native\`); looked for: ${searched.join(', ')}`);
    this.name = 'AddonNotBuiltError';
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const candidates = [
  resolve(repoRoot, 'build/Release/b2bua_native.node'),
  resolve(repoRoot, 'build-gyp/build/Release/b2bua_native.node'),
];

let loaded: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) throw new AddonNotBuiltError(candidates);
  loaded = createRequire(import.meta.url)(path) as NativeAddon;
  return loaded;
}

export function nativeVersions(): NativeVersions {
  return loadAddon().versions();
}
