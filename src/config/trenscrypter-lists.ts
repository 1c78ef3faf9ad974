// The trenscrypter's pair lists (reference §4.1), parsed once at startup into the typed rules the
// trenscrypter consumes per call: the first rule whose regex matches the whole callee URI wins.
import { ValueFormatError } from './errors.js';
import { closestName } from './suggest.js';
import { splitStringList, type ValueType } from './types.js';

export const ENCRYPTION_MODES = ['zrtp', 'sdes', 'dtls-srtp', 'none'] as const;
export type EncryptionMode = (typeof ENCRYPTION_MODES)[number];

export const SRTP_SUITE_NAMES = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AES_192_CM_HMAC_SHA1_80',
  'AES_192_CM_HMAC_SHA1_32',
  'AES_256_CM_HMAC_SHA1_80',
  'AES_256_CM_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
] as const;
export type SrtpSuiteName = (typeof SRTP_SUITE_NAMES)[number];

export interface EncryptionRule {
  readonly mode: EncryptionMode;
  /** Anchored: matches the whole URI, as C++ `std::regex_match` does. */
  readonly regex: RegExp;
  /** The regex as written in the file, for logs. */
  readonly pattern: string;
}

export interface SrtpSuitesRule {
  readonly suites: readonly SrtpSuiteName[];
  readonly regex: RegExp;
  readonly pattern: string;
}

/** Splits `a regex b regex …` into pairs; an odd last item is an error (Flexisip ignored it silently). */
function pairs(text: string): [string, string][] {
  const items = splitStringList(text);
  if (items.length % 2 !== 0) {
    throw new ValueFormatError(`list has an odd number of items: '${items[items.length - 1]}' has no regex after it`);
  }
  const result: [string, string][] = [];
  for (let i = 0; i < items.length; i += 2) result.push([items[i]!, items[i + 1]!]);
  return result;
}

/** Compiles with whole-string semantics: Flexisip uses `regex_match`, so `.*@a\.org` must not match `x@a.org;gr=1`. */
function compileWholeMatch(source: string): RegExp {
  try {
    new RegExp(source); // checked alone first, so the error message quotes the user's text
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new ValueFormatError(`list contains invalid regex '${source}': ${(err as Error).message}`);
  }
}

function parseMode(item: string): EncryptionMode {
  if ((ENCRYPTION_MODES as readonly string[]).includes(item)) return item as EncryptionMode;
  const hint = closestName(item, ENCRYPTION_MODES);
  throw new ValueFormatError(`list contains invalid encryption mode '${item}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of ${ENCRYPTION_MODES.join(', ')}`);
}

function parseSuites(item: string): SrtpSuiteName[] {
  return item.split(';').map((name) => {
    if ((SRTP_SUITE_NAMES as readonly string[]).includes(name)) return name as SrtpSuiteName;
    const hint = closestName(name, SRTP_SUITE_NAMES);
    throw new ValueFormatError(`list contains unknown SRTP suite '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  });
}

export const encryptionRulesType: ValueType<EncryptionRule[]> = {
  name: 'StringList',
  syntax: `pairs \`mode regex …\`, mode one of ${ENCRYPTION_MODES.map((m) => `\`${m}\``).join(', ')}`,
  parse: (text) => pairs(text).map(([mode, pattern]) => ({ mode: parseMode(mode), regex: compileWholeMatch(pattern), pattern })),
};

export const srtpSuitesRulesType: ValueType<SrtpSuitesRule[]> = {
  name: 'StringList',
  syntax: 'pairs `suite;suite;… regex …` with SDES suite names',
  parse: (text) => pairs(text).map(([suites, pattern]) => ({ suites: parseSuites(suites), regex: compileWholeMatch(pattern), pattern })),
};
