// Typed errors of the media engine. The addon throws Errors with a stable `code`; `fromNative`
// turns them into these classes (TypeErrors for bad arguments pass through unchanged).

export class MediaError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Every RTP/RTCP pair of the configured range (`audio-port` / `video-port`) is in use. */
export class PortsExhaustedError extends MediaError {}
/** The bridge was closed (or never existed). */
export class UnknownBridgeError extends MediaError {}
/** The engine was closed; create a new one. */
export class EngineClosedError extends MediaError {}
/** libsrtp refused a key or a packet. */
export class SrtpError extends MediaError {}
/** The DTLS certificate could not be loaded from, created or written to the data directory. */
export class DtlsIdentityError extends MediaError {}
/** bzrtp could not create a ZRTP context. */
export class ZrtpSetupError extends MediaError {}
/** A socket could not be created or bound (other than the range being full). */
export class MediaSocketError extends MediaError {}

const byCode: Record<string, new (message: string, code: string) => MediaError> = {
  ERR_MEDIA_PORTS_EXHAUSTED: PortsExhaustedError,
  ERR_MEDIA_UNKNOWN_BRIDGE: UnknownBridgeError,
  ERR_MEDIA_ENGINE_CLOSED: EngineClosedError,
  ERR_SRTP: SrtpError,
  ERR_SRTP_AUTH: SrtpError,
  ERR_SRTP_REPLAY: SrtpError,
  ERR_MEDIA_SOCKET: MediaSocketError,
  ERR_MEDIA_ENGINE: MediaSocketError,
  ERR_DTLS_IDENTITY: DtlsIdentityError,
  ERR_ZRTP: ZrtpSetupError,
};

export function fromNative(error: unknown): unknown {
  if (error instanceof TypeError || !(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  const Class = typeof code === 'string' ? byCode[code] : undefined;
  return Class ? new Class(error.message, code as string) : error;
}

/** Runs a native call, rethrowing its error as a typed one. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNative(error);
  }
}
