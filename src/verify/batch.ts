/**
 * Batch verification of a JSONL file (`id`, `gold`, `response` per line) through a VerifierPool. Output lines
 * keep input order and add `correct`, `extracted`, `reason` (plus `rule`, `detail`). Bad lines do not stop the
 * run: they come back as `reason: 'invalid_input'` with an `error` naming file:line and field.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { located, UserError } from '../core/errors.js';
import { AtomicLineWriter } from '../io/atomic-lines.js';
import type { VerifierPool } from './pool.js';
import type { VerifyResult } from './verify.js';

export interface BatchSummary {
  lines: number;
  correct: number;
  incorrect: number;
  invalid: number;
  timeouts: number;
  seconds: number;
}

type Row = Record<string, unknown>;

function check(file: string, line: number, text: string): { row?: Row; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: located({ file, line }, `not valid JSON (${(err as Error).message})`) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: located({ file, line }, 'expected a JSON object') };
  }
  const row = value as Row;
  // numeric golds ("gold": 42) are common in datasets
  if (typeof row.gold === 'number' && Number.isFinite(row.gold)) row.gold = String(row.gold);
  for (const field of ['gold', 'response']) {
    if (typeof row[field] !== 'string') {
      const what = row[field] === undefined ? 'missing' : `expected a string, got ${typeof row[field]}`;
      return { row, error: located({ file, line, field }, what) };
    }
  }
  return { row };
}

export async function verifyFile(
  pool: VerifierPool,
  inFile: string,
  outFile: string,
  onProgress?: (done: number) => void,
): Promise<BatchSummary> {
  if (!existsSync(inFile)) throw new UserError(`${inFile}: no such file`);
  if (statSync(inFile).isDirectory()) throw new UserError(`${inFile}: is a folder, expected a .jsonl file`);
  // written beside the target and renamed when complete: a failed run leaves an existing file as it was
  const out = new AtomicLineWriter(outFile);
  try {
    return await verifyLines(pool, inFile, out, onProgress);
  } catch (err) {
    await out.abort();
    throw err;
  }
}

async function verifyLines(
  pool: VerifierPool,
  inFile: string,
  out: AtomicLineWriter,
  onProgress?: (done: number) => void,
): Promise<BatchSummary> {
  const t0 = performance.now();
  const rl = createInterface({
    input: createReadStream(inFile, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const summary: BatchSummary = { lines: 0, correct: 0, incorrect: 0, invalid: 0, timeouts: 0, seconds: 0 };
  const window: Promise<string>[] = [];
  const maxInFlight = pool.size * 8;
  const flushOne = async (): Promise<void> => {
    await out.write(await window.shift()!);
    onProgress?.(summary.lines - window.length);
  };

  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    summary.lines++;
    const { row, error } = check(inFile, line, text);
    if (error) {
      summary.invalid++;
      const base: Row = row?.id !== undefined ? { id: row.id } : { line };
      window.push(
        Promise.resolve(
          JSON.stringify({ ...base, correct: false, extracted: null, reason: 'invalid_input', error }),
        ),
      );
    } else {
      const r = row!;
      window.push(
        pool.verify({ gold: r.gold as string, response: r.response as string }).then((res: VerifyResult) => {
          if (res.correct) summary.correct++;
          else summary.incorrect++;
          if (res.reason === 'timeout') summary.timeouts++;
          const extra: Row = { rule: res.rule };
          if (res.detail !== undefined) extra.detail = res.detail;
          return JSON.stringify({
            ...r,
            correct: res.correct,
            extracted: res.extracted,
            reason: res.reason,
            ...extra,
          });
        }),
      );
    }
    if (window.length >= maxInFlight) await flushOne();
  }
  while (window.length > 0) await flushOne();
  await out.commit();
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}
