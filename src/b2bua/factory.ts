// The daemon's default core: the configured application over one media engine.
import type { B2buaCore, CoreDependencies } from '../cli/b2bua-core.js';
import { Trenscrypter } from '../apps/trenscrypter/trenscrypter.js';
import { MediaEngine } from '../media/engine.js';
import { DtlsIdentityError } from '../media/errors.js';
import type { Application } from './application.js';
import { BridgingCore } from './core.js';
import { mediaEngineOptions } from './engine-options.js';

/** Undefined when this build has no such application (the daemon then refuses INVITEs with 480). */
export function createB2buaCore(deps: CoreDependencies): B2buaCore | undefined {
  const { config, logger } = deps;
  const name = config.values['b2bua-server'].application;
  let application: Application;
  if (name === 'trenscrypter') application = new Trenscrypter(config);
  else {
    logger.warn({ application: name }, 'application not in this build yet');
    return undefined;
  }
  return new BridgingCore({ ...deps, engine: startEngine(deps), application });
}

/**
 * An unusable data-directory is not fatal (as Flexisip, and as the daemon's own check): the DTLS
 * certificate is then made per process, which only changes our fingerprint on restart.
 */
function startEngine({ config, logger }: CoreDependencies): MediaEngine {
  const options = mediaEngineOptions(config);
  try {
    return new MediaEngine(options);
  } catch (error) {
    if (!(error instanceof DtlsIdentityError)) throw error;
    logger.warn({ path: options.dataDirectory, reason: error.message }, 'cannot keep the DTLS certificate: a new one per process');
    const { dataDirectory: _unused, ...inMemory } = options;
    return new MediaEngine(inMemory);
  }
}
