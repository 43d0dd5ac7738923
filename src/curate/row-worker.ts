/** Worker-thread entry for RowPool: builds its RowContext once, then answers one batch per message. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FieldMapping } from './field-map.js';
import { createRowContext, processRow, type RowWorkConfig } from './row-work.js';
import type { RawRow } from './types.js';

export interface RowBatch {
  id: number;
  mapping: FieldMapping;
  rows: RawRow[];
}

const port = parentPort;
if (!port) throw new Error('curate/row-worker.js must run in a worker thread');
const ctx = await createRowContext(workerData as RowWorkConfig);
port.on('message', (batch: RowBatch) => {
  try {
    const results = batch.rows.map((raw) => processRow(ctx, batch.mapping, raw));
    port.postMessage({ id: batch.id, results });
  } catch (err) {
    port.postMessage({ id: batch.id, error: (err as Error).stack ?? String(err) });
  }
});
port.postMessage({ ready: true });
