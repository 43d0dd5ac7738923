import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
      '--tokenizer',
      'countdown-v1',
      ...MODEL,
      '--batch',
      '4',
      '--steps',
      '3',
      '--threads',
      '1',
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    // the vocabulary is the tokenizer's (50), not the largest id seen + 1 (10)
    expect(JSON.parse(r1.stdout)).toMatchObject({ steps: 3, vocab: 50, tokenizer: 'countdown-v1' });
    expect(JSON.parse(readFileSync(join(out, 'metacot-tokenizer.json'), 'utf8')).id).toBe('countdown-v1');
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
    // resumed without --tokenizer: the folder's record says which
    expect(JSON.parse(r2.stdout)).toMatchObject({ steps: 5, tokenizer: 'countdown-v1' });

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
    expect(wrongVocab.stderr.trim()).toBe(
      "metacot: error: --vocab 12: the model's vocabulary is tokenizer 'countdown-v1' (50 tokens); leave --vocab out",
    );
    const otherTok = metacot([
      'train',
      '--data',
      data,
      '--out',
      out,
      '--tokenizer',
      'text-ascii-v1',
      ...MODEL,
    ]);
    expect(otherTok.stderr.trim()).toMatch(/holds a model of tokenizer 'countdown-v1', not 'text-ascii-v1'/);
    const badHeads = metacot([
      'train',
      '--data',
      data,
      '--out',
      join(dir, 'x'),
      ...MODEL,
      '--heads',
      '3',
      '--vocab',
      '10',
    ]);
    expect(badHeads.stderr.trim()).toBe('metacot: error: model config: nHeads (3) must divide dModel (16)');
    writeFileSync(join(dir, 'bad.jsonl'), '{"tokens": [1, "a"]}\n');
    const badData = metacot(['train', '--data', join(dir, 'bad.jsonl'), '--out', join(dir, 'y')]);
    expect(badData.stderr).toMatch(/bad.jsonl:1: field 'tokens': expected an array of non-negative integers/);
  });

  it('asks which vocabulary token ids are in, and checks them against it', () => {
    const data = join(dir, 'ids.jsonl');
    writeFileSync(data, '{"tokens": [1, 5, 9, 2]}\n{"tokens": [1, 70, 2]}\n');
    const none = metacot(['train', '--data', data, '--out', join(dir, 'ids'), ...MODEL]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(
      /holds token ids: name their vocabulary with --tokenizer ID \(text-ascii-v1, /,
    );
    const outside = metacot([
      'train',
      '--data',
      data,
      '--out',
      join(dir, 'ids'),
      '--tokenizer',
      'countdown-v1',
    ]);
    expect(outside.stderr.trim()).toBe(
      `metacot: error: ${data}:2: field 'tokens': token id 70 is outside the vocabulary of 50 (tokenizer 'countdown-v1')`,
    );
    // ids of no known tokenizer: --vocab trains, and says what the model will lack
    const bare = join(dir, 'bare');
    const r = metacot(['train', '--data', data, '--out', bare, '--vocab', '80', ...MODEL, '--steps', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ vocab: 80, tokenizer: null });
    expect(r.stderr).toMatch(/warning: no tokenizer: .* will need --tokenizer ID/);
    expect(existsSync(join(bare, 'metacot-tokenizer.json'))).toBe(false);
  });

  it('encodes text lines with text-ascii-v1 (prompt/completion: loss on the completion only)', () => {
    const data = join(dir, 'text.jsonl');
    writeFileSync(data, '{"text": "1 plus 1 is 2."}\n{"prompt": "2 plus 2 is", "completion": " 4. é"}\n');
    const out = join(dir, 'text');
    const r = metacot(['train', '--data', data, '--out', out, ...MODEL, '--steps', '1', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ vocab: 101, tokenizer: 'text-ascii-v1' });
    expect(r.stderr).toMatch(
      /warning: 1 characters have no token in 'text-ascii-v1' and were encoded as <unk>/,
    );
    writeFileSync(data, '{"text": ""}\n');
    expect(metacot(['train', '--data', data, '--out', out]).stderr).toMatch(
      /text\.jsonl:1: field 'text': expected a non-empty string/,
    );
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
    expect(j.peak_gflops).toBeGreaterThan(0);
    expect(j.peak_fraction).toBeCloseTo(j.gflops / j.peak_gflops, 9);
  });
});

describe('metacot train --init', () => {
  it("fine-tunes from a finished checkpoint's weights and shape, and names a missing one", () => {
    const data = join(dir, 'init.jsonl');
    const rows = Array.from({ length: 16 }, (_, i) => ({ tokens: [9, i % 4, (i + 1) % 4, (i + 2) % 4] }));
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const common = ['--data', data, '--batch', '4', '--threads', '1'];
    const shape = [...MODEL, '--tokenizer', 'countdown-v1'];
    const base = join(dir, 'base');
    const trained = metacot(['train', ...common, '--out', base, ...shape, '--steps', '40', '--lr', '0.01']);
    expect(trained.code, trained.stderr).toBe(0);
    // lr 0: one step measures the starting model's loss, which --init must take from the checkpoint.
    const fresh = metacot([
      'train',
      ...common,
      '--out',
      join(dir, 'fresh'),
      ...shape,
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
    // the tokenizer comes with the weights
    expect(JSON.parse(tuned.stdout).tokenizer).toBe('countdown-v1');
    expect(existsSync(join(dir, 'tuned', 'metacot-tokenizer.json'))).toBe(true);
    expect(JSON.parse(tuned.stdout).loss).toBeLessThan(JSON.parse(fresh.stdout).loss - 0.5);
    const missing = metacot(['train', ...common, '--out', join(dir, 'x'), '--init', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--init .*nope: no checkpoint/);
  });
});
