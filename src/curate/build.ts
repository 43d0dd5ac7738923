/**
 * `metacot data build`: raw sources → a clean, RL-ready problem set a researcher can audit.
 *
 * 1. Stream every input file (JSONL, JSON array, CSV, Parquet); map its fields (detected from the
 *    first rows, or declared); resolve and parse the gold answer with the verifier.
 * 2. Compute every rule-based signal with its reason; decontaminate against chosen test sets.
 * 3. Among rows no removing signal has hit, look for exact then near duplicates (MinHash LSH):
 *    the first clean occurrence is kept. Dedup keeps hashes and signatures, never rows.
 * 4. Kept rows stream to the outputs (or, when difficulty is measured, a staging file), removed
 *    rows to `removed.jsonl` (with their signals).
 * 5. Optionally measure difficulty (K rollouts per kept problem, resumable checkpoint).
 * 6. Write `problems.jsonl` and `problems.parquet`, then `report.json` and `report.html`.
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { createInterface } from 'node:readline';
import { writeFileAtomic } from '../io/atomic-file.js';
import type { LMBackend } from '../llm/backend.js';
import { DEFAULT_DECONTAMINATION, type DecontaminationOptions, Decontaminator } from './decontaminate.js';
import { difficultyQuintile, measureDifficulty, QUINTILE_LABELS, type SolveCount } from './difficulty.js';
import { ExactDedup } from './exact-dedup.js';
import {
  applyOverrides,
  detectMapping,
  type FieldMapping,
  type MappingOverrides,
  sourceNameOf,
} from './field-map.js';
import { DEFAULT_LSH, LshIndex, type LshOptions } from './lsh.js';
import { DEFAULT_MINHASH } from './minhash.js';
import { BUILD_FILES, type OutputRow } from './output-row.js';
import { listInputFiles, readRows } from './readers/index.js';
import { type BuildReport, filterList, ReportCollector, type SkippedRow } from './report.js';
import { renderReportHtml } from './report-html.js';
import { RowPool } from './row-pool.js';
import type { RowResult } from './row-work.js';
import { hash53, normalizeForDedup } from './text.js';
import { type RawRow, SIGNALS, type SignalName } from './types.js';

/** rows per batch sent to a worker */
const BATCH = 256;

import { JsonlWriter } from './write-jsonl.js';
import { ParquetRowWriter } from './write-parquet.js';

export interface DifficultyConfig {
  backend: LMBackend;
  rollouts: number;
  maxTokens?: number;
  temperature?: number;
  concurrency?: number;
}

export interface BuildOptions {
  /** files and folders (folders are read recursively) */
  inputs: string[];
  outDir: string;
  overrides?: MappingOverrides;
  /** test sets to decontaminate against */
  decontaminateAgainst?: string[];
  decontamination?: Partial<DecontaminationOptions>;
  /** signals that remove a row (default: all); the others are only recorded */
  remove?: SignalName[];
  /** near-duplicate detection (default on) */
  nearDuplicates?: boolean;
  lsh?: Partial<LshOptions>;
  /** words per MinHash shingle (default 3) */
  shingle?: number;
  /** load the verifier's compute-engine fallback parser, so more LaTeX answers parse (default true) */
  symbolic?: boolean;
  /** output formats (default both) */
  formats?: ('jsonl' | 'parquet')[];
  /** also write removed rows with their signals to removed.jsonl (default true) */
  writeRemoved?: boolean;
  difficulty?: DifficultyConfig;
  /** worker threads for the per-row work (default 0: in-process); results keep input order either way */
  workers?: number;
  /** `filter`: every 1,000 rows read, and once at the end (no total: rows stream); `difficulty`: each problem, of `total` */
  onProgress?: (done: number, stage: 'filter' | 'difficulty', total?: number) => void;
}

export interface BuildResult {
  report: BuildReport;
  outputs: string[];
}

/** A content id: stable across runs and input order, the key of the difficulty checkpoint. */
export function problemId(problem: string, answer: string | null): string {
  return hash53(`${normalizeForDedup(problem)}\u0000${answer ?? ''}`)
    .toString(36)
    .padStart(11, '0');
}

/** Rows of one file with the mapping detected from its first rows (buffered, then streamed on). */
async function* mappedRows(
  file: string,
  overrides: MappingOverrides | undefined,
): AsyncGenerator<{ raw: RawRow; mapping: FieldMapping }> {
  const it = readRows(file);
  const head: RawRow[] = [];
  let next = await it.next();
  while (!next.done && head.length < 20) {
    head.push(next.value);
    next = await it.next();
  }
  const sample = head.flatMap((r) => (r.kind === 'row' ? [r.value] : []));
  const mapping = applyOverrides(file, detectMapping(file, sample), overrides);
  for (const raw of head) yield { raw, mapping };
  while (!next.done) {
    yield { raw: next.value, mapping };
    next = await it.next();
  }
}

export async function buildDataset(opts: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const files = listInputFiles(opts.inputs);
  // test sets as inputs are: files or folders, each checked before any work starts
  const decontaminateAgainst = listInputFiles(opts.decontaminateAgainst ?? []);
  mkdirSync(opts.outDir, { recursive: true });
  const removing = new Set<SignalName>(opts.remove ?? SIGNALS);
  const formats = opts.formats ?? ['jsonl', 'parquet'];

  const decontamination = { ...DEFAULT_DECONTAMINATION, ...opts.decontamination };
  // the main thread reads test sets only to describe them in the report; workers do the checking
  const decon =
    decontaminateAgainst.length > 0
      ? await Decontaminator.fromFiles(decontaminateAgainst, decontamination, opts.overrides)
      : null;
  const exact = new ExactDedup();
  const near = opts.nearDuplicates === false ? null : new LshIndex({ ...DEFAULT_LSH, ...opts.lsh });
  const pool = await RowPool.start(
    {
      symbolic: opts.symbolic !== false,
      removing: [...removing],
      decontaminateAgainst,
      decontamination,
      overrides: opts.overrides,
      minhash: near
        ? { ...DEFAULT_MINHASH, numPerm: near.options.numPerm, shingle: opts.shingle ?? 3 }
        : null,
    },
    opts.workers ?? 0,
  );
  const report = new ReportCollector();

  // without difficulty, kept rows go straight to the final outputs; with it, to a staging file that
  // the rollouts read and the final pass joins with solve rates
  const staging = join(opts.outDir, BUILD_FILES.staging);
  const direct = !opts.difficulty;
  const kept = direct ? null : new JsonlWriter(staging);
  const jsonl = formats.includes('jsonl') ? new JsonlWriter(join(opts.outDir, BUILD_FILES.jsonl)) : null;
  const parquet = formats.includes('parquet')
    ? new ParquetRowWriter(join(opts.outDir, BUILD_FILES.parquet))
    : null;
  const removed =
    opts.writeRemoved === false ? null : new JsonlWriter(join(opts.outDir, BUILD_FILES.removed));
  let rows = 0;
  let toMeasure = 0;
  let counts: Map<string, SolveCount> | null = null;
  const skipped: SkippedRow[] = [];
  const outputs: string[] = [];
  const quintiles = [0, 0, 0, 0, 0];
  let unsolved = 0;
  let measured = 0;

  const handle = async (file: string, source: string, results: RowResult[]): Promise<void> => {
    for (const r of results) {
      if (++rows % 1000 === 0) opts.onProgress?.(rows, 'filter');
      if (r.kind === 'malformed') {
        report.addMalformed(source, file, r.line, r.message);
        continue;
      }
      const { record: rec, signals } = r;
      let removedBy = (Object.keys(signals) as SignalName[]).filter((s) => removing.has(s));
      if (removedBy.length === 0) {
        // duplicates only among clean rows: the first clean occurrence is the one kept
        const dup = exact.check(rec.problem, file, r.line);
        if (dup) signals.exact_duplicate = `same normalized problem as ${dup}`;
        else if (near && r.reduced) {
          // answers must agree: a reworded problem, not a template with other numbers
          const hit = near.query(r.reduced, r.answerKey);
          if (hit)
            signals.near_duplicate = `Jaccard ≈ ${hit.similarity.toFixed(2)} with ${hit.where}, same answer`;
          else near.add(r.reduced, r.answerKey, file, r.line);
        }
        removedBy = (Object.keys(signals) as SignalName[]).filter((s) => removing.has(s));
      }
      report.addRow(rec, signals, removedBy);
      const out: OutputRow = {
        id: problemId(rec.problem, rec.answer),
        problem: rec.problem,
        answer: rec.answer,
        source: rec.source,
        domain: rec.domain,
        solve_rate: null,
        difficulty: null,
        file: rec.file,
        line: rec.line,
        answer_from: rec.answerFrom,
        signals,
      };
      if (removedBy.length === 0) {
        if (kept) {
          await kept.write(out);
          if (out.answer !== null) toMeasure++;
        } else {
          await jsonl?.write(out);
          await parquet?.write(out);
        }
      } else if (removed) await removed.write({ ...out, removed_by: removedBy });
    }
  };

  try {
    try {
      // batches go out to the workers ahead of time; results are handled strictly in input order
      const ahead = Math.max(2, 3 * pool.size);
      const queue: { file: string; source: string; results: Promise<RowResult[]> }[] = [];
      const drain = async (keep: number) => {
        while (queue.length > keep) {
          const q = queue.shift()!;
          await handle(q.file, q.source, await q.results);
        }
      };
      for (const file of files) {
        let batch: RawRow[] = [];
        let mapping: FieldMapping | null = null;
        try {
          for await (const item of mappedRows(file, opts.overrides)) {
            mapping = item.mapping;
            batch.push(item.raw);
            if (batch.length >= BATCH) {
              queue.push({ file, source: mapping.source, results: pool.run(mapping, batch) });
              batch = [];
              await drain(ahead);
            }
          }
        } catch (err) {
          // an unreadable file (permissions, I/O error, a truncated gzip) is reported like a bad line
          await drain(0);
          report.addMalformed(
            mapping?.source ?? sourceNameOf(file),
            file,
            0,
            `cannot read file (${(err as Error).message})`,
          );
        }
        if (batch.length > 0 && mapping)
          queue.push({ file, source: mapping.source, results: pool.run(mapping, batch) });
        await drain(ahead);
      }
      await drain(0);
    } finally {
      await pool.close();
    }
    await kept?.close();
    await removed?.close();
    opts.onProgress?.(rows, 'filter');

    // difficulty: rollouts over the kept problems, resumable through the checkpoint
    if (opts.difficulty) opts.onProgress?.(0, 'difficulty', toMeasure);
    counts = opts.difficulty
      ? await measureStaged(staging, opts.difficulty, join(opts.outDir, BUILD_FILES.difficultyCheckpoint), {
          onProgress: (n) => opts.onProgress?.(n, 'difficulty', toMeasure),
          onSkip: (row) => skipped.push(row),
        })
      : null;

    // final outputs: staging + solve rates → JSONL and Parquet
    for await (const row of direct ? [] : readStaging(staging)) {
      const c = counts?.get(row.id);
      if (c && c.total > 0) {
        row.solve_rate = c.solved / c.total;
        row.difficulty = difficultyQuintile(row.solve_rate);
        quintiles[row.difficulty - 1]!++;
        measured++;
        if (c.solved === 0) unsolved++;
      }
      await jsonl?.write(row);
      await parquet?.write(row);
    }
    await jsonl?.close();
    await parquet?.close();
  } catch (err) {
    // a failed build leaves no half-written outputs (the difficulty checkpoint stays: a rerun resumes)
    await Promise.all([kept?.abort(), jsonl?.abort(), removed?.abort()]);
    parquet?.abort();
    rmSync(staging, { force: true });
    throw err;
  }
  rmSync(staging, { force: true });
  if (jsonl) outputs.push(jsonl.path);
  if (parquet) outputs.push(parquet.path);
  if (removed) outputs.push(removed.path);

  const seconds = (performance.now() - started) / 1000;
  const result: BuildReport = {
    format: 'metacot.curate.report',
    version: 1,
    created: new Date().toISOString(),
    inputs: files,
    outputs,
    filters: filterList(removing, near ? { ...near.options, shingle: opts.shingle ?? 3 } : null, decon),
    totals: report.totals(),
    sources: report.sortedSources(),
    malformed: report.malformed,
    examples: report.examples,
    decontamination: decon ? { testSets: decon.testSets, ...decon.options } : null,
    nearDuplicates: near ? { ...near.options, shingle: opts.shingle ?? 3 } : null,
    difficulty:
      opts.difficulty && counts
        ? {
            backend: opts.difficulty.backend.name,
            rollouts: opts.difficulty.rollouts,
            measured,
            quintiles: quintiles.map((count, i) => ({
              quintile: i + 1,
              range: QUINTILE_LABELS[i]!,
              count,
              share: measured > 0 ? count / measured : 0,
            })),
            unsolved,
            skipped: skipped.length,
            skipped_rows: skipped.slice(0, MAX_SKIPPED_LISTED),
          }
        : null,
    timing: {
      seconds,
      rowsPerSecond: rows / Math.max(seconds, 1e-9),
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    },
  };
  result.totals.malformed = report.malformedCount;
  writeFileAtomic(join(opts.outDir, BUILD_FILES.reportJson), `${JSON.stringify(result, null, 2)}\n`);
  writeFileAtomic(join(opts.outDir, BUILD_FILES.reportHtml), renderReportHtml(result));
  return {
    report: result,
    outputs: [
      ...outputs,
      join(opts.outDir, BUILD_FILES.reportJson),
      join(opts.outDir, BUILD_FILES.reportHtml),
    ],
  };
}

/** Skipped rows listed in the report (all are counted). */
const MAX_SKIPPED_LISTED = 100;

/** Difficulty of the staged kept rows; rows the backend refuses are reported through `onSkip` with where they came from. */
async function measureStaged(
  staging: string,
  d: DifficultyConfig,
  checkpoint: string,
  o: { onProgress: (done: number) => void; onSkip: (row: SkippedRow) => void },
): Promise<Map<string, SolveCount>> {
  return measureDifficulty(
    (async function* () {
      for await (const row of readStaging(staging)) {
        if (row.answer !== null)
          yield { id: row.id, problem: row.problem, answer: row.answer, file: row.file, line: row.line };
      }
    })(),
    {
      backend: d.backend,
      rollouts: d.rollouts,
      checkpoint,
      maxTokens: d.maxTokens,
      temperature: d.temperature,
      concurrency: d.concurrency,
      onProblem: o.onProgress,
      onSkip: (p, message) => o.onSkip({ id: p.id, file: p.file ?? '', line: p.line ?? 0, message }),
    },
  );
}

async function* readStaging(path: string): AsyncGenerator<OutputRow> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) if (line !== '') yield JSON.parse(line) as OutputRow;
}
