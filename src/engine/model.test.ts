import { describe, expect, it } from 'vitest';
import { Batcher, type TrainBatch } from './batching.js';
import { initWeights } from './init.js';
import { buildTrainGraph } from './model.js';
import type { ModelConfig, Weights } from './model-config.js';
import { CompiledGraph } from './onnx/session.js';
import { referenceForward } from './reference.js';
import { forwardLogits, modelFeeds, Trainer } from './trainer.js';

const TINY: ModelConfig = {
  vocabSize: 7,
  dModel: 8,
  nLayers: 2,
  nHeads: 2,
  dFF: 12,
  contextLength: 6,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

/** Two rows: a packed row with two sequences and a padded row with a prompt masked out of the loss. */
function packedBatch(): TrainBatch {
  const b = new Batcher(
    [
      { tokens: [1, 2, 3, 4] },
      { tokens: [5, 6, 1] },
      { tokens: [2, 4, 6, 1, 3, 5, 0], lossMask: [0, 0, 0, 1, 1, 1, 1] },
    ],
    { batchSize: 2, seqLen: 6, pack: true },
  );
  return b.next();
}

/** Larger weights than init so that every path matters numerically. */
function testWeights(cfg: ModelConfig, seed: number): Weights {
  const w = initWeights(cfg, seed);
  for (const [k, t] of w) if (!k.endsWith('norm.weight')) for (let i = 0; i < t.length; i++) t[i] *= 15;
  return w;
}

function fdGrad(cfg: ModelConfig, w: Weights, b: TrainBatch): Map<string, Float64Array> {
  const w64 = new Map([...w].map(([k, v]) => [k, Float64Array.from(v)]));
  const out = new Map<string, Float64Array>();
  const h = 1e-5;
  for (const [k, t] of w64) {
    const g = new Float64Array(t.length);
    for (let i = 0; i < t.length; i++) {
      const v = t[i];
      t[i] = v + h;
      const lp = referenceForward(cfg, w64, b).loss;
      t[i] = v - h;
      const lm = referenceForward(cfg, w64, b).loss;
      t[i] = v;
      g[i] = (lp - lm) / (2 * h);
    }
    out.set(k, g);
  }
  return out;
}

describe('LLaMA graph on ONNX Runtime vs the float64 reference', () => {
  for (const tied of [false, true]) {
    const cfg = { ...TINY, tiedEmbeddings: tied };
    it(`logits match (tied=${tied})`, async () => {
      const w = testWeights(cfg, 3);
      const tokens = Int32Array.from({ length: 12 }, (_, i) => (i * 5 + 1) % 7);
      const got = await forwardLogits(cfg, w, tokens, 2, 6, 1);
      const want = referenceForward(cfg, w, {
        batch: 2,
        seqLen: 6,
        tokens,
        targets: new Int32Array(12),
        lossMask: new Float32Array(12),
      }).logits;
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
    });

    for (const blocks of tied ? [1] : [1, 4])
      it(`loss and every parameter gradient match finite differences, packed + masked (tied=${tied}, ${blocks} attention blocks)`, async () => {
        const w = testWeights(cfg, 4);
        const b = packedBatch();
        let count = 0;
        for (const m of b.lossMask) count += m;
        const { g, outputs } = buildTrainGraph(cfg, b.batch, b.seqLen, { attnBlocks: blocks });
        const graph = await CompiledGraph.compile(g, outputs, 1);
        const out = await graph.run({ ...modelFeeds(cfg, b, w), loss_scale: new Float32Array([1 / count]) });
        expect(out.loss[0]).toBeCloseTo(referenceForward(cfg, w, b).loss, 4);
        const fd = fdGrad(cfg, w, b);
        let maxAbs = 0;
        for (const g of fd.values()) for (const v of g) maxAbs = Math.max(maxAbs, Math.abs(v));
        expect(maxAbs).toBeGreaterThan(1e-2); // the check is not vacuous
        for (const [k, g] of fd) {
          const got = out[`grad.${k}`];
          for (let i = 0; i < g.length; i++)
            expect(Math.abs(got[i] - g[i]), `${k}[${i}]`).toBeLessThan(2e-4 * (maxAbs + Math.abs(g[i])));
        }
      });
  }

  it('one full AdamW step (accumulated over two micro-batches, clipped) matches an independent float64 step', async () => {
    const cfg = TINY;
    const w0 = testWeights(cfg, 5);
    const b1 = packedBatch();
    const b2: TrainBatch = {
      ...b1,
      tokens: b1.tokens.map((t) => (t + 1) % 7),
      lossMask: b1.lossMask.map((m, i) => (i % 3 === 0 ? 0 : m)),
    };
    const hyper = {
      lr: 0.01,
      warmup: 2,
      totalSteps: 10,
      clip: 0.5,
      beta1: 0.8,
      beta2: 0.9,
      eps: 1e-8,
      weightDecay: 0.2,
    };
    const trainer = await Trainer.create({ cfg, weights: w0, threads: 1, ...hyper });
    const res = await trainer.step([b1, b2]);

    // reference: the gradient of the token-weighted mean over both micro-batches, by finite differences
    const n1 = b1.lossMask.reduce((s, m) => s + m, 0);
    const n2 = b2.lossMask.reduce((s, m) => s + m, 0);
    const g1 = fdGrad(cfg, w0, b1);
    const g2 = fdGrad(cfg, w0, b2);
    const loss =
      (referenceForward(cfg, w0, b1).loss * n1 + referenceForward(cfg, w0, b2).loss * n2) / (n1 + n2);
    expect(res.loss).toBeCloseTo(loss, 4);
    let sq = 0;
    const grad = new Map<string, Float64Array>();
    for (const [k, a] of g1) {
      const g = a.map((v, i) => (v * n1 + g2.get(k)![i] * n2) / (n1 + n2));
      grad.set(k, g);
      for (const v of g) sq += v * v;
    }
    const norm = Math.sqrt(sq);
    expect(res.gradNorm).toBeCloseTo(norm, 3);
    const clip = norm > hyper.clip ? hyper.clip / norm : 1;
    const lr = hyper.lr / hyper.warmup; // first warmup step
    expect(res.lr).toBeCloseTo(lr, 10);
    const after = trainer.weights();
    for (const [k, w] of w0) {
      const g = grad.get(k)!;
      const decay = k.endsWith('norm.weight') ? 0 : hyper.weightDecay;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] * clip;
        const m = (1 - hyper.beta1) * gi;
        const v = (1 - hyper.beta2) * gi * gi;
        const mhat = m / (1 - hyper.beta1);
        const vhat = v / (1 - hyper.beta2);
        const want = w[i] * (1 - lr * decay) - (lr * mhat) / (Math.sqrt(vhat) + hyper.eps);
        // Adam's first step is ~lr·sign(g): only tiny gradients may flip sign within float32 noise
        if (Math.abs(gi) > 1e-4) expect(Math.abs(after.get(k)![i] - want), `${k}[${i}]`).toBeLessThan(1e-5);
      }
    }
  });
});
