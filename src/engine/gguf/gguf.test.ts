import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import type { ModelConfig } from '../model-config.js';
import { randomWeights } from '../reference.js';
import { encodeGguf, exportGguf, ggufTokens, importGguf, parseGguf, readGguf, TOKEN_TYPE } from './gguf.js';

const tokens = ['<pad>', '<bos>', '<eos>', 'Goal', ' ', '0', '1', '2', '+', '=', '\n', 'Step', 'é', '<sep>'];
const vocab = { tokens, bos: 1, eos: 2, pad: 0, special: [13] };
const cfg: ModelConfig = {
  vocabSize: tokens.length,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  dFF: 12,
  contextLength: 32,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};
const dir = mkdtempSync(join(tmpdir(), 'metacot-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF export', () => {
  it('round-trips config, weights and vocabulary through the reader', async () => {
    for (const tied of [false, true]) {
      const c = { ...cfg, tiedEmbeddings: tied };
      const w = randomWeights(c, 4, { std: 0.1 });
      const path = join(dir, `m${tied}.gguf`);
      await exportGguf(c, w, vocab, path);
      const back = await importGguf(path);
      expect(back.cfg).toEqual({ ...c, normEps: Math.fround(c.normEps) });
      expect([...back.weights.keys()]).toEqual([...w.keys()]);
      for (const [name, t] of w) expect(back.weights.get(name)).toEqual(t);
      expect(back.vocab).toEqual(vocab);
      const file = await readGguf(path);
      expect(file.version).toBe(3);
      expect(file.metadata.get('general.architecture')).toBe('llama');
      expect(file.tensors.every((t) => t.offset % 32 === 0)).toBe(true);
      expect(file.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.dims).toEqual([12, 8]); // ne = [in, out]
    }
  });

  it('types tokens for llama.cpp: control, byte-level single characters, user-defined pieces', () => {
    const { texts, types } = ggufTokens(vocab);
    expect(texts[4]).toBe('Ġ');
    expect(texts[10]).toBe('Ċ');
    expect(texts[3]).toBe('Goal');
    expect(types[1]).toBe(TOKEN_TYPE.CONTROL);
    expect(types[13]).toBe(TOKEN_TYPE.CONTROL);
    expect(types[5]).toBe(TOKEN_TYPE.NORMAL);
    expect(types[11]).toBe(TOKEN_TYPE.USER_DEFINED);
    expect(types[12]).toBe(TOKEN_TYPE.USER_DEFINED); // two UTF-8 bytes
  });

  it('rejects vocabularies and weights llama.cpp could not use', () => {
    const w = randomWeights(cfg, 1);
    expect(() => encodeGguf(cfg, w, { tokens: tokens.slice(1) })).toThrow(
      /vocab has 13 tokens but the model's vocabSize is 14/,
    );
    expect(() => encodeGguf(cfg, w, { tokens: [...tokens.slice(0, 13), 'Goal'] })).toThrow(/same text/);
    expect(() => encodeGguf(cfg, w, { tokens: [...tokens.slice(0, 13), ''] })).toThrow(/non-empty/);
    expect(() => encodeGguf(cfg, w, { ...vocab, eos: 99 })).toThrow(UserError);
    const bad = new Map(w);
    bad.set('blk.1.attn_v.weight', new Float32Array(5));
    expect(() => encodeGguf(cfg, bad, vocab)).toThrow(/'blk.1.attn_v.weight' has 5 values/);
  });

  it('reports corrupt files with one clear UserError', async () => {
    const good = encodeGguf(cfg, randomWeights(cfg, 2), vocab);
    expect(() => parseGguf(Buffer.from('not a gguf file'))).toThrow(/bad magic/);
    expect(() => parseGguf(good.subarray(0, 200))).toThrow(/corrupt GGUF: truncated/);
    expect(() => parseGguf(good.subarray(0, good.length - 64))).toThrow(/extends past the end/);
    const v9 = Buffer.from(good);
    v9.writeUInt32LE(9, 4);
    expect(() => parseGguf(v9)).toThrow(/unsupported version 9/);
    const path = join(dir, 'trunc.gguf');
    writeFileSync(path, good.subarray(0, 1000));
    await expect(importGguf(path)).rejects.toThrow(UserError);
    await expect(importGguf(join(dir, 'missing.gguf'))).rejects.toThrow(/cannot read GGUF file/);
  });
});
