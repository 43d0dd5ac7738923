import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { RawRow } from '../types.js';

/**
 * CSV with a header row, streamed through csv-parse. A record that cannot be parsed (wrong column
 * count, a stray quote) becomes a `malformed` row naming its line instead of stopping the file.
 */
export async function* readCsvRows(file: string): AsyncGenerator<RawRow> {
  const skipped: RawRow[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        skipped.push({
          kind: 'malformed',
          file,
          line: (err as { lines?: number } | undefined)?.lines ?? 0,
          message: err?.message ?? 'unreadable CSV record',
        });
        return undefined;
      },
    }),
  );
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    yield { kind: 'row', file, line: item.info.lines, value: item.record };
  }
  while (skipped.length > 0) yield skipped.shift()!;
}
