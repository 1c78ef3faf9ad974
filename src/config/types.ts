// Value types of flexisip.conf, with Flexisip's exact accepted forms (reference §2 "Validation").
// Each parser takes the raw text (never empty: an empty value means "unset") and throws ValueFormatError.
import { ValueFormatError } from './errors.js';

export interface ValueType<T> {
  /** Flexisip's type name, shown in docs and --dump-default. */
  readonly name: string;
  /** One sentence on the accepted syntax. */
  readonly syntax: string;
  parse(text: string): T;
}

export const booleanType: ValueType<boolean> = {
  name: 'Boolean',
  syntax: '`true`, `false`, `1` or `0` (nothing else, case-sensitive)',
  parse(text) {
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new ValueFormatError(`'${text}' is not a boolean (true, false, 1 or 0)`);
  },
};

export function integerType(min: number, max = Number.MAX_SAFE_INTEGER): ValueType<number> {
  return {
    name: 'Integer',
    syntax: `a decimal integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`,
    parse(text) {
      if (!/^[+-]?\d+$/.test(text)) throw new ValueFormatError(`'${text}' is not an integer`);
      return checkBounds(Number(text), min, max);
    },
  };
}

function checkBounds(value: number, min: number, max: number): number {
  if (value < min || value > max) {
    throw new ValueFormatError(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min} (got ${value})` : `must be between ${min} and ${max} (got ${value})`);
  }
  return value;
}

/** An inclusive range; a single number N is the range N-N. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

export function integerRangeType(min: number, max: number): ValueType<IntegerRange> {
  return {
    name: 'IntegerRange',
    syntax: `\`N\` or \`MIN-MAX\`, from ${min} to ${max}`,
    parse(text) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(text);
      if (!match) throw new ValueFormatError(`'${text}' is not N or MIN-MAX`);
      const low = checkBounds(Number(match[1]), min, max);
      const high = match[2] === undefined ? low : checkBounds(Number(match[2]), min, max);
      if (low > high) throw new ValueFormatError(`range '${text}' has its minimum above its maximum`);
      return { min: low, max: high };
    },
  };
}

export const stringType: ValueType<string> = {
  name: 'String',
  syntax: 'the raw text',
  parse: (text) => text,
};

/** A String whose whole text must match `pattern`. */
export function patternType(pattern: RegExp, expected: string): ValueType<string> {
  return {
    name: 'String',
    syntax: expected,
    parse(text) {
      if (!pattern.test(text)) throw new ValueFormatError(`'${text}' is not ${expected}`);
      return text;
    },
  };
}

export function enumType<T extends string>(values: readonly T[]): ValueType<T> {
  return {
    name: 'String',
    syntax: `one of ${values.map((v) => `\`${v}\``).join(', ')}`,
    parse(text) {
      if (!(values as readonly string[]).includes(text)) {
        throw new ValueFormatError(`'${text}' is not one of ${values.join(', ')}`);
      }
      return text as T;
    },
  };
}

/** Items separated by spaces (tabs are part of an item). Commas are not separators since Flexisip 2.6.0. */
export function splitStringList(text: string): string[] {
  return text.split(/[ \n]+/).filter((item) => item !== '');
}

export const stringListType: ValueType<string[]> = {
  name: 'StringList',
  syntax: 'items separated by spaces (commas are part of an item)',
  parse: splitStringList,
};

type DurationUnit = 'ms' | 's' | 'min';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  m: 30.436875 * 86_400_000,
  y: 365.2425 * 86_400_000,
};

const TYPE_NAMES: Record<DurationUnit, string> = { ms: 'DurationMS', s: 'DurationS', min: 'DurationMIN' };

/** `<digits>[unit]` parsed to milliseconds; no unit = `unit`; a unit finer than `unit` is refused. */
export function durationType(unit: DurationUnit): ValueType<number> {
  const finest = UNIT_MS[unit]!;
  return {
    name: TYPE_NAMES[unit],
    syntax: `digits with an optional unit \`ms s min h d m y\` (m = month, y = year); no unit means ${unit}; units finer than ${unit} are refused`,
    parse(text) {
      const match = /^(\d+)(ms|s|min|h|d|m|y)?$/.exec(text);
      if (!match) throw new ValueFormatError(`'${text}' is not a duration (digits and one of ms s min h d m y)`);
      const factor = UNIT_MS[match[2] ?? unit]!;
      if (factor < finest) throw new ValueFormatError(`'${text}' uses a unit finer than this key's unit (${unit})`);
      return Number(match[1]) * factor;
    },
  };
}
