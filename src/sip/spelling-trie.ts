// Recognises a known spelling (of a header name) byte by byte, in the pass that finds where the
// word ends: a table lookup per byte, where comparing against candidates costs a loop per candidate.
// The tables stay small enough for the L1 cache: a node with one child (most of them) is followed
// by that child in the numbering and only stores the byte it expects; only the nodes where
// spellings fork have a row in the transition table.

interface Node<T> {
  children: Map<number, Node<T>>;
  value: T | undefined;
}

export class SpellingTrie<T> {
  /** Per node: the one byte that continues it (its child is the next node), or 0. */
  private readonly expected: Uint8Array;
  /** Per node: its row in `forks` when it has several children, or -1. */
  private readonly forkRow: Int16Array;
  /** forks[row * 128 + byte]: the child for that byte, 0 for none (node 0 is the root, never a child). */
  private readonly forks: Uint16Array;
  private readonly values: (T | undefined)[];
  /** Where the last `match` stopped reading. */
  end = 0;

  constructor(entries: Iterable<readonly [string, T]>) {
    const root: Node<T> = { children: new Map(), value: undefined };
    for (const [word, value] of entries) {
      let node = root;
      for (let k = 0; k < word.length; k++) {
        const code = word.charCodeAt(k);
        if (code >= 128) throw new RangeError(`spelling ${word} is not ASCII`);
        let child = node.children.get(code);
        if (child === undefined) node.children.set(code, (child = { children: new Map(), value: undefined }));
        node = child;
      }
      node.value = value;
    }
    // Depth first, so that a single child is numbered right after its parent.
    const order: Node<T>[] = [];
    const visit = (node: Node<T>): void => {
      order.push(node);
      for (const child of node.children.values()) visit(child);
    };
    visit(root);
    const ids = new Map(order.map((node, id) => [node, id]));
    this.expected = new Uint8Array(order.length);
    this.forkRow = new Int16Array(order.length).fill(-1);
    this.values = order.map((node) => node.value);
    const forking = order.filter((node) => node.children.size > 1);
    this.forks = new Uint16Array(forking.length * 128);
    forking.forEach((node, row) => {
      this.forkRow[ids.get(node)!] = row;
      for (const [code, child] of node.children) this.forks[row * 128 + code] = ids.get(child)!;
    });
    order.forEach((node, id) => {
      if (node.children.size === 1) this.expected[id] = [...node.children.keys()][0]!;
    });
  }

  /**
   * Reads `b` from `start` (before `stop`) while the bytes follow a spelling; the value of the word
   * read when it is exactly a known spelling. `end` is left where the reading stopped: a caller
   * whose word goes on past it has an unknown word.
   */
  match(b: Uint8Array, start: number, stop: number): T | undefined {
    const { expected, forkRow, forks } = this;
    let node = 0;
    let i = start;
    for (; i < stop; i++) {
      const code = b[i]!;
      const only = expected[node]!;
      if (only !== 0) {
        if (code !== only) break;
        node++;
        continue;
      }
      const row = forkRow[node]!;
      if (row === -1 || code >= 128) break;
      const child = forks[row * 128 + code]!;
      if (child === 0) break;
      node = child;
    }
    this.end = i;
    return this.values[node];
  }
}
