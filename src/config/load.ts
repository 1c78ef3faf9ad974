// Turns flexisip.conf text (plus `--set` overrides) into typed values: unknown keys in the sections the
// B2BUA owns are fatal, other servers' sections are accepted and ignored (one file serves the proxy too).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  ConfigSyntaxError,
  InvalidValueError,
  UnknownKeyError,
  ValueFormatError,
  formatLocation,
  type ConfigLocation,
} from './errors.js';
import { readConfigText, type RawConfig, type RawEntry, type RawSection } from './reader.js';
import { checkRules } from './rules.js';
import { OWNED_SECTIONS, type ConfigValues, type SectionSpec } from './schema.js';
import { closestName } from './suggest.js';

export const EMBEDDED_DEFAULT = '<embedded default>';
const OVERRIDE_SOURCE = '--set';

/** One `--set section/key=value`. */
export interface Override {
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

export interface LoadedConfig {
  readonly values: ConfigValues;
  /** The file read, or `<embedded default>`. */
  readonly source: string;
  /** Where relative paths (the providers file) are resolved from. */
  readonly directory: string;
  /** Where each key set by the file or `--set` was written, by `section/key` (lower case). */
  readonly locations: ReadonlyMap<string, ConfigLocation>;
  /** Sections of other Flexisip servers present in the file (ignored). */
  readonly ignoredSections: readonly string[];
  readonly warnings: readonly string[];
}

export function loadConfigFile(path: string, overrides: readonly Override[] = []): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file: ${(err as Error).message}`, { source: path });
  }
  return loadConfigText(text, path, overrides, dirname(resolve(path)));
}

/** The configuration used when no file exists: every key at its default. */
export function loadEmbeddedDefault(overrides: readonly Override[] = []): LoadedConfig {
  return loadConfigText('', EMBEDDED_DEFAULT, overrides, process.cwd());
}

export function loadConfigText(text: string, source: string, overrides: readonly Override[], directory: string): LoadedConfig {
  const raw = readConfigText(text, source);
  applyOverrides(raw, overrides);
  const warnings = [...raw.warnings];
  const ignoredSections: string[] = [];
  for (const [id, section] of raw.sections) {
    const spec = OWNED_SECTIONS.get(id);
    if (spec) checkSectionKeys(spec, section);
    else if (looksLikeOwnedSection(id)) throw unknownSection(section);
    else ignoredSections.push(section.name);
  }
  const locations = new Map<string, ConfigLocation>();
  const values: Record<string, Record<string, unknown>> = {};
  for (const [id, spec] of OWNED_SECTIONS) {
    values[spec.name] = parseSection(spec, raw.sections.get(id), locations, warnings);
  }
  const loaded: LoadedConfig = { values: values as unknown as ConfigValues, source, directory, locations, ignoredSections, warnings };
  checkRules(loaded);
  return loaded;
}

/** An override replaces what the file says (it is not a duplicate). */
function applyOverrides(raw: RawConfig, overrides: readonly Override[]): void {
  for (const override of overrides) {
    const location: ConfigLocation = { source: `${OVERRIDE_SOURCE} ${override.section}/${override.key}` };
    const id = override.section.toLowerCase();
    let section = raw.sections.get(id);
    if (!section) {
      section = { name: override.section, location, entries: new Map(), strayLines: [] };
      raw.sections.set(id, section);
    }
    const entry: RawEntry = { key: override.key, value: override.value.trim(), location };
    section.entries.set(override.key.toLowerCase(), entry);
  }
}

function checkSectionKeys(spec: SectionSpec, section: RawSection): void {
  const stray = section.strayLines[0];
  if (stray) throw new ConfigSyntaxError(`expected 'key=value' in section [${section.name}]`, stray);
  for (const [id, entry] of section.entries) {
    if (!(id in spec.keys)) {
      throw new UnknownKeyError(spec.name, entry.key, closestName(entry.key, Object.keys(spec.keys)), entry.location);
    }
  }
}

/** A misspelt B2BUA section would otherwise be ignored like another server's section. */
function looksLikeOwnedSection(id: string): boolean {
  return id.startsWith('b2bua-server') || closestName(id, OWNED_SECTIONS.keys()) !== undefined;
}

function unknownSection(section: RawSection): UnknownKeyError {
  const names = [...OWNED_SECTIONS.values()].map((spec) => spec.name);
  return new UnknownKeyError(section.name, undefined, closestName(section.name, names), section.location);
}

function parseSection(
  spec: SectionSpec,
  section: RawSection | undefined,
  locations: Map<string, ConfigLocation>,
  warnings: string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, keySpec] of Object.entries(spec.keys)) {
    const entry = section?.entries.get(name);
    if (entry) locations.set(`${spec.name}/${name}`, entry.location);
    // Flexisip ignores `key=` (the default applies); we do the same for `key=  ` so both read alike.
    if (entry && entry.value === '' && keySpec.default !== '') {
      warnings.push(`${formatLocation(entry.location)}: [${spec.name}] ${name} is empty: default '${keySpec.default}' applies`);
    }
    const text = entry && entry.value !== '' ? entry.value : keySpec.default;
    try {
      values[name] = keySpec.type.parse(text);
    } catch (err) {
      if (!(err instanceof ValueFormatError)) throw err;
      throw new InvalidValueError(spec.name, name, err.reason, entry?.location);
    }
  }
  return values;
}
