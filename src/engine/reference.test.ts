import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import type { ModelConfig } from './model-config.js';
import {
  logSoftmaxRows,
  randomWeights,
  referenceForward,
  referenceLogits,
  referenceScore,
  validateWeights,
} from './reference.js';

const cfg: ModelConfig = {
  vocabSize: 11,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  dFF: 12,
  contextLength: 32,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

describe('referenceLogits', () => {
  it('is causal: a prefix gets the same logits as the start of a longer sequence', () => {
    const w = randomWeights(cfg, 1, { std: 0.3 });
    const long = referenceLogits(cfg, w, [1, 5, 2, 9, 3, 3]);
    const short = referenceLogits(cfg, w, [1, 5, 2]);
    expect(long.length).toBe(6 * 11);
    for (let i = 0; i < short.length; i++) expect(long[i]).toBeCloseTo(short[i], 12);
    // ...and the later positions do depend on the earlier tokens.
    const other = referenceLogits(cfg, w, [4, 5, 2, 9, 3, 3]);
    expect(Math.abs(other[5 * 11] - long[5 * 11])).toBeGreaterThan(1e-6);
  });

  it('matches a hand computation for one layer with zero query weights (uniform attention)', () => {
    const c: ModelConfig = {
      ...cfg,
      nLayers: 1,
      nHeads: 1,
      dModel: 2,
      dFF: 1,
      vocabSize: 3,
      tiedEmbeddings: true,
    };
    const w = randomWeights(c, 0);
    // token_embd rows: e0, e1, e2; Wq = Wk = 0 makes every score 0, so attention averages v.
    w.set('token_embd.weight', Float32Array.from([1, 0, 0, 2, 3, -1]));
    w.set('blk.0.attn_q.weight', new Float32Array(4));
    w.set('blk.0.attn_k.weight', new Float32Array(4));
    w.set('blk.0.attn_v.weight', Float32Array.from([1, 0, 0, 1]));
    w.set('blk.0.attn_output.weight', Float32Array.from([1, 0, 0, 1]));
    w.set('blk.0.ffn_gate.weight', new Float32Array(2)); // silu(0) = 0 switches the MLP off
    const eps = c.normEps;
    const rms = (v: number[]) => {
      const s = Math.sqrt((v[0] ** 2 + v[1] ** 2) / 2 + eps);
      return [v[0] / s, v[1] / s];
    };
    const E = [
      [1, 0],
      [0, 2],
      [3, -1],
    ];
    const toks = [1, 2];
    const n = toks.map((t) => rms(E[t]));
    const h = [
      [E[1][0] + n[0][0], E[1][1] + n[0][1]],
      [E[2][0] + (n[0][0] + n[1][0]) / 2, E[2][1] + (n[0][1] + n[1][1]) / 2],
    ];
    const got = referenceLogits(c, w, toks);
    for (let t = 0; t < 2; t++) {
      const y = rms(h[t]);
      for (let v = 0; v < 3; v++) expect(got[t * 3 + v]).toBeCloseTo(E[v][0] * y[0] + E[v][1] * y[1], 10);
    }
  });

  it('rejects bad configs, missing or wrongly sized weights, and out-of-range tokens', () => {
    const w = randomWeights(cfg, 2);
    expect(() => referenceLogits({ ...cfg, nHeads: 3 }, w, [1])).toThrow(UserError);
    expect(() => referenceLogits(cfg, w, [11])).toThrow(/outside the vocabulary/);
    const missing = new Map(w);
    missing.delete('blk.1.ffn_up.weight');
    expect(() => validateWeights(cfg, missing)).toThrow(/missing parameter 'blk.1.ffn_up.weight'/);
    const wrong = new Map(w);
    wrong.set('output.weight', new Float32Array(3));
    expect(() => validateWeights(cfg, wrong)).toThrow(/'output.weight' has 3 values/);
  });

  it('scores continuations as log-softmax rows of the full sequence', () => {
    const w = randomWeights(cfg, 3, { std: 0.3 });
    const lp = referenceScore(cfg, w, [1, 2], [3, 4]);
    const all = logSoftmaxRows(referenceLogits(cfg, w, [1, 2, 3, 4]), 11);
    expect(lp[0]).toBeCloseTo(all[1 * 11 + 3], 12);
    expect(lp[1]).toBeCloseTo(all[2 * 11 + 4], 12);
    let z = 0;
    for (let i = 0; i < 11; i++) z += Math.exp(all[i]);
    expect(z).toBeCloseTo(1, 12);
  });

  it("agrees with the trainer's batch reference (referenceForward), written independently", () => {
    const w = randomWeights(cfg, 5, { std: 0.3 });
    const rows = [
      [3, 1, 4, 1, 5, 9, 2],
      [6, 5, 3, 5, 8, 9, 7],
    ];
    const T = 7;
    const tokens = Int32Array.from(rows.flat());
    const { logits } = referenceForward(cfg, w, {
      batch: 2,
      seqLen: T,
      tokens,
      targets: new Int32Array(2 * T),
      lossMask: new Float32Array(2 * T),
    });
    rows.forEach((r, b) => {
      const mine = referenceLogits(cfg, w, r);
      for (let i = 0; i < mine.length; i++) expect(logits[b * T * 11 + i]).toBeCloseTo(mine[i], 10);
    });
  });
});
