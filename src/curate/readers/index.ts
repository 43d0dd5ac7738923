import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { RawRow } from '../types.js';
import { readCsvRows } from './csv.js';
import { readJsonArrayRows } from './json-array.js';
import { readJsonlRows } from './jsonl.js';
import { readParquetRows } from './parquet.js';

export type InputFormat = 'jsonl' | 'json' | 'csv' | 'parquet';

/** The format a file is read as, from its extension; null for files a folder scan skips. */
export function formatOf(file: string): InputFormat | null {
  const name = basename(file).toLowerCase();
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.parquet') || name.endsWith('.pq')) return 'parquet';
  return null;
}

/**
 * The input files behind `--in` arguments: a file as given, a folder as every readable file under it
 * (recursively, sorted, so "first occurrence" in dedup is reproducible).
 */
export function listInputFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new UserError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const found = walk(p).filter((f) => formatOf(f) !== null);
      if (found.length === 0)
        throw new UserError(`${p}: no .jsonl, .json, .csv or .parquet files in this folder`);
      out.push(...found);
    } else {
      if (formatOf(p) === null) {
        throw new UserError(`${p}: unknown format (expected .jsonl, .ndjson, .json, .csv or .parquet)`);
      }
      out.push(p);
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // a dangling link: listed as a file, so the build reports it as unreadable instead of stopping
    }
    if (isDir) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Every row of one file, whatever its format, with malformed rows reported in place. */
export function readRows(file: string): AsyncGenerator<RawRow> {
  switch (formatOf(file)) {
    case 'jsonl':
      return readJsonlRows(file);
    case 'json':
      return readJsonArrayRows(file);
    case 'csv':
      return readCsvRows(file);
    case 'parquet':
      return readParquetRows(file);
    default:
      throw new UserError(`${file}: unknown format`);
  }
}
