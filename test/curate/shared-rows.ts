/** Test helper: real rows of ../shared/data/math, mapped as the build maps them. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectMapping, mapRow } from '../../src/curate/field-map.js';
import type { ProblemRecord } from '../../src/curate/types.js';

export const SHARED_MATH = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'math');
export const HAVE_SHARED = existsSync(SHARED_MATH);

const cache = new Map<string, Record<string, unknown>[]>();

function rowsOf(file: string): Record<string, unknown>[] {
  let rows = cache.get(file);
  if (!rows) {
    rows = readFileSync(join(SHARED_MATH, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    cache.set(file, rows);
  }
  return rows;
}

/** Line `line` (1-based) of a shared file as a ProblemRecord. */
export function sharedRecord(file: string, line: number): ProblemRecord {
  const rows = rowsOf(file);
  const mapping = detectMapping(file, rows.slice(0, 20));
  return mapRow(mapping, rows[line - 1]!, file, line);
}

/** A record from plain text, for cases the shared data does not contain. */
export function record(
  problem: string,
  answer: string | null = '1',
  extra: Partial<ProblemRecord> = {},
): ProblemRecord {
  const mapping = {
    source: 'test',
    problem: ['problem'],
    answer: ['answer'],
    solution: [],
    domain: [],
    options: [],
  };
  return { ...mapRow(mapping, { problem, answer }, 'test.jsonl', 1), ...extra };
}
