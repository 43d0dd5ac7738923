/**
 * A min-priority queue with FIFO tie-breaking, shared by beam search and best-first/A*.
 * Written by hand (40 lines) because the tie-break must be deterministic: equal priorities pop in
 * insertion order, which keeps seeded searches reproducible.
 */
export class Frontier<T> {
  readonly #heap: Array<{ key: number; seq: number; item: T }> = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(item: T, key: number): void {
    const h = this.#heap;
    h.push({ key, seq: this.#seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): T | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(l, m)) m = l;
        if (r < h.length && this.#less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top.item;
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a];
    const y = this.#heap[b];
    return x.key < y.key || (x.key === y.key && x.seq < y.seq);
  }
}
