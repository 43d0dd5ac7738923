import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProblems } from '../export/rows.js';
import { loadProblems } from './problems.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-problems-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadProblems (metacot search --problems)', () => {
  it('reads the field names `metacot export` reads: question/gold as well as problem/answer', async () => {
    const file = join(dir, 'aliases.jsonl');
    const lines = [
      { problem: 'What is 2+3?', answer: '5', id: 'a' },
      { question: 'What is 6*7?', gold: 42 },
      { question: 'Name the value of 1/2.', answer: '\\frac12' },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(await loadProblems(file)).toEqual([
      { id: 'a', problem: 'What is 2+3?', gold: '5' },
      { id: '2', problem: 'What is 6*7?', gold: '42' },
      { id: '3', problem: 'Name the value of 1/2.', gold: '\\frac12' },
    ]);
    // the same file as export reads it: the same problems and answers
    const exported = await readProblems(file);
    expect(exported.map((r) => [r.problem, r.answer])).toEqual(
      (await loadProblems(file)).map((p) => [p.problem, p.gold]),
    );
  });

  it('names the file, line and field of a bad line', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"question": "x"}\n');
    await expect(loadProblems(file)).rejects.toThrow(/bad\.jsonl:1: field 'answer'/);
    writeFileSync(file, '{"problem": "x", "answer": 1, "id": {"a": 1}}\n');
    await expect(loadProblems(file)).rejects.toThrow(/bad\.jsonl:1: field 'id': expected a string or number/);
    writeFileSync(file, '{"problem": "x", "answer": 1, "id": 7}\n{"problem": "y", "answer": 2, "id": "7"}\n');
    await expect(loadProblems(file)).rejects.toThrow(/bad\.jsonl:2: field 'id': duplicate id '7'/);
  });
});
