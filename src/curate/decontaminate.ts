/**
 * Decontamination against chosen test sets by word n-gram overlap: a problem is contaminated when
 * at least `minOverlap` of its n-grams occur in one test set (or, if shorter than n tokens, its
 * whole normalized text does). Test problems are read with the same readers and field mapping as
 * the inputs, so any supported format works.
 */
import { basename } from 'node:path';
import { applyOverrides, detectMapping, FieldTypeError, type MappingOverrides, mapRow } from './field-map.js';
import { readRows } from './readers/index.js';
import { hash53, normalizeForDedup, tokens } from './text.js';

export interface DecontaminationOptions {
  /** words per n-gram */
  n: number;
  /** fraction of a problem's n-grams found in one test set that marks it contaminated */
  minOverlap: number;
}

export const DEFAULT_DECONTAMINATION: DecontaminationOptions = { n: 8, minOverlap: 0.5 };

export class Decontaminator {
  /** n-gram hash → index of the first test file that has it */
  private readonly grams = new Map<number, number>();
  private readonly whole = new Map<number, number>();
  private readonly names: string[] = [];
  private readonly counts: number[] = [];

  constructor(readonly options: DecontaminationOptions = DEFAULT_DECONTAMINATION) {}

  /** Reads test sets; returns how many problems each contributed. */
  static async fromFiles(
    files: string[],
    options: DecontaminationOptions = DEFAULT_DECONTAMINATION,
    overrides?: MappingOverrides,
  ): Promise<Decontaminator> {
    const d = new Decontaminator(options);
    for (const file of files) {
      const sample: Record<string, unknown>[] = [];
      const rows: { value: Record<string, unknown>; line: number }[] = [];
      for await (const row of readRows(file))
        if (row.kind === 'row') rows.push({ value: row.value, line: row.line });
      for (const r of rows.slice(0, 20)) sample.push(r.value);
      const mapping = applyOverrides(file, detectMapping(file, sample), overrides);
      const problems: string[] = [];
      for (const r of rows) {
        try {
          const p = mapRow(mapping, r.value, file, r.line).problem;
          if (p !== '') problems.push(p);
        } catch (err) {
          // a test-set row of unreadable shape has no problem text to compare against
          if (!(err instanceof FieldTypeError)) throw err;
        }
      }
      d.addTestSet(basename(file), problems);
    }
    return d;
  }

  private ngrams(problem: string): number[] {
    const t = tokens(normalizeForDedup(problem));
    const n = this.options.n;
    const out: number[] = [];
    for (let i = 0; i + n <= t.length; i++) out.push(hash53(t.slice(i, i + n).join(' ')));
    return out;
  }

  addTestSet(name: string, problems: string[]): void {
    const id = this.names.length;
    this.names.push(name);
    this.counts.push(problems.length);
    for (const p of problems) {
      const grams = this.ngrams(p);
      if (grams.length === 0) {
        const key = hash53(tokens(normalizeForDedup(p)).join(' '));
        if (!this.whole.has(key)) this.whole.set(key, id);
      }
      for (const g of grams) if (!this.grams.has(g)) this.grams.set(g, id);
    }
  }

  /** The test sets loaded, with problem counts. */
  get testSets(): { name: string; problems: number }[] {
    return this.names.map((name, i) => ({ name, problems: this.counts[i]! }));
  }

  /** Why a problem overlaps a test set, or null. */
  check(problem: string): string | null {
    if (this.names.length === 0) return null;
    const grams = this.ngrams(problem);
    if (grams.length === 0) {
      const hit = this.whole.get(hash53(tokens(normalizeForDedup(problem)).join(' ')));
      return hit === undefined ? null : `whole text matches a problem of ${this.names[hit]}`;
    }
    const hits = new Array<number>(this.names.length).fill(0);
    for (const g of grams) {
      const id = this.grams.get(g);
      if (id !== undefined) hits[id]!++;
    }
    let best = 0;
    for (let i = 1; i < hits.length; i++) if (hits[i]! > hits[best]!) best = i;
    const share = hits[best]! / grams.length;
    if (share < this.options.minOverlap) return null;
    return `${Math.round(share * 100)}% of ${this.options.n}-grams (${hits[best]}/${grams.length}) in ${this.names[best]}`;
  }
}
