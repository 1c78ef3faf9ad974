// The media engine's options from the configuration (`[b2bua-server]` ports and timeouts,
// `[b2bua-daemon] media-threads`).
import type { LoadedConfig } from '../config/load.js';
import type { IntegerRange } from '../config/types.js';
import type { MediaEngineOptions } from '../media/engine.js';

/** The engine's port syntax: '0' (kernel's choice), 'N' or 'MIN-MAX'. */
function portSpec(range: IntegerRange): string {
  return range.min === range.max ? String(range.min) : `${range.min}-${range.max}`;
}

export function mediaEngineOptions(config: LoadedConfig): MediaEngineOptions {
  const server = config.values['b2bua-server'];
  const threads = config.values['b2bua-daemon']['media-threads'];
  return {
    // 0 = the engine's default: one thread per core.
    ...(threads > 0 ? { threads } : {}),
    audioPorts: portSpec(server['audio-port']),
    videoPorts: portSpec(server['video-port']),
    rtpTimeoutMs: server['no-rtp-timeout'],
    dataDirectory: server['data-directory'],
  };
}
