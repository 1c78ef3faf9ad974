// Typed errors of the configuration: every one names where it comes from (file and line, or `--set`).

/** Where a configuration item was written: a file and line, or a command-line override. */
export interface ConfigLocation {
  /** File path, `--set`, or `<embedded default>`. */
  readonly source: string;
  readonly line?: number;
}

export function formatLocation(location: ConfigLocation): string {
  return location.line === undefined ? location.source : `${location.source}:${location.line}`;
}

/** Any configuration problem that prevents startup (or a reload). */
export class ConfigError extends Error {
  constructor(
    readonly detail: string,
    readonly location?: ConfigLocation,
  ) {
    super(location ? `${formatLocation(location)}: ${detail}` : detail);
    this.name = 'ConfigError';
  }
}

/** A line that does not follow the flexisip.conf grammar. */
export class ConfigSyntaxError extends ConfigError {
  constructor(detail: string, location: ConfigLocation) {
    super(detail, location);
    this.name = 'ConfigSyntaxError';
  }
}

/** The same key written twice in one section (Flexisip refuses it since 2.4.0). */
export class DuplicateKeyError extends ConfigError {
  constructor(
    readonly section: string,
    readonly key: string,
    readonly firstLine: number,
    location: ConfigLocation,
  ) {
    super(`key '${key}' in section [${section}] is set twice (first at line ${firstLine})`, location);
    this.name = 'DuplicateKeyError';
  }
}

/** A key or section the B2BUA owns but does not know: a typo that would otherwise be silently ignored. */
export class UnknownKeyError extends ConfigError {
  constructor(
    readonly section: string,
    readonly key: string | undefined,
    readonly suggestion: string | undefined,
    location: ConfigLocation,
  ) {
    const what = key === undefined ? `unknown section [${section}]` : `unknown key '${key}' in section [${section}]`;
    const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
    super(what + hint, location);
    this.name = 'UnknownKeyError';
  }
}

/** A value its key's type or rule refuses. */
export class InvalidValueError extends ConfigError {
  constructor(
    readonly section: string,
    readonly key: string,
    readonly reason: string,
    location?: ConfigLocation,
  ) {
    super(`[${section}] ${key}: ${reason}`, location);
    this.name = 'InvalidValueError';
  }
}

/** Thrown by value parsers; the loader turns it into an InvalidValueError naming the key and line. */
export class ValueFormatError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ValueFormatError';
  }
}
