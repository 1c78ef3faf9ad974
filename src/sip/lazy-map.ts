// A Map built from its source text on first use. Parameters of every Via, URI and name-addr are
// checked while the message is parsed, but most are never read: building their Maps (and the name
// and value strings) only when one is read takes a large share off the parse of each message.

/** Fills `into` from `text[start, end)`, which the parser has already checked. */
export type MapFiller<V> = (text: string, start: number, end: number, into: Map<string, V>) => void;

export class LazyMap<V> implements Map<string, V> {
  #map: Map<string, V> | undefined;
  readonly #text: string;
  readonly #start: number;
  readonly #end: number;
  readonly #fill: MapFiller<V>;

  constructor(fill: MapFiller<V>, text: string, start: number, end: number) {
    this.#fill = fill;
    this.#text = text;
    this.#start = start;
    this.#end = end;
  }

  #built(): Map<string, V> {
    if (this.#map === undefined) {
      this.#map = new Map();
      if (this.#start < this.#end) this.#fill(this.#text, this.#start, this.#end, this.#map);
    }
    return this.#map;
  }

  get size(): number {
    // An empty source needs no Map to say so (URIs without headers, the common case).
    return this.#map === undefined && this.#start === this.#end ? 0 : this.#built().size;
  }

  get(key: string): V | undefined {
    return this.#built().get(key);
  }

  has(key: string): boolean {
    return this.#built().has(key);
  }

  set(key: string, value: V): this {
    this.#built().set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.#built().delete(key);
  }

  clear(): void {
    this.#built().clear();
  }

  forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#built()) callback.call(thisArg, value, key, this);
  }

  entries(): MapIterator<[string, V]> {
    return this.#built().entries();
  }

  keys(): MapIterator<string> {
    return this.#built().keys();
  }

  values(): MapIterator<V> {
    return this.#built().values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.#built()[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return 'LazyMap';
  }
}
