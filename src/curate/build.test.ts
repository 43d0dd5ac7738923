/**
 * The whole build on ../shared/data/math (21 sources, different schemas) and on a small mixed-format
 * folder with malformed input. Checks the bars on the real data: no Chinese problem kept, no
 * multiple-choice item kept, the GSM8K test set (in two files) kept once, every kept answer parses.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_MATH } from '../../test/curate/shared-rows.js';
import type { CompletionRequest, CompletionResult, LMBackend } from '../llm/backend.js';
import { explainAnswer } from '../verify/verify.js';
import { type BuildResult, buildDataset } from './build.js';
import { optionMarkers } from './filters/multiple-choice.js';
import type { OutputRow } from './output-row.js';
import { rowWorkerPath } from './row-pool.js';
import { normalizeForDedup } from './text.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readJsonl = (path: string): OutputRow[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OutputRow);

describe.skipIf(!HAVE_SHARED)('build on ../shared/data/math', () => {
  let result: BuildResult;
  let kept: OutputRow[];
  const out = join(dir, 'shared');
  beforeAll(async () => {
    result = await buildDataset({
      inputs: [SHARED_MATH],
      outDir: out,
      decontaminateAgainst: [join(SHARED_MATH, 'aime24.test.jsonl')],
    });
    kept = readJsonl(join(out, 'problems.jsonl'));
  }, 120_000);

  it('ingests all 21 sources with nothing malformed', () => {
    expect(result.report.sources).toHaveLength(20); // gsm8k_openai test + train are one source
    expect(result.report.inputs).toHaveLength(21);
    expect(result.report.totals.malformed).toBe(0);
    expect(result.report.totals.rows).toBe(25_561);
    expect(result.report.totals.kept).toBe(kept.length);
  });

  it('keeps no Chinese-language problem', () => {
    expect(kept.filter((r) => /\p{Script=Han}/u.test(r.problem))).toEqual([]);
    for (const s of ['cmath', 'cn_middle_school', 'gaokao_math_cloze', 'gaokao_math_qa']) {
      expect(
        kept.filter((r) => r.source === s),
        s,
      ).toEqual([]);
    }
  });

  it('keeps no multiple-choice item', () => {
    for (const s of ['aqua', 'mmlu_stem', 'sat_math'])
      expect(
        kept.filter((r) => r.source === s),
        s,
      ).toEqual([]);
    expect(
      kept.filter((r) => optionMarkers(r.problem) !== null || /which of the following/i.test(r.problem)),
    ).toEqual([]);
    expect(kept.filter((r) => r.answer !== null && /^\s*\(?[A-E]\)?\s*$/.test(r.answer))).toEqual([]);
  });

  it('keeps each GSM8K test problem once, from the first file', () => {
    const test = readFileSync(join(SHARED_MATH, 'gsm8k.test.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => normalizeForDedup((JSON.parse(l) as { question: string }).question));
    const keys = new Set(test);
    const hits = new Map<string, number>();
    for (const r of kept) {
      const k = normalizeForDedup(r.problem);
      if (keys.has(k)) hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    expect(hits.size).toBe(keys.size);
    expect([...hits.values()].every((n) => n === 1)).toBe(true);
    expect(kept.filter((r) => r.file.endsWith('gsm8k_openai.test.jsonl'))).toEqual([]);
    const removed = readJsonl(join(out, 'removed.jsonl'));
    const dups = removed.filter((r) => r.file.endsWith('gsm8k_openai.test.jsonl'));
    expect(dups).toHaveLength(1319);
    expect(dups[0]!.signals.exact_duplicate).toMatch(/gsm8k\.test\.jsonl:1$/);
  });

  it('keeps only answers the verifier parses as mathematics', () => {
    const bad = kept.filter(
      (r) => r.answer === null || ['text', 'choice'].includes(explainAnswer(r.answer).type),
    );
    expect(bad).toEqual([]);
  });

  it('decontaminates against the chosen test set: no AIME 2024 problem kept', () => {
    expect(kept.filter((r) => r.source === 'aime24')).toEqual([]);
    expect(result.report.sources.find((s) => s.source === 'aime24')!.signals.contaminated).toBe(30);
  });

  it('writes Parquet with the same rows and Big-Math columns, and an auditable report', async () => {
    const buf = readFileSync(join(out, 'problems.parquet'));
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    expect(rows).toHaveLength(kept.length);
    expect(Object.keys(rows[0]!).slice(0, 6)).toEqual([
      'id',
      'problem',
      'answer',
      'source',
      'domain',
      'solve_rate',
    ]);
    expect(rows[100]).toMatchObject({
      problem: kept[100]!.problem,
      answer: kept[100]!.answer,
      line: kept[100]!.line,
    });
    // a JSON column decodes to the object, not to a string holding it (Arrow reads it as JSON text)
    expect(rows[100]!.signals).toEqual({});
    // and by a reader that did not write it: parquet-wasm (Apache arrow-rs) through apache-arrow
    const table = tableFromIPC(readParquet(new Uint8Array(buf)).intoIPCStream());
    expect(table.numRows).toBe(kept.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual([
      'id',
      'problem',
      'answer',
      'source',
      'domain',
      'solve_rate',
      'difficulty',
      'file',
      'line',
      'answer_from',
      'signals',
    ]);
    expect(table.getChild('problem')!.toArray()).toEqual(kept.map((r) => r.problem));
    expect(table.getChild('answer')!.get(7)).toBe(kept[7]!.answer);
    expect(table.getChild('line')!.get(7)).toBe(kept[7]!.line);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.totals).toEqual(result.report.totals);
    expect(report.examples.multiple_choice.length).toBeGreaterThan(0);
    expect(report.examples.non_english[0].reason).toMatch(/Han script/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('gsm8k_openai');
  });
});

/** Scripted LMBackend (a fake: no model runs in this test) that solves every problem in the first rollout of two. */
class HalfRight implements LMBackend {
  readonly name = 'half-right';
  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const q = req.messages!.at(-1)!.content;
    const answer = /1\+1/.test(q)
      ? '2'
      : /2\+3/.test(q)
        ? '5'
        : /legs/.test(q)
          ? '12'
          : /7 times 6/.test(q)
            ? '42'
            : '0';
    const completions = Array.from({ length: req.n ?? 1 }, (_, i) => ({
      text: i % 2 === 0 ? `\\boxed{${answer}}` : '\\boxed{99}',
      finishReason: 'stop' as const,
      tokens: 3,
    }));
    return { completions, promptTokens: 1, completionTokens: 3 };
  }
}

describe('build on mixed formats with malformed input', () => {
  it('reads JSONL, JSON, CSV and Parquet, skips and reports bad lines, measures difficulty', async () => {
    const src = join(dir, 'mixed');
    const out = join(dir, 'mixed-out');
    mkdirSync(src, { recursive: true });
    writeFileSync(
      join(src, 'a.jsonl'),
      '{"problem":"What is 1+1?","answer":"2"}\n{broken\n{"problem":"What is 1+1 ?","answer":"2"}\n',
    );
    writeFileSync(
      join(src, 'b.json'),
      '[{"question":"What is 2+3?","final_answer":5},{"question":"Prove that 2 is prime."}]',
    );
    writeFileSync(join(src, 'c.csv'), 'input,target\n"How many legs do 3 cats have?",12\n"a","b","c"\n');
    symlinkSync(join(src, 'gone.jsonl'), join(src, 'e-dangling.jsonl'));
    parquetWriteFile({
      filename: join(src, 'd.parquet'),
      columnData: [
        {
          name: 'content',
          data: ['Calculate 7 times 6.', 'Berechnen Sie die Summe von 3 und 4, bitte.'],
          type: 'STRING',
        },
        { name: 'answer', data: ['42', '7'], type: 'STRING' },
      ],
    });
    const { report } = await buildDataset({
      inputs: [src],
      outDir: out,
      difficulty: { backend: new HalfRight(), rollouts: 4 },
    });
    expect(report.totals).toEqual({ rows: 7, malformed: 3, kept: 4, removed: 3 });
    expect(report.malformed.map((m) => `${m.file.slice(src.length + 1)}:${m.line}`)).toEqual([
      'a.jsonl:2',
      'c.csv:3',
      'e-dangling.jsonl:0',
    ]);
    expect(report.malformed[2]!.message).toMatch(/cannot read file .*ENOENT/);
    const rows = readJsonl(join(out, 'problems.jsonl'));
    expect(rows.map((r) => [r.source, r.answer, r.solve_rate, r.difficulty])).toEqual([
      ['a', '2', 0.5, 3],
      ['b', '5', 0.5, 3],
      ['c', '12', 0.5, 3],
      ['d', '42', 0.5, 3],
    ]);
    expect(report.difficulty).toMatchObject({ rollouts: 4, measured: 4, unsolved: 0 });
    const removed = readJsonl(join(out, 'removed.jsonl'));
    expect(removed.map((r) => r.removed_by)).toEqual([
      ['exact_duplicate'],
      expect.arrayContaining(['proof', 'missing_answer']),
      ['non_english'],
    ]);
    expect(report.sources.find((s) => s.source === 'd')!.signals.non_english).toBe(1);
  }, 60_000);
});

describe.skipIf(!HAVE_SHARED || rowWorkerPath() === null)('worker threads', () => {
  it('give the same outputs as the in-process build (results are handled in input order)', async () => {
    const inputs = ['mawps.test.jsonl', 'asdiv.test.jsonl'].map((f) => join(SHARED_MATH, f));
    const a = join(dir, 'w0');
    const b = join(dir, 'w2');
    await buildDataset({ inputs, outDir: a, workers: 0, formats: ['jsonl'] });
    await buildDataset({ inputs, outDir: b, workers: 2, formats: ['jsonl'] });
    for (const f of ['problems.jsonl', 'removed.jsonl']) {
      expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    }
  }, 120_000);
});
