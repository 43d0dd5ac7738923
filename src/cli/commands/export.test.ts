import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metacot } from '../../../test/cli.js';
import { importGguf } from '../../engine/gguf/gguf.js';
import { AsciiTokenizer } from '../../llm/text-tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-cli-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = ['--layers', '1', '--d-model', '16', '--heads', '2', '--ff', '32', '--ctx', '16'];

describe('metacot export gguf', () => {
  it('--help says what it writes, from what, and how to use the file', () => {
    const r = metacot(['export', 'gguf', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: metacot export gguf \[options\]/);
    expect(r.stdout).toMatch(/--model <dir>/);
    expect(r.stdout).toMatch(/--out <file>/);
    expect(r.stdout).toMatch(/metacot-tokenizer\.json/);
    expect(r.stdout).toMatch(/metacot export gguf --model runs\/m --out m\.gguf/);
    // and the dataset export's help points to it
    expect(metacot(['export', '--help']).stdout).toMatch(
      /gguf \[options\]\s+write a `metacot train` checkpoint/,
    );
  });

  it("writes a checkpoint with more rows than its tokenizer's tokens, and names a folder that is no checkpoint", () => {
    // a model sized before train took a tokenizer: 120 rows, text-ascii-v1's 101 tokens
    const data = join(dir, 'ids.jsonl');
    const tok = new AsciiTokenizer();
    writeFileSync(
      data,
      `${JSON.stringify({ tokens: [tok.bos, ...tok.encode('1 plus 1 is 2.'), tok.eos] })}\n`,
    );
    const old = join(dir, 'old');
    const t = metacot(['train', '--data', data, '--out', old, '--vocab', '120', ...MODEL, '--steps', '1']);
    expect(t.code, t.stderr).toBe(0);
    const gguf = join(dir, 'old.gguf');
    const bare = metacot(['export', 'gguf', '--model', old, '--out', gguf]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/has no metacot-tokenizer\.json .*--tokenizer ID/);
    const r = metacot(['export', 'gguf', '--model', old, '--out', gguf, '--tokenizer', 'text-ascii-v1']);
    expect(r.code, r.stderr).toBe(0);
    return importGguf(gguf).then(({ vocab, cfg }) => {
      expect(cfg.vocabSize).toBe(120);
      expect(vocab.tokens.slice(0, 101)).toEqual(tok.pieces);
      expect(vocab.tokens[119]).toBe('<unused-119>');
      const missing = metacot(['export', 'gguf', '--model', join(dir, 'nope'), '--out', gguf]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    });
  });
});

describe('metacot export --layout', () => {
  it('names the record layout; --style still works, with a one-line notice', () => {
    const problems = join(dir, 'p.jsonl');
    writeFileSync(problems, '{"question": "What is 2+2?", "gold": "4"}\n');
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const layout = metacot([
      'export',
      '--format',
      'trl',
      '--in',
      problems,
      '--out',
      a,
      '--layout',
      'standard',
    ]);
    expect(layout.code, layout.stderr).toBe(0);
    expect(layout.stderr).toBe('');
    expect(JSON.parse(readFileSync(a, 'utf8')).prompt).toBeTypeOf('string');
    const style = metacot(['export', '--format', 'trl', '--in', problems, '--out', b, '--style', 'standard']);
    expect(style.code, style.stderr).toBe(0);
    expect(style.stderr).toBe('warning: --style is deprecated for `metacot export`: use --layout\n');
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    const bad = metacot(['export', '--format', 'trl', '--in', problems, '--out', b, '--layout', 'nope']);
    expect(bad.stderr.trim()).toBe(
      "metacot: error: trl: unknown --layout 'nope' (layouts: conversational, standard)",
    );
    const missing = metacot(['export', '--in', problems, '--out', b]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/required option '--format' not specified/);
  });
});

describe('metacot search --help', () => {
  it('says what runs by default and shows its options', () => {
    const r = metacot(['search', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/`metacot search` with no subcommand runs `search run`/);
    for (const flag of ['--problems <file>', '--backend <spec>', '--out <store>', '--algorithm <name>'])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/Examples:\n {2}metacot search --problems/);
  });
});
