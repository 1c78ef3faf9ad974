// An ordered, case-insensitive header container. Values are kept raw (unfolded, trimmed);
// structured views (Via, CSeq, name-addr...) are parsed on demand by the message accessors.
import { displayName, headerKey } from './header-names.js';
import { ownString } from './own-string.js';

export interface HeaderField {
  /** Lower-case long-form name, e.g. `via`, `call-id`. */
  readonly key: string;
  /** Name as it is written out, e.g. `Via`, `Call-ID`. */
  readonly name: string;
  /** Raw value of one header line (may itself hold a comma-separated list). */
  value: string;
}

export class SipHeaders implements Iterable<HeaderField> {
  private fields: HeaderField[] = [];
  /** Bumped on every change, so message accessors can cache parsed views. */
  version = 0;

  static from(entries: Iterable<[string, string]>): SipHeaders {
    const headers = new SipHeaders();
    for (const [name, value] of entries) headers.append(name, value);
    return headers;
  }

  /** Wraps fields whose key and name are already canonical (the parser's fast path). */
  static fromFields(fields: HeaderField[]): SipHeaders {
    const headers = new SipHeaders();
    headers.fields = fields;
    return headers;
  }

  /** Value of the first line with this name. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const field of this.fields) if (field.key === key) return field.value;
    return undefined;
  }

  /** Raw values of every line with this name, in order (lists within a line are not split). */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const values: string[] = [];
    for (const field of this.fields) if (field.key === key) values.push(field.value);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every line of this name by one line per value, at the position of the first. */
  set(name: string, value: string | string[]): this {
    const key = headerKey(name);
    const values = Array.isArray(value) ? value : [value];
    const at = this.fields.findIndex((f) => f.key === key);
    this.fields = this.fields.filter((f) => f.key !== key);
    const fresh = values.map((v) => ({ key, name: displayName(key), value: v }));
    this.fields.splice(at === -1 ? this.fields.length : at, 0, ...fresh);
    this.version++;
    return this;
  }

  append(name: string, value: string): this {
    const key = headerKey(name);
    this.fields.push({ key, name: name.length === 1 ? displayName(key) : name, value });
    this.version++;
    return this;
  }

  /** Inserts a line before every other line of the same name (Via, Route, Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    this.fields.splice(at === -1 ? this.fields.length : at, 0, { key, name: displayName(key), value });
    this.version++;
    return this;
  }

  delete(name: string): this {
    const key = headerKey(name);
    this.fields = this.fields.filter((f) => f.key !== key);
    this.version++;
    return this;
  }

  /** Removes only the first line of this name (e.g. the top Via of a response). */
  deleteFirst(name: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    if (at !== -1) {
      this.fields.splice(at, 1);
      this.version++;
    }
    return this;
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    copy.fields = this.fields.map((f) => ({ ...f }));
    return copy;
  }

  /** Copies every value into a string of its own (see own-string.ts): the message it came from can go. */
  ownValues(): void {
    for (const field of this.fields) field.value = ownString(field.value);
  }

  get size(): number {
    return this.fields.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }
}
