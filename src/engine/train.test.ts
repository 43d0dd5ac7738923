import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Example } from './batching.js';
import type { ModelConfig } from './model-config.js';
import { train } from './train.js';
import { Trainer } from './trainer.js';

const CFG: ModelConfig = {
  vocabSize: 11,
  dModel: 16,
  nLayers: 2,
  nHeads: 2,
  dFF: 32,
  contextLength: 16,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

/** Counting sequences mod V after a random 2-token prompt, which is masked out of the loss. */
function data(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const start = rng.int(11);
    const len = 6 + rng.int(8);
    const tokens = [rng.int(11), start, ...Array.from({ length: len }, (_, i) => (start + i + 1) % 11)];
    return { tokens, lossMask: tokens.map((_, i) => (i < 2 ? 0 : 1)) };
  });
}

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'metacot-train-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base = { cfg: CFG, data: data(40, 1), batchSize: 4, lr: 1e-2, warmup: 2, seed: 7, threads: 1 };

describe('train', () => {
  it('learns a counting task: loss falls well below uniform', async () => {
    const evalData = data(8, 2);
    const r = await train({ ...base, steps: 40, evalData, evalEvery: 20 });
    expect(r.losses).toHaveLength(40);
    expect(r.losses[0]).toBeGreaterThan(2);
    expect(r.evalLosses.map((e) => e.step)).toEqual([20, 40]);
    expect(r.evalLosses[1].loss).toBeLessThan(1);
  });

  it('a killed run resumes from its checkpoint to the same loss curve and weights', async () => {
    const full = await train({ ...base, steps: 6, gradAccum: 2 });
    const dir = tmp();
    const killAt3 = (p: { step: number }) => {
      if (p.step === 3) throw new Error('killed');
    };
    await expect(
      train({ ...base, steps: 6, gradAccum: 2, checkpointDir: dir, checkpointEvery: 3, onProgress: killAt3 }),
    ).rejects.toThrow('killed');
    const resumed = await train({ ...base, steps: 6, gradAccum: 2, checkpointDir: dir, checkpointEvery: 3 });
    expect(resumed.losses).toEqual(full.losses);
    // only the last step's files remain; a half-written later step would not be picked up
    expect(readdirSync(dir).sort()).toEqual([
      'model-00000006.safetensors',
      'optimizer-00000006.safetensors',
      'trainer.json',
    ]);
    for (const [k, w] of full.weights) expect(resumed.weights.get(k)).toEqual(w);
  });

  it('masked targets do not change the update', async () => {
    const a = await Trainer.create({ cfg: CFG, seed: 3, threads: 1 });
    const b = await Trainer.create({ cfg: CFG, seed: 3, threads: 1 });
    const tokens = Int32Array.from({ length: 16 }, (_, i) => i % 11);
    const mask = Float32Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const t1 = tokens.map((t) => (t + 1) % 11);
    const t2 = t1.map((t, i) => (mask[i] === 0 ? (t + 5) % 11 : t));
    const r1 = await a.step({ batch: 1, seqLen: 16, tokens, targets: t1, lossMask: mask });
    const r2 = await b.step({ batch: 1, seqLen: 16, tokens, targets: t2, lossMask: mask });
    expect(r2.loss).toBe(r1.loss);
    for (const [k, w] of a.weights()) expect(b.weights().get(k)).toEqual(w);
  });
});

describe('bad input', () => {
  it('rejects configs that cannot work, each with one UserError', async () => {
    await expect(Trainer.create({ cfg: { ...CFG, nHeads: 3 } })).rejects.toThrow(/must divide dModel/);
    await expect(Trainer.create({ cfg: { ...CFG, dModel: 18, nHeads: 2 } })).rejects.toThrow(/must be even/);
    await expect(Trainer.create({ cfg: { ...CFG, vocabSize: 0 } })).rejects.toThrow(UserError);
    const w = (await Trainer.create({ cfg: CFG, threads: 1 })).weights();
    const missing = new Map(w);
    missing.delete('output.weight');
    await expect(Trainer.create({ cfg: CFG, weights: missing })).rejects.toThrow(
      /missing parameter 'output.weight'/,
    );
    await expect(Trainer.create({ cfg: { ...CFG, vocabSize: 12 }, weights: w })).rejects.toThrow(
      /'token_embd.weight' has 176 values, expected 192/,
    );
    const t = await Trainer.create({ cfg: { ...CFG, contextLength: 1 << 20 }, threads: 1 });
    const T = 1 << 16;
    const huge = {
      batch: 64,
      seqLen: T,
      tokens: new Int32Array(0),
      targets: new Int32Array(0),
      lossMask: new Float32Array(0),
    };
    await expect(t.step(huge)).rejects.toThrow(/GiB per step/);
    await expect(t.step({ ...huge, batch: 1, seqLen: 1 << 21 })).rejects.toThrow(
      /exceeds the model's context length/,
    );
    const small = {
      batch: 1,
      seqLen: 2,
      tokens: Int32Array.of(1, 11),
      targets: Int32Array.of(1, 2),
      lossMask: new Float32Array(2),
    };
    await expect(t.step(small)).rejects.toThrow(/token id 11 is outside the vocabulary of 11/);
    await expect(t.step({ ...small, lossMask: new Float32Array(3) })).rejects.toThrow(
      /lossMask has 3 entries/,
    );
  });

  it('rejects corrupt, truncated or mismatched checkpoints with a UserError', async () => {
    const dir = tmp();
    const t = await Trainer.create({ cfg: CFG, seed: 1, threads: 1 });
    await t.save(dir);
    const again = await Trainer.resume(dir);
    for (const [k, w] of t.weights()) expect(again.weights().get(k)).toEqual(w);
    await expect(Trainer.resume(dir, { expect: { vocabSize: 12 } })).rejects.toThrow(
      /vocabulary of 11 tokens, but 12/,
    );

    const model = join(dir, 'model-00000000.safetensors');
    const bytes = readFileSync(model);
    writeFileSync(model, bytes.subarray(0, bytes.length - 100));
    await expect(Trainer.resume(dir)).rejects.toThrow(/truncated/);
    writeFileSync(model, bytes.subarray(0, 4));
    await expect(Trainer.resume(dir)).rejects.toThrow(UserError);
    writeFileSync(model, bytes);
    writeFileSync(join(dir, 'trainer.json'), '{"version": 1, "step"');
    await expect(Trainer.resume(dir)).rejects.toThrow(/corrupt checkpoint metadata/);
    await expect(Trainer.resume(join(dir, 'nope'))).rejects.toThrow(/missing or unreadable/);
  });
});

describe('Trainer.step lossScale', () => {
  it('weights tokens by real-valued masks when lossScale is given (policy-gradient style)', async () => {
    const a = await Trainer.create({ cfg: CFG, seed: 3, threads: 1 });
    const b = await Trainer.create({ cfg: CFG, seed: 3, threads: 1 });
    const tokens = Int32Array.from({ length: 8 }, (_, i) => i % 11);
    const targets = tokens.map((t) => (t + 1) % 11);
    const ones = new Float32Array(8).fill(1);
    const half = new Float32Array(8).fill(-0.5);
    const ra = await a.step({ batch: 1, seqLen: 8, tokens, targets, lossMask: ones }, { lossScale: 1 });
    const rb = await b.step({ batch: 1, seqLen: 8, tokens, targets, lossMask: half }, { lossScale: 2 });
    expect(rb.loss).toBeCloseTo(-ra.loss, 5);
    expect(rb.gradNorm).toBeCloseTo(ra.gradNorm, 3);
  });
});
