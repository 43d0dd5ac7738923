/** Each reader on small files written here, malformed input included: bad rows are reported, never fatal. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRow } from '../types.js';
import { formatOf, listInputFiles, readRows } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(file: string): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const r of readRows(file)) out.push(r);
  return out;
}

describe('readers', () => {
  it('JSONL: rows with line numbers; bad JSON and non-objects reported with their line', async () => {
    const f = join(dir, 'a.jsonl');
    writeFileSync(
      f,
      '{"problem":"1+1?","answer":"2"}\n\n{"problem": oops}\n[1,2]\n{"problem":"2+2?","answer":4}\n',
    );
    const rows = await all(f);
    expect(rows.map((r) => [r.kind, r.line])).toEqual([
      ['row', 1],
      ['malformed', 3],
      ['malformed', 4],
      ['row', 5],
    ]);
    expect(rows[1]).toMatchObject({ kind: 'malformed', message: expect.stringMatching(/not valid JSON/) });
    expect(rows[2]).toMatchObject({ message: 'expected a JSON object' });
  });

  it('JSON array: streamed element by element, with the line each starts on', async () => {
    const f = join(dir, 'b.json');
    writeFileSync(
      f,
      '[\n  {"problem": "What is [1, 2] \\"x\\"?", "answer": "3"},\n  {"problem": "{nested}", "x": {"y": [1, {"z": 2}]}},\n  {"bad": },\n  7\n]\n',
    );
    const rows = await all(f);
    expect(rows.map((r) => [r.kind, r.line])).toEqual([
      ['row', 2],
      ['row', 3],
      ['malformed', 4],
      ['malformed', 5],
    ]);
    expect(rows[0]).toMatchObject({ value: { problem: 'What is [1, 2] "x"?' } });
  });

  it('JSON: a truncated array or a non-array file is reported, not thrown', async () => {
    const cut = join(dir, 'c.json');
    writeFileSync(cut, '[{"problem":"a","answer":"1"},\n{"problem":"b"');
    const rows = await all(cut);
    expect(rows[0]!.kind).toBe('row');
    expect(rows.at(-1)).toMatchObject({ kind: 'malformed', message: 'unterminated JSON array' });
    const obj = join(dir, 'd.json');
    writeFileSync(obj, '{"problem":"a"}');
    expect(await all(obj)).toEqual([
      { kind: 'malformed', file: obj, line: 1, message: 'expected a JSON array of objects' },
    ]);
  });

  it('CSV: header row, quoted fields with commas and newlines; a broken record is reported and skipped', async () => {
    const f = join(dir, 'e.csv');
    writeFileSync(
      f,
      'question,answer\n"What is 1,000 + 1?",1001\n"Two\nlines?",2\nonly-one-field\n"ok?",3\n',
    );
    const rows = await all(f);
    const good = rows.filter((r) => r.kind === 'row');
    expect(good.map((r) => (r as { value: Record<string, unknown> }).value.answer)).toEqual([
      '1001',
      '2',
      '3',
    ]);
    const bad = rows.filter((r) => r.kind === 'malformed');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.line).toBe(5);
  });

  it('Parquet: rows per row group, 64-bit ints as numbers, row numbers as lines', async () => {
    const f = join(dir, 'f.parquet');
    parquetWriteFile({
      filename: f,
      columnData: [
        { name: 'problem', data: ['1+1?', '2+3?', '10/4?'], type: 'STRING' },
        { name: 'answer', data: ['2', '5', '2.5'], type: 'STRING' },
        { name: 'idx', data: [1n, 2n, 3n], type: 'INT64' },
      ],
      rowGroupSize: 2,
    });
    const rows = await all(f);
    expect(rows).toEqual([
      { kind: 'row', file: f, line: 1, value: { problem: '1+1?', answer: '2', idx: 1 } },
      { kind: 'row', file: f, line: 2, value: { problem: '2+3?', answer: '5', idx: 2 } },
      { kind: 'row', file: f, line: 3, value: { problem: '10/4?', answer: '2.5', idx: 3 } },
    ]);
    const junk = join(dir, 'g.parquet');
    writeFileSync(junk, 'not parquet at all');
    expect((await all(junk))[0]).toMatchObject({
      kind: 'malformed',
      message: expect.stringMatching(/not a Parquet file/),
    });
  });

  it('folders are listed recursively and sorted; unknown extensions are skipped in folders, refused as files', () => {
    expect(formatOf('x.ndjson')).toBe('jsonl');
    expect(formatOf('x.txt')).toBeNull();
    const files = listInputFiles([dir]).map((f) => f.slice(dir.length + 1));
    expect(files).toEqual([...files].sort());
    expect(files).toContain('a.jsonl');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(listInputFiles([dir]).some((f) => f.endsWith('notes.txt'))).toBe(false);
    expect(() => listInputFiles([join(dir, 'notes.txt')])).toThrow(/unknown format/);
    expect(() => listInputFiles([join(dir, 'missing')])).toThrow(/no such file/);
  });
});
