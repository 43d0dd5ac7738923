/**
 * Near-duplicate index: MinHash LSH with banding (b bands of r rows) over compact signatures.
 * Each kept problem stores one byte per permutation (b-bit MinHash, b = 8: Li & König 2010) and its
 * answer's hash; the band table is one open-addressing Int32Array of row indices, with band keys
 * recomputed from the stored bytes. About 128 + 4 bytes a row plus 4 bytes a band entry: a
 * million problems fit in a few hundred MB.
 */
import { RefTable } from './ref-table.js';

export interface LshOptions {
  numPerm: number;
  bands: number;
  rows: number;
  /** estimated Jaccard at or above which two problems are near duplicates */
  threshold: number;
}

/** 21 bands × 6 rows: a pair at Jaccard 0.7 becomes a candidate with probability 0.93, at 0.5 with 0.28. */
export const DEFAULT_LSH: LshOptions = { numPerm: 128, bands: 21, rows: 6, threshold: 0.7 };

const EMPTY = -1;

export class LshIndex {
  private sigs: Uint8Array;
  private answers: Uint32Array;
  private table: Int32Array;
  private used = 0;
  private readonly refs = new RefTable();

  constructor(readonly options: LshOptions = DEFAULT_LSH) {
    if (options.bands * options.rows > options.numPerm) {
      throw new Error(
        `LSH: ${options.bands} bands × ${options.rows} rows exceed ${options.numPerm} permutations`,
      );
    }
    this.sigs = new Uint8Array(1024 * options.numPerm);
    this.answers = new Uint32Array(1024);
    this.table = new Int32Array(1 << 16).fill(EMPTY);
  }

  get size(): number {
    return this.refs.size;
  }

  get bytes(): number {
    return this.sigs.byteLength + this.answers.byteLength + this.table.byteLength + this.refs.bytes;
  }

  /** The 8-bit reduction of a full signature. */
  static reduce(sig: Uint32Array): Uint8Array {
    const out = new Uint8Array(sig.length);
    for (let i = 0; i < sig.length; i++)
      out[i] = (sig[i]! ^ (sig[i]! >>> 8) ^ (sig[i]! >>> 16) ^ (sig[i]! >>> 24)) & 0xff;
    return out;
  }

  private bandHash(bytes: Uint8Array, offset: number, band: number): number {
    let h = Math.imul(band + 1, 0x9e3779b1) >>> 0;
    const start = offset + band * this.options.rows;
    for (let i = start; i < start + this.options.rows; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h ^= h >>> 16;
    return Math.imul(h, 0x85ebca6b) >>> 0;
  }

  private sameBand(query: Uint8Array, row: number, band: number): boolean {
    const { rows, numPerm } = this.options;
    const a = band * rows;
    const b = row * numPerm + band * rows;
    for (let i = 0; i < rows; i++) if (query[a + i] !== this.sigs[b + i]) return false;
    return true;
  }

  /** Estimated Jaccard between a query and a stored row, corrected for 8-bit collisions. */
  private estimate(query: Uint8Array, row: number): number {
    const n = this.options.numPerm;
    let same = 0;
    for (let i = 0; i < n; i++) if (query[i] === this.sigs[row * n + i]) same++;
    const raw = same / n;
    return Math.max(0, (raw - 1 / 256) / (1 - 1 / 256));
  }

  /**
   * The most similar stored problem at or above the threshold whose answer agrees (answerKey 0 means
   * "no answer" and agrees with anything), or null.
   */
  query(reduced: Uint8Array, answerKey: number): { where: string; similarity: number } | null {
    const mask = this.table.length - 1;
    const seen = new Set<number>();
    let best: { row: number; sim: number } | null = null;
    for (let band = 0; band < this.options.bands; band++) {
      let slot = this.bandHash(reduced, 0, band) & mask;
      for (let v = this.table[slot]!; v !== EMPTY; slot = (slot + 1) & mask, v = this.table[slot]!) {
        if (seen.has(v) || !this.sameBand(reduced, v, band)) continue;
        seen.add(v);
        const other = this.answers[v]!;
        if (answerKey !== 0 && other !== 0 && other !== answerKey) continue;
        const sim = this.estimate(reduced, v);
        if (sim >= this.options.threshold && (!best || sim > best.sim)) best = { row: v, sim };
      }
    }
    return best ? { where: this.refs.where(best.row), similarity: best.sim } : null;
  }

  /** Stores a problem: its reduced signature, answer key and where it came from. */
  add(reduced: Uint8Array, answerKey: number, file: string, line: number): void {
    const row = this.refs.push(file, line);
    const n = this.options.numPerm;
    if ((row + 1) * n > this.sigs.length) {
      const grown = new Uint8Array(this.sigs.length * 2);
      grown.set(this.sigs);
      this.sigs = grown;
      const answers = new Uint32Array(this.answers.length * 2);
      answers.set(this.answers);
      this.answers = answers;
    }
    this.sigs.set(reduced, row * n);
    this.answers[row] = answerKey;
    if ((this.used + this.options.bands) * 4 > this.table.length * 3) this.grow();
    for (let band = 0; band < this.options.bands; band++) this.insert(row, band);
  }

  private insert(row: number, band: number): void {
    const mask = this.table.length - 1;
    let slot = this.bandHash(this.sigs, row * this.options.numPerm, band) & mask;
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.table[slot] = row;
    this.used++;
  }

  /** Doubles the band table and re-inserts every stored row (band keys come from the stored bytes). */
  private grow(): void {
    this.table = new Int32Array(this.table.length * 2).fill(EMPTY);
    this.used = 0;
    for (let row = 0; row < this.refs.size - 1; row++) {
      for (let band = 0; band < this.options.bands; band++) this.insert(row, band);
    }
  }
}
