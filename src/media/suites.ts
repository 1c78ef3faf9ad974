// The eight SDES suites. Their parameters are defined once, in the addon (native/src/crypto/suites.cc);
// this module only names them for TypeScript and reads the table from the addon.
import { loadAddon, type NativeSrtpSuite } from '../native/addon.js';

export type SrtpSuiteName =
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'
  | 'AES_192_CM_HMAC_SHA1_80'
  | 'AES_192_CM_HMAC_SHA1_32'
  | 'AES_256_CM_HMAC_SHA1_80'
  | 'AES_256_CM_HMAC_SHA1_32'
  | 'AEAD_AES_128_GCM'
  | 'AEAD_AES_256_GCM';

export interface SrtpSuite extends NativeSrtpSuite {
  name: SrtpSuiteName;
}

let table: ReadonlyMap<SrtpSuiteName, SrtpSuite> | undefined;

function suites(): ReadonlyMap<SrtpSuiteName, SrtpSuite> {
  table ??= new Map(loadAddon().srtpSuites().map((suite) => [suite.name as SrtpSuiteName, suite as SrtpSuite]));
  return table;
}

export function srtpSuites(): SrtpSuite[] {
  return [...suites().values()];
}

/** The eight names, in the addon table's order. */
export function srtpSuiteNames(): SrtpSuiteName[] {
  return [...suites().keys()];
}

export function isSrtpSuiteName(name: string): name is SrtpSuiteName {
  return suites().has(name as SrtpSuiteName);
}

/** Undefined for a name that is not one of the eight. */
export function srtpSuite(name: string): SrtpSuite | undefined {
  return suites().get(name as SrtpSuiteName);
}
