import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import type { ModelConfig } from '../model-config.js';
import { logSoftmaxRows, randomWeights, referenceLogits, referenceScore } from '../reference.js';
import { Sampler } from './sampler.js';
import { PEAKED_CONFIG, PEAKED_WEIGHTS } from './testing/peaked-model.js';

const cfg = PEAKED_CONFIG;
const weights = PEAKED_WEIGHTS;
const tiedCfg: ModelConfig = { ...cfg, tiedEmbeddings: true, nHeads: 4, ropeTheta: 500 };
const tiedWeights = randomWeights(tiedCfg, 12, { std: 0.35 });

const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

let sampler: Sampler;
beforeAll(async () => {
  sampler = await Sampler.create(cfg, weights);
});
afterAll(async () => {
  await sampler.dispose();
});

describe('Sampler.score', () => {
  it('matches the reference log-probabilities within 1e-4, for ragged batches and tied embeddings', async () => {
    const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10, 11], [18, 0]];
    const continuations = [[4, 5, 6, 7, 8], [1, 1, 2], [3], []];
    const got = await sampler.score({ prompts, continuations });
    prompts.forEach((p, i) => {
      const ref = referenceScore(cfg, weights, p, continuations[i]);
      expect(got[i].logprobs.length).toBe(continuations[i].length);
      expect(maxAbsDiff(got[i].logprobs, ref)).toBeLessThan(1e-4);
      expect(got[i].total).toBeCloseTo(
        ref.reduce((a, b) => a + b, 0),
        3,
      );
    });
    const tied = await Sampler.create(tiedCfg, tiedWeights, { threads: 2 });
    const r = await tied.score({ prompts: [[3, 1, 4, 1, 5]], continuations: [[9, 2, 6, 5, 3, 5]] });
    expect(
      maxAbsDiff(r[0].logprobs, referenceScore(tiedCfg, tiedWeights, [3, 1, 4, 1, 5], [9, 2, 6, 5, 3, 5])),
    ).toBeLessThan(1e-4);
    await tied.dispose();
  });

  it('rejects bad requests with a UserError', async () => {
    expect(await sampler.score({ prompts: [[1], [2, 3]], continuations: [[], []] })).toEqual([
      { logprobs: [], total: 0 },
      { logprobs: [], total: 0 },
    ]);
    await expect(sampler.score({ prompts: [[1]], continuations: [] })).rejects.toThrow(UserError);
    await expect(sampler.score({ prompts: [[]], continuations: [[1]] })).rejects.toThrow(
      /at least one token/,
    );
    await expect(sampler.score({ prompts: [[1]], continuations: [[19]] })).rejects.toThrow(
      /outside the vocabulary/,
    );
    await expect(sampler.score({ prompts: [[1]], continuations: [new Array(80).fill(1)] })).rejects.toThrow(
      /context length/,
    );
  });
});

describe('Sampler.generate', () => {
  it('returns the reference log-probabilities of the tokens it samples, across the KV cache growing', async () => {
    // 22 + 50 > 64 forces a cache reallocation mid-generation; ragged prompts use per-sequence positions.
    const prompts = [
      [1, 2, 3],
      [4],
      [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 1, 2, 3, 4, 5, 6, 7],
    ];
    const out = await sampler.generate({
      prompts,
      maxNewTokens: 50,
      logprobs: true,
      seed: 3,
      temperature: 1.3,
    });
    out.forEach((g, i) => {
      expect(g.tokens.length).toBe(Math.min(50, cfg.contextLength - prompts[i].length));
      expect(g.finishReason).toBe('length');
      expect(maxAbsDiff(g.logprobs!, referenceScore(cfg, weights, prompts[i], g.tokens))).toBeLessThan(1e-4);
    });
  });

  it('lets a tool force tokens: they are marked, conditioned on, and scored like any other', async () => {
    const prompts = [[2, 7], [9]];
    // Sequence 1 gets token 5 forced at every third position; sequence 0 is left alone.
    const force = (i: number, g: readonly number[]) => (i === 1 && g.length % 3 === 0 ? 5 : undefined);
    const out = await sampler.generate({
      prompts,
      maxNewTokens: 10,
      greedy: true,
      logprobs: true,
      force,
      stopTokens: [],
    });
    const free = await sampler.generate({ prompts: [prompts[0]], maxNewTokens: 10, greedy: true });
    expect(out[0].tokens).toEqual(free[0].tokens);
    expect(out[0].forced).toEqual(Array(10).fill(false));
    expect(out[1].forced).toEqual(out[1].tokens.map((_, t) => t % 3 === 0));
    out[1].tokens.forEach((tok, t) => {
      if (t % 3 === 0) expect(tok).toBe(5);
    });
    // The model's tokens after a forced one follow the forced prefix (greedy under the reference).
    const seq = [...prompts[1]];
    for (let t = 0; t < 10; t++) {
      if (t % 3 !== 0) {
        const lp = logSoftmaxRows(referenceLogits(cfg, weights, seq), cfg.vocabSize);
        const last = lp.subarray((seq.length - 1) * cfg.vocabSize, seq.length * cfg.vocabSize);
        expect(out[1].tokens[t]).toBe(last.indexOf(Math.max(...last)));
      }
      seq.push(out[1].tokens[t]);
    }
    expect(
      maxAbsDiff(out[1].logprobs!, referenceScore(cfg, weights, prompts[1], out[1].tokens)),
    ).toBeLessThan(1e-4);
    await expect(sampler.generate({ prompts, maxNewTokens: 3, force: () => cfg.vocabSize })).rejects.toThrow(
      /not a token id/,
    );
  });

  it('the graph chooses tokens as the JS path does: the same draws give the same tokens and log-probs', async () => {
    // topK = V keeps every token, as plain sampling does, but takes the JS path (chooseToken on the logits).
    const prompts = Array.from({ length: 24 }, (_, i) => [i % cfg.vocabSize, (3 * i + 1) % cfg.vocabSize]);
    const force = (i: number, g: readonly number[]) => (i % 4 === 1 && g.length % 5 === 2 ? 7 : undefined);
    for (const temperature of [1, 0.6, 0]) {
      const req = { prompts, maxNewTokens: 30, temperature, seed: 5, logprobs: true, force, stopTokens: [3] };
      const graph = await sampler.generate(req);
      const js = await sampler.generate({ ...req, topK: cfg.vocabSize });
      expect(graph.map((g) => g.tokens)).toEqual(js.map((g) => g.tokens));
      expect(graph.map((g) => g.forced)).toEqual(js.map((g) => g.forced));
      const worst = Math.max(...graph.map((g, i) => maxAbsDiff(g.logprobs!, js[i].logprobs!)));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('greedy decoding follows the reference argmax, and batching does not change it', async () => {
    const prompts = [[2, 7], [9], [3, 3, 3, 3, 3]];
    const batch = await sampler.generate({ prompts, maxNewTokens: 12, greedy: true });
    for (let i = 0; i < prompts.length; i++) {
      const alone = await sampler.generate({ prompts: [prompts[i]], maxNewTokens: 12, temperature: 0 });
      expect(alone[0].tokens).toEqual(batch[i].tokens);
      const seq = [...prompts[i]];
      for (let t = 0; t < 12; t++) {
        const lp = logSoftmaxRows(referenceLogits(cfg, weights, seq), cfg.vocabSize);
        const row = Array.from(lp.subarray((seq.length - 1) * cfg.vocabSize, seq.length * cfg.vocabSize));
        seq.push(row.indexOf(Math.max(...row)));
      }
      expect(batch[i].tokens).toEqual(seq.slice(prompts[i].length));
    }
  });

  it('is reproducible per seed, independent of batch size, and varies across seeds', async () => {
    const prompts = Array.from({ length: 6 }, (_, i) => [i + 1, i + 2]);
    const a = await sampler.generate({ prompts, maxNewTokens: 10, seed: 42 });
    const b = await sampler.generate({ prompts, maxNewTokens: 10, seed: 42 });
    const small = await Sampler.create(cfg, weights, { maxBatch: 4 });
    const c = await small.generate({ prompts, maxNewTokens: 10, seed: 42 });
    await small.dispose();
    const d = await sampler.generate({ prompts, maxNewTokens: 10, seed: 43 });
    expect(b).toEqual(a);
    // Concurrent calls on one sampler do not share KV-cache buffers.
    const [e, f] = await Promise.all([
      sampler.generate({ prompts, maxNewTokens: 10, seed: 42 }),
      sampler.generate({ prompts: prompts.slice(0, 3), maxNewTokens: 30, seed: 42 }),
    ]);
    expect(e).toEqual(a);
    expect(f.map((g) => g.tokens.slice(0, 10))).toEqual(a.slice(0, 3).map((g) => g.tokens));
    expect(c.map((g) => g.tokens)).toEqual(a.map((g) => g.tokens));
    expect(d.map((g) => g.tokens)).not.toEqual(a.map((g) => g.tokens));
  });

  it('top-k 1 and a tiny top-p are greedy; top-k restricts samples to the k most likely tokens', async () => {
    const prompts = [[1, 2], [5]];
    const greedy = await sampler.generate({ prompts, maxNewTokens: 8, greedy: true });
    const k1 = await sampler.generate({ prompts, maxNewTokens: 8, topK: 1, seed: 5 });
    const p0 = await sampler.generate({ prompts, maxNewTokens: 8, topP: 1e-6, seed: 6 });
    expect(k1.map((g) => g.tokens)).toEqual(greedy.map((g) => g.tokens));
    expect(p0.map((g) => g.tokens)).toEqual(greedy.map((g) => g.tokens));
    const many = await sampler.generate({
      prompts: new Array(30).fill([4]),
      maxNewTokens: 1,
      topK: 3,
      seed: 1,
    });
    const lp = logSoftmaxRows(referenceLogits(cfg, weights, [4]), cfg.vocabSize);
    const top3 = Array.from(lp)
      .map((v, i) => [v, i])
      .sort((x, y) => y[0] - x[0])
      .slice(0, 3)
      .map(([, i]) => i);
    const seen = new Set(many.map((g) => g.tokens[0]));
    for (const t of seen) expect(top3).toContain(t);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('stops on stop tokens and stop strings, keeping the stopping token', async () => {
    const prompts = [[1], [2], [3]];
    const free = await sampler.generate({ prompts, maxNewTokens: 20, seed: 9 });
    const stopTok = free[0].tokens[3];
    const stopped = await sampler.generate({ prompts, maxNewTokens: 20, seed: 9, stopTokens: [stopTok] });
    const first = free[0].tokens.indexOf(stopTok);
    expect(stopped[0].tokens).toEqual(free[0].tokens.slice(0, first + 1));
    expect(stopped[0].finishReason).toBe('stop');
    for (const g of stopped) if (g.finishReason === 'length') expect(g.tokens).not.toContain(stopTok);

    const letters = 'abcdefghijklmnopqrs';
    const detokenize = (ts: number[]) => ts.map((t) => letters[t]).join('');
    const target = detokenize(free[1].tokens.slice(4, 6));
    const byString = await sampler.generate({
      prompts,
      maxNewTokens: 20,
      seed: 9,
      stopStrings: [target],
      detokenize,
    });
    expect(detokenize(byString[1].tokens).endsWith(target)).toBe(true);
    expect(byString[1].finishReason).toBe('stop');
    expect(byString[1].tokens.length).toBeLessThanOrEqual(6);
  });

  it('handles hundreds of sequences with early stops (cache compaction) and keeps logprobs exact', async () => {
    const prompts = Array.from({ length: 300 }, (_, i) =>
      [i % 19, (i * 7) % 19, (i * 3) % 19].slice(0, 1 + (i % 3)),
    );
    const out = await sampler.generate({
      prompts,
      maxNewTokens: 20,
      seed: 1,
      stopTokens: [0, 5],
      logprobs: true,
    });
    expect(out.length).toBe(300);
    expect(out.some((g) => g.finishReason === 'stop')).toBe(true);
    expect(out.some((g) => g.finishReason === 'length')).toBe(true);
    for (const g of out) {
      // A sequence ends at its first stop token, or runs to maxNewTokens without one.
      const firstStop = g.tokens.findIndex((t) => t === 0 || t === 5);
      if (g.finishReason === 'stop') expect(firstStop).toBe(g.tokens.length - 1);
      else expect([firstStop, g.tokens.length]).toEqual([-1, 20]);
    }
    for (const i of [0, 1, 2, 150, 299]) {
      expect(
        maxAbsDiff(out[i].logprobs!, referenceScore(cfg, weights, prompts[i], out[i].tokens)),
      ).toBeLessThan(1e-4);
    }
  });

  it('rejects bad requests and bad models with a UserError', async () => {
    await expect(sampler.generate({ prompts: [[1]], maxNewTokens: -1 })).rejects.toThrow(UserError);
    await expect(sampler.generate({ prompts: [[1]], maxNewTokens: 1, topP: 0 })).rejects.toThrow(/topP/);
    await expect(sampler.generate({ prompts: [[1]], maxNewTokens: 1, stopStrings: ['x'] })).rejects.toThrow(
      /detokenize/,
    );
    await expect(sampler.generate({ prompts: [[-1]], maxNewTokens: 1 })).rejects.toThrow(
      /outside the vocabulary/,
    );
    expect(await sampler.generate({ prompts: [[1]], maxNewTokens: 0 })).toEqual([
      { tokens: [], finishReason: 'length' },
    ]);
    await expect(Sampler.create({ ...cfg, nHeads: 3 }, weights)).rejects.toThrow(/must divide/);
    const missing = new Map(weights);
    missing.delete('blk.0.attn_q.weight');
    await expect(Sampler.create(cfg, missing)).rejects.toThrow(/missing parameter 'blk.0.attn_q.weight'/);
  });
});
