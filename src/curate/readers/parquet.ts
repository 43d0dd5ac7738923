import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { RawRow } from '../types.js';

/**
 * Parquet, one row group at a time (hyparquet), so memory is bounded by the largest row group.
 * The `line` of a row is its 1-based row number in the file. 64-bit integers arrive as BigInt and
 * are turned into numbers (or strings past 2^53) so the rest of the pipeline sees plain JSON values.
 */
export async function* readParquetRows(file: string): AsyncGenerator<RawRow> {
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  const buffer = await asyncBufferFromFile(file);
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    yield { kind: 'malformed', file, line: 0, message: `not a Parquet file (${(err as Error).message})` };
    return;
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
    } catch (err) {
      yield {
        kind: 'malformed',
        file,
        line: rowStart + 1,
        message: `unreadable row group (rows ${rowStart + 1}–${rowEnd}: ${(err as Error).message})`,
      };
      rowStart = rowEnd;
      continue;
    }
    for (let i = 0; i < rows.length; i++) {
      yield { kind: 'row', file, line: rowStart + i + 1, value: plain(rows[i]) as Record<string, unknown> };
    }
    rowStart = rowEnd;
  }
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}
