/**
 * A round's export: the verified trees of the round's store, linearized (`records.jsonl`, the SftRecords
 * `metacot search export --format records` writes), then written in the trainer's format: `sft.jsonl`
 * (`metacot-tokens`, chat, trl, openrlhf) or `sft.parquet` (verl). Unsolved problems are not kept.
 */
import { join } from 'node:path';
import { type ExportFormat, exportDataset } from '../export/index.js';
import { writeJsonlAtomic } from '../io/atomic-lines.js';
import { tokenizerById } from '../llm/tokenizer-file.js';
import { solvedRecords } from '../reasoning/records.js';
import type { SearchRunConfig } from '../reasoning/run.js';
import { SearchStore } from '../reasoning/store.js';
import type { IterateConfig } from './config.js';
import { tokenExample } from './tokens.js';

function* mapped<T, U>(items: Iterable<T>, f: (t: T) => U): Generator<U> {
  for (const t of items) yield f(t);
}

/** Writes the round's SFT data; returns the examples kept and the file (null when none were kept). */
export async function exportPhase(
  roundDir: string,
  e: IterateConfig['export'],
): Promise<{ kept: number; data: string | null }> {
  const records = join(roundDir, 'records.jsonl');
  const store = SearchStore.openReadonly(join(roundDir, 'search.sqlite'));
  try {
    const kept = await writeJsonlAtomic(records, solvedRecords(store, e));
    if (kept === 0) return { kept, data: null };
    if (e.format === 'metacot-tokens') {
      const tok = tokenizerById(e.tokenizer);
      const { template } = store.config<SearchRunConfig>();
      const data = join(roundDir, 'sft.jsonl');
      // a second pass over the store rather than holding every record in memory
      await writeJsonlAtomic(
        data,
        mapped(solvedRecords(store, e), (r) => tokenExample(r, template, tok)),
      );
      return { kept, data };
    }
    const data = join(roundDir, e.format === 'verl' ? 'sft.parquet' : 'sft.jsonl');
    await exportDataset({
      input: records,
      output: data,
      format: e.format as ExportFormat,
      kind: 'sft',
      style: e.layout,
      system: e.system,
    });
    return { kept, data };
  } finally {
    store.close();
  }
}
