/**
 * Fans batches of rows out to worker threads and hands results back in input order, so dedup
 * ("first occurrence wins") and outputs are the same whatever the worker count. With no workers, or
 * no compiled worker (tests on TS sources), the same work runs in-process.
 */
import { Worker } from 'node:worker_threads';
import { compiledWorkerPath } from '../core/worker-path.js';
import type { FieldMapping } from './field-map.js';
import {
  createRowContext,
  processRow,
  type RowContext,
  type RowResult,
  type RowWorkConfig,
} from './row-work.js';
import type { RowBatch } from './row-worker.js';
import type { RawRow } from './types.js';

/** The compiled row worker (dist/curate/row-worker.js), or null when there is none (tests on TS sources). */
export function rowWorkerPath(): string | null {
  return compiledWorkerPath(import.meta.url, 'curate/row-worker.js');
}

interface Pending {
  resolve: (r: RowResult[]) => void;
  reject: (e: Error) => void;
}

export class RowPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private local: RowContext | null = null;
  private nextId = 0;
  private next = 0;

  /** `workers` 0 runs in-process. */
  static async start(config: RowWorkConfig, workers: number): Promise<RowPool> {
    const pool = new RowPool();
    const path = workers > 0 ? rowWorkerPath() : null;
    if (!path) {
      pool.local = await createRowContext(config);
      return pool;
    }
    await Promise.all(
      Array.from({ length: workers }, () => {
        const w = new Worker(path, { workerData: config });
        pool.workers.push(w);
        return new Promise<void>((resolve, reject) => {
          const onMessage = (m: { ready?: boolean }) => {
            if (!m.ready) return;
            w.off('message', onMessage);
            w.on('message', (reply: { id: number; results?: RowResult[]; error?: string }) =>
              pool.reply(reply),
            );
            resolve();
          };
          w.on('message', onMessage);
          w.once('error', reject);
        });
      }),
    );
    for (const w of pool.workers) {
      w.on('error', (err) => pool.failAll(err));
      w.on('exit', (code) => {
        if (code !== 0) pool.failAll(new Error(`row worker exited with code ${code}`));
      });
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private reply(m: { id: number; results?: RowResult[]; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`row worker: ${m.error}`));
    else p.resolve(m.results!);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Processes one batch (round robin over workers); results come back in the batch's order. */
  run(mapping: FieldMapping, rows: RawRow[]): Promise<RowResult[]> {
    const local = this.local;
    if (local) return Promise.resolve(rows.map((raw) => processRow(local, mapping, raw)));
    const id = this.nextId++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, mapping, rows } satisfies RowBatch);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
