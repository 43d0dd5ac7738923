/**
 * Every export is read back by a reader that did not write it: Parquet by parquet-wasm (Apache arrow-rs,
 * Rust) through apache-arrow, where the writer is hyparquet-writer (JavaScript); JSONL by python3's json
 * module, as `datasets.load_dataset("json")` would see the values.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { runPython } from '../../test/scaleout/python.js';
import { UserError } from '../core/errors.js';
import { exportDataset } from './index.js';
import { BOXED_INSTRUCTION, EXPLORE_INSTRUCTION } from './prompt.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PROBLEMS = [
  { id: 'c1', problem: 'Use 3, 5, 7 to make 22. ünï ∑', answer: '3*5+7', source: 'countdown', difficulty: 2 },
  { problem: 'What is $\\frac{1}{2} + \\frac{1}{4}$?', answer: '\\frac{3}{4}' },
  { question: 'How many primes are below 10?', answer: 4 },
];
const SFT = [
  {
    prompt: 'Make 10 from 2, 5.',
    completion: 'Try 2*5=10. Goal reached.\n\\boxed{2*5}',
    meta: { searcher: 'dfs' },
  },
  {
    messages: [
      { role: 'system', content: 'You search.' },
      { role: 'user', content: 'Make 4 from 2, 2.' },
      { role: 'assistant', content: 'Try 2+2=4. Goal reached.' },
    ],
  },
];
const write = (name: string, rows: unknown[]): string => {
  const f = join(dir, name);
  writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return f;
};
const problemsFile = write('problems.jsonl', PROBLEMS);
const sftFile = write('sft.jsonl', SFT);

function readParquetRows(file: string): { schema: string; rows: unknown[] } {
  const table = tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
  const rows = table
    .toArray()
    .map((r) => JSON.parse(JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))));
  return { schema: table.schema.fields.map((f) => `${f.name}: ${f.type}`).join('; '), rows };
}

/** python3 reads the JSONL the way `datasets`' json loader does: one json.loads per line. */
async function readJsonlWithPython(file: string): Promise<unknown[]> {
  const out = await runPython([
    '-c',
    'import json,sys\nrows=[json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]\nprint(json.dumps(rows))',
    file,
  ]);
  return JSON.parse(out) as unknown[];
}

describe('verl Parquet export (read back by arrow-rs)', () => {
  it('writes the RL schema verl reads: data_source, chat prompt, ability, reward_model, extra_info', async () => {
    const out = join(dir, 'verl', 'train.parquet');
    const summary = await exportDataset({
      input: problemsFile,
      output: out,
      format: 'verl',
      system: 'Be brief.',
    });
    expect(summary).toEqual({ kind: 'problems', rows: 3, output: out });
    const { schema, rows } = readParquetRows(out);
    expect(schema).toBe(
      'data_source: Utf8; prompt: List<Struct<{role:Utf8, content:Utf8}>>; ability: Utf8; ' +
        'reward_model: Struct<{style:Utf8, ground_truth:Utf8}>; ' +
        'extra_info: Struct<{split:Utf8, index:Int64, id:Utf8, question:Utf8, answer:Utf8, metadata:Utf8}>',
    );
    expect(rows[0]).toEqual({
      data_source: 'countdown',
      prompt: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: `Use 3, 5, 7 to make 22. ünï ∑\n\n${BOXED_INSTRUCTION}` },
      ],
      ability: 'math',
      reward_model: { style: 'rule', ground_truth: '3*5+7' },
      extra_info: {
        split: 'train',
        index: '0n',
        id: 'c1',
        question: 'Use 3, 5, 7 to make 22. ünï ∑',
        answer: '3*5+7',
        metadata: '{"difficulty":2}',
      },
    });
    expect(rows[1]).toMatchObject({ data_source: 'metacot', reward_model: { ground_truth: '\\frac{3}{4}' } });
    expect(rows[2]).toMatchObject({
      reward_model: { ground_truth: '4' },
      extra_info: { index: '2n', id: '2', question: 'How many primes are below 10?' },
    });
  });

  it('writes SFT records as a messages column (default) or prompt/response strings', async () => {
    const out = join(dir, 'sft.parquet');
    await exportDataset({ input: sftFile, output: out, format: 'verl', template: 'explore' });
    const { schema, rows } = readParquetRows(out);
    expect(schema).toBe('messages: List<Struct<{role:Utf8, content:Utf8}>>');
    expect(rows).toEqual([
      {
        messages: [
          { role: 'user', content: SFT[0]!.prompt },
          { role: 'assistant', content: SFT[0]!.completion },
        ],
      },
      { messages: SFT[1]!.messages! },
    ]);
    const pairs = join(dir, 'sft-pair.parquet');
    await exportDataset({ input: sftFile, output: pairs, format: 'verl', style: 'pair' });
    expect(readParquetRows(pairs).rows).toEqual([
      { prompt: SFT[0]!.prompt, response: SFT[0]!.completion },
      { prompt: 'Make 4 from 2, 2.', response: 'Try 2+2=4. Goal reached.' },
    ]);
  });
});

describe('JSONL exports (read back by python3 json)', () => {
  it('OpenRLHF: configurable input/label keys for RL, input/output keys or messages for SFT', async () => {
    const rl = join(dir, 'openrlhf.jsonl');
    await exportDataset({
      input: problemsFile,
      output: rl,
      format: 'openrlhf',
      inputKey: 'question',
      labelKey: 'gold',
    });
    const rows = await readJsonlWithPython(rl);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      question: `Use 3, 5, 7 to make 22. ünï ∑\n\n${BOXED_INSTRUCTION}`,
      gold: '3*5+7',
    });
    expect(rows[2]).toEqual({ question: `How many primes are below 10?\n\n${BOXED_INSTRUCTION}`, gold: '4' });

    const sft = join(dir, 'openrlhf-sft.jsonl');
    await exportDataset({
      input: sftFile,
      output: sft,
      format: 'openrlhf',
      outputKey: 'output',
      inputKey: 'input',
    });
    expect(await readJsonlWithPython(sft)).toEqual([
      { input: SFT[0]!.prompt, output: SFT[0]!.completion },
      { input: 'Make 4 from 2, 2.', output: 'Try 2+2=4. Goal reached.' },
    ]);
    const msgs = join(dir, 'openrlhf-msgs.jsonl');
    await exportDataset({ input: sftFile, output: msgs, format: 'openrlhf', style: 'messages' });
    expect(((await readJsonlWithPython(msgs))[1] as { messages: unknown }).messages).toEqual(
      SFT[1]!.messages!,
    );
  });

  it('TRL: conversational or standard prompts with an answer column; prompt/completion or messages SFT', async () => {
    const rl = join(dir, 'trl.jsonl');
    await exportDataset({ input: problemsFile, output: rl, format: 'trl', template: 'explore' });
    const rows = await readJsonlWithPython(rl);
    expect(rows[0]).toEqual({
      prompt: [{ role: 'user', content: `Use 3, 5, 7 to make 22. ünï ∑\n\n${EXPLORE_INSTRUCTION}` }],
      answer: '3*5+7',
      id: 'c1',
    });
    const std = join(dir, 'trl-std.jsonl');
    await exportDataset({ input: problemsFile, output: std, format: 'trl', style: 'standard' });
    expect((await readJsonlWithPython(std))[1]).toEqual({
      prompt: `What is $\\frac{1}{2} + \\frac{1}{4}$?\n\n${BOXED_INSTRUCTION}`,
      answer: '\\frac{3}{4}',
    });

    const sft = join(dir, 'trl-sft.jsonl');
    await exportDataset({ input: sftFile, output: sft, format: 'trl' });
    expect(await readJsonlWithPython(sft)).toEqual([
      {
        prompt: [{ role: 'user', content: SFT[0]!.prompt }],
        completion: [{ role: 'assistant', content: SFT[0]!.completion }],
      },
      { prompt: SFT[1]!.messages!.slice(0, 2), completion: SFT[1]!.messages!.slice(2) },
    ]);
    const sftStd = join(dir, 'trl-sft-std.jsonl');
    await exportDataset({ input: sftFile, output: sftStd, format: 'trl', style: 'standard' });
    expect((await readJsonlWithPython(sftStd))[0]).toEqual({
      prompt: SFT[0]!.prompt,
      completion: SFT[0]!.completion,
    });
  });

  it('chat: one messages list per line, golds kept beside problems', async () => {
    const out = join(dir, 'chat.jsonl');
    await exportDataset({ input: problemsFile, output: out, format: 'chat' });
    expect((await readJsonlWithPython(out))[1]).toEqual({
      messages: [{ role: 'user', content: `What is $\\frac{1}{2} + \\frac{1}{4}$?\n\n${BOXED_INSTRUCTION}` }],
      answer: '\\frac{3}{4}',
    });
    const sft = join(dir, 'chat-sft.jsonl');
    await exportDataset({ input: sftFile, output: sft, format: 'chat', system: 'You search.' });
    const rows = (await readJsonlWithPython(sft)) as { messages: { role: string }[] }[];
    expect(rows[0]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(rows[1]!.messages).toEqual(SFT[1]!.messages!); // an existing system turn is not doubled
  });
});

describe('input from other metacot commands', () => {
  it('reads `metacot search export --format records` lines as SFT records', async () => {
    const record = {
      problem: 'What is 2 + 3?',
      gold: '5',
      prompt: 'What is 2 + 3?\n\nPut the final answer within \\boxed{}.',
      completion: 'Try 2 + 3 = 5. Check: 5. \\boxed{5}',
      messages: [
        { role: 'user', content: 'What is 2 + 3?\n\nPut the final answer within \\boxed{}.' },
        { role: 'assistant', content: 'Try 2 + 3 = 5. Check: 5. \\boxed{5}' },
      ],
      meta: { algorithm: 'mcts', nodes: 7 },
    };
    const out = join(dir, 'from-search.jsonl');
    const summary = await exportDataset({
      input: write('search-records.jsonl', [record]),
      output: out,
      format: 'trl',
      style: 'standard',
    });
    expect(summary.kind).toBe('sft');
    expect(await readJsonlWithPython(out)).toEqual([
      { prompt: record.prompt, completion: record.completion },
    ]);
  });
});

describe('bad input', () => {
  const fails = async (rows: unknown[] | string, message: RegExp, extra: Record<string, unknown> = {}) => {
    const file =
      typeof rows === 'string' ? rows : write(`bad-${Math.random().toString(36).slice(2)}.jsonl`, rows);
    const out = join(dir, 'bad', 'out.jsonl');
    const err = await exportDataset({ input: file, output: out, format: 'trl', ...extra }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  };

  it('names the file, line and field, and leaves no partial output behind', async () => {
    await fails([PROBLEMS[0], { problem: 'x' }], /bad-\w+\.jsonl:2: field 'answer': missing/);
    await fails(
      [PROBLEMS[0], { problem: '', answer: '1' }],
      /:2: field 'problem': expected a non-empty string/,
    );
    await fails([PROBLEMS[0], SFT[0]], /:2: looks like an SFT record, but the file holds problems/);
    await fails([{ foo: 1 }], /:1: neither a problem/);
    await fails(
      [{ messages: [{ role: 'user', content: 'x' }] }],
      /:1: field 'messages': the last message must be the assistant turn/,
    );
    await fails([{ messages: [{ role: 'bot', content: 'x' }] }], /:1: field 'messages\[0\]'/);
    await fails(PROBLEMS, /trl: unknown --layout 'nope' \(layouts: conversational, standard\)/, {
      style: 'nope',
    });
    await fails(join(dir, 'missing.jsonl'), /missing\.jsonl: no such file/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
