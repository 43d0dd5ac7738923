/**
 * Exact duplicates after normalization (`normalizeForDedup`): the first occurrence is kept, later
 * ones point back at it. Keeps a 53-bit hash and an 8-byte reference per kept problem, never rows.
 */
import { RefTable } from './ref-table.js';
import { hash53, normalizeForDedup } from './text.js';

export class ExactDedup {
  private readonly seen = new Map<number, number>();
  private readonly refs = new RefTable();

  /** null for a first occurrence (now remembered), else where the first one was ("file:line"). */
  check(problem: string, file: string, line: number): string | null {
    const key = hash53(normalizeForDedup(problem));
    const first = this.seen.get(key);
    if (first !== undefined) return this.refs.where(first);
    this.seen.set(key, this.refs.push(file, line));
    return null;
  }

  get size(): number {
    return this.seen.size;
  }
}
