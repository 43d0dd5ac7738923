import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import {
  type CountdownConfig,
  HELD_OUT_SPLITS,
  type Split,
  splitTargets,
  validateConfig,
} from './generator.js';
import type { TraceFormat } from './linearize/format.js';
import { distinctDraws, makeRecord, type RecordOptions } from './record.js';
import { parseSolverName, SOLVER_NAMES } from './solvers.js';

export interface GenerateOptions {
  config: CountdownConfig;
  trainCount: number;
  testCount: number;
  /** Problems on held-out inputs (`config.heldOutInputFraction`), train targets: the `test-inputs` split. */
  testInputsCount?: number;
  /** Problems of the validation splits (`config.validationFraction`): held-out targets, held-out inputs. */
  validCount?: number;
  validInputsCount?: number;
  /** Fewer test problems than asked when the held-out space has fewer distinct ones: all of them. */
  testUpTo?: boolean;
  solver: string;
  format: TraceFormat;
  /** Worker threads; defaults to one per core. 1 runs in-process. */
  workers?: number;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Per-record numbers the summary needs, sent back instead of re-parsing the JSON. */
type RecordStat = [solver: string, solved: boolean, traceTokens: number, optimalTokens: number];

export interface Chunk {
  id: number;
  split: Split;
  start: number;
  end: number;
}

export interface ChunkResult {
  id: number;
  text?: string;
  stats?: RecordStat[];
  error?: { message: string; user: boolean };
}

export interface SolverSummary {
  solver: string;
  count: number;
  solved: number;
  traceTokensMedian: number;
  traceTokensP90: number;
}

export interface GenerateSummary {
  records: number;
  solved: number;
  bySolver: SolverSummary[];
  optimalTokensMedian: number;
  optimalTokensP90: number;
  seconds: number;
}

/** Renders one chunk of records as JSONL text (used by workers and the in-process path alike). */
export async function renderChunk(opts: RecordOptions, chunk: Chunk): Promise<ChunkResult> {
  try {
    const lines: string[] = [];
    const stats: RecordStat[] = [];
    for (let i = chunk.start; i < chunk.end; i++) {
      const r = await makeRecord(opts, chunk.split, i);
      lines.push(JSON.stringify(r));
      stats.push([r.solver, r.solved, r.trace_tokens, r.optimal_tokens]);
    }
    return { id: chunk.id, text: lines.length ? `${lines.join('\n')}\n` : '', stats };
  } catch (err) {
    return {
      id: chunk.id,
      error: { message: err instanceof Error ? err.message : String(err), user: err instanceof UserError },
    };
  }
}

/**
 * Generates problems and traces into `out` (JSONL), in a fixed order whatever the worker count, so
 * a seed always gives the same file. Writes to a temporary file and renames it at the end: a failed
 * or interrupted run leaves no partial output behind.
 */
export async function generateCountdownFile(out: string, opts: GenerateOptions): Promise<GenerateSummary> {
  const started = Date.now();
  validateConfig(opts.config);
  if (parseSolverName(opts.solver) === null) {
    throw new UserError(`unknown solver '${opts.solver}' (known: ${SOLVER_NAMES.join(', ')})`);
  }
  const asked: Record<Split, number> = {
    train: opts.trainCount,
    test: opts.testCount,
    'test-inputs': opts.testInputsCount ?? 0,
    valid: opts.validCount ?? 0,
    'valid-inputs': opts.validInputsCount ?? 0,
  };
  const testInputsCount = asked['test-inputs'];
  for (const [name, n] of [
    ['count', opts.trainCount],
    ['test-count', opts.testCount],
    ['test-inputs-count', testInputsCount],
    ['valid-count', asked.valid],
    ['valid-inputs-count', asked['valid-inputs']],
  ] as const) {
    if (!(Number.isInteger(n) && n >= 0))
      throw new UserError(`--${name} must be a non-negative integer, got ${n}`);
  }
  if (testInputsCount > 0 && !(opts.config.heldOutInputFraction > 0)) {
    throw new UserError(
      '--test-inputs-count needs held-out inputs: set --held-out-inputs to a fraction above 0',
    );
  }
  if (asked.valid + asked['valid-inputs'] > 0 && !(opts.config.validationFraction > 0)) {
    throw new UserError('--valid-count and --valid-inputs-count need --validation above 0');
  }
  if (asked['valid-inputs'] > 0 && !(opts.config.heldOutInputFraction > 0)) {
    throw new UserError(
      '--valid-inputs-count needs held-out inputs: set --held-out-inputs to a fraction above 0',
    );
  }
  const folder = dirname(out) || '.';
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UserError(`cannot write ${out}: ${folder} is not an existing folder`);
  }
  if (existsSync(out) && statSync(out).isDirectory())
    throw new UserError(`cannot write ${out}: it is a folder`);

  const recordOpts: RecordOptions = {
    config: opts.config,
    targets: splitTargets(opts.config),
    solver: opts.solver,
    format: opts.format,
  };
  // Fail fast, with the generator's own message, on configs that cannot produce a problem.
  for (const [split, n] of Object.entries(asked) as Array<[Split, number]>) {
    if (n > 0) {
      const probe = await renderChunk(recordOpts, { id: 0, split, start: 0, end: 1 });
      if (probe.error)
        throw probe.error.user ? new UserError(probe.error.message) : new Error(probe.error.message);
    }
  }
  recordOpts.draws = Object.fromEntries(
    HELD_OUT_SPLITS.map((split) => [split, distinctDraws(recordOpts, asked[split], split, opts.testUpTo)]),
  );
  const counts = { ...asked };
  for (const split of HELD_OUT_SPLITS) counts[split] = recordOpts.draws[split]!.length;

  const chunks = planChunks(counts, opts.chunkSize ?? 250);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const tmp = `${out}.tmp-${process.pid}`;
  const file = createWriteStream(tmp);
  const fileError = once(file, 'error').then(([e]) => {
    throw new UserError(`cannot write ${out}: ${(e as Error).message}`);
  });
  fileError.catch(() => {});
  const stats: RecordStat[] = [];
  let done = 0;
  // Ctrl-C or a kill signal mid-run: remove the temporary file, then exit as interrupted.
  const interrupted = (signal: NodeJS.Signals) => {
    file.destroy();
    rmSync(tmp, { force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await Promise.race([
      fileError,
      runChunks(recordOpts, chunks, opts.workers ?? cpus().length, async (res) => {
        if (!file.write(res.text ?? '')) await once(file, 'drain');
        stats.push(...(res.stats ?? []));
        done += res.stats?.length ?? 0;
        opts.onProgress?.(done, total);
      }),
    ]);
    file.end();
    await Promise.race([once(file, 'finish'), fileError]);
    renameSync(tmp, out);
  } catch (err) {
    file.destroy();
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  return summarize(stats, (Date.now() - started) / 1000);
}

function planChunks(counts: Record<Split, number>, size: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (const split of ['train', ...HELD_OUT_SPLITS] as const) {
    const n = counts[split];
    for (let start = 0; start < n; start += size) {
      chunks.push({ id: chunks.length, split, start, end: Math.min(n, start + size) });
    }
  }
  return chunks;
}

const WORKER_URL = new URL('./generate-worker.js', import.meta.url);

/** Runs chunks on worker threads (or in-process), delivering results to `deliver` in chunk order. */
async function runChunks(
  opts: RecordOptions,
  chunks: Chunk[],
  workers: number,
  deliver: (r: ChunkResult) => Promise<void>,
): Promise<void> {
  // From TypeScript sources (tests, tsx) there is no compiled worker next to this module.
  const canFork = workers > 1 && chunks.length > 1 && existsSync(fileURLToPath(WORKER_URL));
  if (!canFork) {
    for (const c of chunks) await deliverOrThrow(await renderChunk(opts, c), deliver);
    return;
  }
  const pending = new Map<number, ChunkResult>();
  let nextToDeliver = 0;
  let nextToSend = 0;
  const pool = Array.from(
    { length: Math.min(workers, chunks.length) },
    () => new Worker(WORKER_URL, { workerData: opts }),
  );
  let delivering = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (w: Worker) => {
        if (nextToSend < chunks.length) w.postMessage(chunks[nextToSend++]);
      };
      for (const w of pool) {
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0 && nextToDeliver < chunks.length)
            reject(new Error(`a generator worker exited with code ${code}`));
        });
        w.on('message', (res: ChunkResult) => {
          pending.set(res.id, res);
          send(w);
          delivering = delivering.then(async () => {
            while (pending.has(nextToDeliver)) {
              const r = pending.get(nextToDeliver)!;
              pending.delete(nextToDeliver);
              nextToDeliver++;
              await deliverOrThrow(r, deliver);
            }
            if (nextToDeliver === chunks.length) resolve();
          });
          delivering.catch(reject);
        });
        send(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

async function deliverOrThrow(r: ChunkResult, deliver: (r: ChunkResult) => Promise<void>) {
  if (r.error) throw r.error.user ? new UserError(r.error.message) : new Error(r.error.message);
  await deliver(r);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summarize(stats: RecordStat[], seconds: number): GenerateSummary {
  const by = new Map<string, { solved: number; tokens: number[] }>();
  for (const [solver, solved, tokens] of stats) {
    const s = by.get(solver) ?? { solved: 0, tokens: [] };
    s.solved += solved ? 1 : 0;
    s.tokens.push(tokens);
    by.set(solver, s);
  }
  const optimal = stats.map((s) => s[3]).sort((a, b) => a - b);
  return {
    records: stats.length,
    solved: stats.filter((s) => s[1]).length,
    bySolver: [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([solver, s]) => {
        const t = s.tokens.sort((a, b) => a - b);
        return {
          solver,
          count: t.length,
          solved: s.solved,
          traceTokensMedian: quantile(t, 0.5),
          traceTokensP90: quantile(t, 0.9),
        };
      }),
    optimalTokensMedian: quantile(optimal, 0.5),
    optimalTokensP90: quantile(optimal, 0.9),
    seconds,
  };
}
