import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportGguf, importGguf } from '../engine/gguf/gguf.js';
import { randomWeights } from '../engine/reference.js';
import { cutAtStop } from './stop.js';
import { TINY_CONFIG } from './testing/tiny-model.js';
import { AsciiTokenizer, textExample } from './text-tokenizer.js';
import { resolveTokenizer, writeTokenizerFile } from './tokenizer-file.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-tok-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text-ascii-v1', () => {
  it('round-trips ASCII text one token per character and maps the rest to <unk>', () => {
    const tok = new AsciiTokenizer();
    expect(tok.pieces).toHaveLength(101);
    const text = 'Q: 12 + 7 = ?\n\tA: $\\boxed{19}$ ~';
    const ids = tok.encode(text);
    expect(ids).toHaveLength(text.length);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode('é😀\r')).toEqual([tok.unk, tok.unk, tok.unk]);
    expect(tok.decode([tok.bos, ...tok.encode('a'), tok.unk, tok.eos, tok.pad])).toBe('a\ufffd');
  });

  it('exports to GGUF with its pieces intact', async () => {
    const tok = new AsciiTokenizer();
    const p = join(dir, 't.gguf');
    const cfg = { ...TINY_CONFIG, nLayers: 1, dModel: 8, nHeads: 2, dFF: 8 };
    await exportGguf(
      cfg,
      randomWeights(cfg, 1),
      { tokens: [...tok.pieces], bos: 1, eos: 2, pad: 0, unk: 3 },
      p,
    );
    const { vocab } = await importGguf(p);
    expect(vocab.tokens).toEqual(tok.pieces);
    expect([vocab.bos, vocab.eos, vocab.pad, vocab.unk]).toEqual([1, 2, 0, 3]);
  });

  it('is found from tokenizer.json, an override, or (with a warning) the vocabulary size', () => {
    const withFile = join(dir, 'a');
    const bare = join(dir, 'b');
    for (const d of [withFile, bare]) rmSync(d, { recursive: true, force: true });
    mkdirSync(withFile);
    mkdirSync(bare);
    writeTokenizerFile(withFile, 'countdown-v1');
    expect(resolveTokenizer(withFile, 64).id).toBe('countdown-v1');
    expect(resolveTokenizer(withFile, 200, 'text-ascii-v1').id).toBe('text-ascii-v1');
    const warnings: string[] = [];
    expect(resolveTokenizer(bare, 101, undefined, (w) => warnings.push(w)).id).toBe('text-ascii-v1');
    expect(warnings[0]).toMatch(/no metacot-tokenizer.json; assuming 'text-ascii-v1'/);
    expect(() => resolveTokenizer(bare, 77)).toThrow(/vocabulary size 77 matches 0 known tokenizers/);
    expect(() => resolveTokenizer(bare, 50, 'text-ascii-v1')).toThrow(
      /has 101 tokens but the model .* only 50/,
    );
    expect(() => writeTokenizerFile(bare, 'gpt2')).toThrow(/unknown tokenizer 'gpt2'/);
    writeFileSync(join(bare, 'tokenizer.json'), '{"id": 5}');
    expect(() => resolveTokenizer(bare, 101)).toThrow(/expected \{"format": "metacot.tokenizer"/);
  });

  it('is written as metacot-tokenizer.json, still read as tokenizer.json in older run folders', () => {
    const d = join(dir, 'named');
    mkdirSync(d);
    writeTokenizerFile(d, 'text-ascii-v1');
    expect(existsSync(join(d, 'metacot-tokenizer.json'))).toBe(true);
    expect(existsSync(join(d, 'tokenizer.json'))).toBe(false);
    const old = join(dir, 'old');
    mkdirSync(old);
    writeFileSync(
      join(old, 'tokenizer.json'),
      '{"format": "metacot.tokenizer", "version": 1, "id": "countdown-v1"}',
    );
    expect(resolveTokenizer(old, 64).id).toBe('countdown-v1');
    // a Hugging Face tokenizer.json where our record was looked for: says what it got and what it wants
    const hf = join(dir, 'hf');
    mkdirSync(hf);
    writeFileSync(join(hf, 'tokenizer.json'), '{"version": "1.0", "model": {"type": "BPE", "vocab": {}}}');
    expect(() => resolveTokenizer(hf, 101)).toThrow(
      /tokenizer\.json is a Hugging Face tokenizer .*metacot-tokenizer\.json.*--tokenizer ID/,
    );
  });

  it('lays out a training example as <bos> prompt completion <eos>, learning the completion and <eos>', () => {
    const tok = new AsciiTokenizer();
    const e = textExample(tok, 'ab', 'c');
    expect(e.tokens).toEqual([tok.bos, ...tok.encode('abc'), tok.eos]);
    expect(e.lossMask).toEqual([0, 0, 0, 1, 1]);
    expect(textExample(tok, '', 'c').lossMask).toEqual([0, 1, 1]);
  });

  it('cuts text before the earliest stop string', () => {
    expect(cutAtStop('a is b.\nc', ['\n', ' is'])).toEqual({ text: 'a', stopped: true });
    expect(cutAtStop('abc', ['x'])).toEqual({ text: 'abc', stopped: false });
    expect(cutAtStop('abc', undefined)).toEqual({ text: 'abc', stopped: false });
  });
});
