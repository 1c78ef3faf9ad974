// Recognises a known spelling (of a header name) byte by byte, in the pass that finds where the
// word ends: one table lookup per byte, where comparing against candidates costs a loop per candidate.

export class SpellingTrie<T> {
  /** Column of each byte value in the transition table; 0 for a byte no spelling holds. */
  private readonly columns = new Uint8Array(256);
  private readonly width: number;
  /** next[state * width + column]: the following state, 0 when no spelling continues that way. */
  private readonly next: Int32Array;
  private readonly values: (T | undefined)[] = [undefined];
  /** Where the last `match` stopped reading. */
  end = 0;

  constructor(entries: Iterable<readonly [string, T]>) {
    const list = [...entries];
    let width = 1;
    for (const [word] of list) {
      for (let k = 0; k < word.length; k++) if (this.columns[word.charCodeAt(k)] === 0) this.columns[word.charCodeAt(k)] = width++;
    }
    this.width = width;
    const edges: number[] = [];
    // State 1 is the root; 0 means "no spelling continues".
    let states = 2;
    for (const [word, value] of list) {
      let state = 1;
      for (let k = 0; k < word.length; k++) {
        const at = state * width + this.columns[word.charCodeAt(k)]!;
        state = edges[at] ??= states++;
      }
      this.values[state] = value;
    }
    this.next = new Int32Array(states * width);
    edges.forEach((to, at) => (this.next[at] = to));
    this.values.length = states;
  }

  /**
   * Reads `b` from `start` (before `stop`) while the bytes follow a spelling; the value of the word
   * read when it is exactly a known spelling. `end` is left where the reading stopped: a caller
   * whose word goes on past it has an unknown word.
   */
  match(b: Uint8Array, start: number, stop: number): T | undefined {
    const { columns, next, width } = this;
    let state = 1;
    let i = start;
    for (; i < stop; i++) {
      const column = columns[b[i]!]!;
      if (column === 0) break;
      const following = next[state * width + column]!;
      if (following === 0) break;
      state = following;
    }
    this.end = i;
    return this.values[state];
  }
}
