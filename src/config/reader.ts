// Reader of Flexisip's flexisip.conf syntax (reference §2): sections, `key=value` lines and `#` comments.
// It knows nothing of keys or types; the loader checks entries against the schema.
import { ConfigSyntaxError, DuplicateKeyError, type ConfigLocation } from './errors.js';

/** Flexisip reads lines into a 20 480-byte buffer: longer values never worked there, so refuse them. */
export const MAX_VALUE_BYTES = 20_480;

export interface RawEntry {
  /** The key as written. */
  readonly key: string;
  /** The value with surrounding blanks removed; empty means "unset" (see docs/configuration.md). */
  readonly value: string;
  readonly location: ConfigLocation;
}

export interface RawSection {
  /** The name as first written (lookups are case-insensitive). */
  readonly name: string;
  readonly location: ConfigLocation;
  /** Entries by lower-case key. */
  readonly entries: Map<string, RawEntry>;
  /** Non-comment lines with neither `[` nor `=`: ignored by Flexisip, refused by us in owned sections. */
  readonly strayLines: ConfigLocation[];
}

export interface RawConfig {
  readonly source: string;
  /** Sections by lower-case name; a repeated header merges into the first. */
  readonly sections: Map<string, RawSection>;
  /** Harmless oddities worth a log line (keys before any section). */
  readonly warnings: string[];
}

export function readConfigText(text: string, source: string): RawConfig {
  const sections = new Map<string, RawSection>();
  const warnings: string[] = [];
  let current: RawSection | undefined;
  // A CRLF file must read like its LF twin: Flexisip kept the `\r` in values (a quirk we fix).
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const location: ConfigLocation = { source, line: index + 1 };
    const line = rawLine.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('[')) {
      current = openSection(sections, parseSectionName(line, location), location);
      return;
    }
    const equals = line.indexOf('=');
    if (equals < 0) {
      current?.strayLines.push(location);
      return;
    }
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new ConfigSyntaxError(`value of key '${key}' is longer than ${MAX_VALUE_BYTES} bytes`, location);
    }
    if (current === undefined) {
      warnings.push(`${source}:${index + 1}: key '${key}' before any [section] is ignored`);
      return;
    }
    const id = key.toLowerCase();
    const previous = current.entries.get(id);
    if (previous) throw new DuplicateKeyError(current.name, key, previous.location.line ?? 0, location);
    current.entries.set(id, { key, value, location });
  });
  return { source, sections, warnings };
}

function parseSectionName(line: string, location: ConfigLocation): string {
  const close = line.indexOf(']');
  // Flexisip takes the first blank-free token between the brackets.
  const name = close < 0 ? '' : (line.slice(1, close).trim().split(/[ \t]+/)[0] ?? '');
  if (name === '') throw new ConfigSyntaxError(`malformed section header '${line.trim()}'`, location);
  return name;
}

function openSection(sections: Map<string, RawSection>, name: string, location: ConfigLocation): RawSection {
  const id = name.toLowerCase();
  let section = sections.get(id);
  if (!section) {
    section = { name, location, entries: new Map(), strayLines: [] };
    sections.set(id, section);
  }
  return section;
}
