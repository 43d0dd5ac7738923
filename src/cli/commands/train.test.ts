import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metacot } from '../../../test/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = ['--layers', '1', '--d-model', '16', '--heads', '2', '--ff', '32', '--ctx', '16'];

describe('metacot train', () => {
  it('trains from JSONL, checkpoints, resumes to more steps, and rejects bad input with one line', () => {
    const data = join(dir, 'd.jsonl');
    const rows = Array.from({ length: 20 }, (_, i) => ({
      tokens: [9, i % 5, (i + 1) % 5, (i + 2) % 5, (i + 3) % 5],
      loss_mask: [0, 0, 1, 1, 1],
    }));
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'run');
    const r1 = metacot([
      'train',
      '--data',
      data,
      '--out',
      out,
      ...MODEL,
      '--batch',
      '4',
      '--steps',
      '3',
      '--threads',
      '1',
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(JSON.parse(r1.stdout)).toMatchObject({ steps: 3, vocab: 10 });
    const r2 = metacot([
      'train',
      '--data',
      data,
      '--out',
      out,
      ...MODEL,
      '--batch',
      '4',
      '--steps',
      '5',
      '--threads',
      '1',
    ]);
    expect(JSON.parse(r2.stdout)).toMatchObject({ steps: 5 });

    const wrongVocab = metacot([
      'train',
      '--data',
      data,
      '--out',
      out,
      ...MODEL,
      '--vocab',
      '12',
      '--steps',
      '6',
    ]);
    expect(wrongVocab.code).toBe(1);
    expect(wrongVocab.stderr.trim()).toMatch(
      /^metacot: error: checkpoint .* vocabulary of 10 tokens, but 12/,
    );
    const badHeads = metacot(['train', '--data', data, '--out', join(dir, 'x'), ...MODEL, '--heads', '3']);
    expect(badHeads.stderr.trim()).toBe('metacot: error: model config: nHeads (3) must divide dModel (16)');
    writeFileSync(join(dir, 'bad.jsonl'), '{"tokens": [1, "a"]}\n');
    const badData = metacot(['train', '--data', join(dir, 'bad.jsonl'), '--out', join(dir, 'y')]);
    expect(badData.stderr).toMatch(/bad.jsonl:1: field 'tokens': expected an array of non-negative integers/);
  });
});

describe('metacot bench train', () => {
  it('prints one JSON line with the step time and throughput', () => {
    const r = metacot([
      'bench',
      'train',
      ...MODEL,
      '--vocab',
      '8',
      '--batch',
      '2',
      '--steps',
      '2',
      '--threads',
      '1',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.step_ms_median).toBeGreaterThan(0);
    expect(j.tokens_per_s).toBeGreaterThan(0);
  });
});

describe('metacot train --init', () => {
  it("fine-tunes from a finished checkpoint's weights and shape, and names a missing one", () => {
    const data = join(dir, 'init.jsonl');
    const rows = Array.from({ length: 16 }, (_, i) => ({ tokens: [9, i % 4, (i + 1) % 4, (i + 2) % 4] }));
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const common = ['--data', data, '--batch', '4', '--threads', '1'];
    const base = join(dir, 'base');
    const trained = metacot(['train', ...common, '--out', base, ...MODEL, '--steps', '40', '--lr', '0.01']);
    expect(trained.code, trained.stderr).toBe(0);
    // lr 0: one step measures the starting model's loss, which --init must take from the checkpoint.
    const fresh = metacot([
      'train',
      ...common,
      '--out',
      join(dir, 'fresh'),
      ...MODEL,
      '--steps',
      '1',
      '--lr',
      '0',
    ]);
    const tuned = metacot([
      'train',
      ...common,
      '--out',
      join(dir, 'tuned'),
      '--init',
      base,
      '--steps',
      '1',
      '--lr',
      '0',
    ]);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(JSON.parse(tuned.stdout).loss).toBeLessThan(JSON.parse(fresh.stdout).loss - 0.5);
    const missing = metacot(['train', ...common, '--out', join(dir, 'x'), '--init', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--init .*nope: no checkpoint/);
  });
});
