/**
 * Per-sequence sampling in the Sampler: several requests in one batch, each with its own options, get exactly what
 * each gets alone; min-p and the repetition penalty follow their definitions against the reference forward pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSoftmaxRows, referenceLogits } from '../reference.js';
import { Sampler } from './sampler.js';
import type { GenerateRequest } from './sequence.js';
import { PEAKED_CONFIG, PEAKED_WEIGHTS } from './testing/peaked-model.js';

const cfg = PEAKED_CONFIG;
const weights = PEAKED_WEIGHTS;
const detokenize = (ids: number[]) => ids.map((t) => String.fromCharCode(97 + t)).join('');

let sampler: Sampler;
beforeAll(async () => {
  sampler = await Sampler.create(cfg, weights, { maxBatch: 5 });
});
afterAll(async () => {
  await sampler.dispose();
});

/** The model's logits after `seq` (reference forward pass, float64). */
const lastLogits = (seq: number[]) =>
  Array.from(
    referenceLogits(cfg, weights, seq).subarray((seq.length - 1) * cfg.vocabSize, seq.length * cfg.vocabSize),
  );

describe('Sampler.generateMany', () => {
  it('gives each request, with its own options, exactly what it gets alone', async () => {
    const reqs: GenerateRequest[] = [
      { prompts: [[1, 2], [3]], maxNewTokens: 10, seed: 7 },
      { prompts: [[4, 4, 4]], maxNewTokens: 3, greedy: true, logprobs: true },
      { prompts: [[5], [6], [7]], maxNewTokens: 12, temperature: 0.7, topK: 4, seed: 9, stopTokens: [2] },
      { prompts: [[8, 1]], maxNewTokens: 15, topP: 0.8, minP: 0.1, seed: 3, stopStrings: ['c'], detokenize },
      { prompts: [[2, 9, 9]], maxNewTokens: 8, repetitionPenalty: 1.8, seed: 1, logprobs: true },
    ];
    const together = await sampler.generateMany(reqs);
    const alone = [];
    for (const r of reqs) alone.push(await sampler.generate(r));
    expect(together).toEqual(alone);
    expect(together.map((g) => g.length)).toEqual([2, 1, 3, 1, 1]);
    expect(together[1]![0]!.tokens).toHaveLength(3);
  });

  it('stops the sequences of an aborted request and lets the others run to the end', async () => {
    const ctl = new AbortController();
    let calls = 0;
    const stopping: GenerateRequest = {
      prompts: [[1], [2]],
      maxNewTokens: 40,
      seed: 1,
      signal: ctl.signal,
      // a tool that never forces anything, used to abort after the third token
      force: () => {
        if (++calls === 6) ctl.abort();
        return undefined;
      },
    };
    const [stopped, other] = await sampler.generateMany([
      stopping,
      { prompts: [[3]], maxNewTokens: 40, seed: 2 },
    ]);
    for (const g of stopped!) expect(g.tokens.length).toBeLessThanOrEqual(4);
    expect(other![0]!.tokens).toHaveLength(40);
  });
});

describe('min-p and the repetition penalty', () => {
  it('min-p keeps only tokens at least min-p times as likely as the most likely one', async () => {
    const prompt = [4];
    const out = await sampler.generate({
      prompts: new Array(60).fill(prompt),
      maxNewTokens: 1,
      minP: 0.3,
      seed: 4,
    });
    const logits = lastLogits(prompt);
    const max = Math.max(...logits);
    const allowed = logits.flatMap((l, t) => (Math.exp(l - max) >= 0.3 ? [t] : []));
    const seen = new Set(out.map((g) => g.tokens[0]!));
    for (const t of seen) expect(allowed).toContain(t);
    expect(allowed.length).toBeLessThan(cfg.vocabSize);
    // min-p 1 leaves only the most likely token: greedy
    const one = await sampler.generate({ prompts: [[1, 2], [5]], maxNewTokens: 8, minP: 1, seed: 5 });
    const greedy = await sampler.generate({ prompts: [[1, 2], [5]], maxNewTokens: 8, greedy: true });
    expect(one.map((g) => g.tokens)).toEqual(greedy.map((g) => g.tokens));
  });

  it('greedy with a repetition penalty follows the penalized reference argmax; logprobs stay the model’s', async () => {
    const penalty = 2.5;
    for (const prompt of [[3, 3, 3], [2, 7], [9]]) {
      const [g] = await sampler.generate({
        prompts: [prompt],
        maxNewTokens: 12,
        greedy: true,
        repetitionPenalty: penalty,
        logprobs: true,
      });
      const seq = [...prompt];
      for (let t = 0; t < 12; t++) {
        const row = lastLogits(seq);
        const seen = new Set(seq);
        const penalized = row.map((l, tok) => (seen.has(tok) ? (l > 0 ? l / penalty : l * penalty) : l));
        seq.push(penalized.indexOf(Math.max(...penalized)));
      }
      expect(g!.tokens).toEqual(seq.slice(prompt.length));
      // the logprob of each token is the unpenalized model's
      g!.tokens.forEach((tok, k) => {
        const lp = logSoftmaxRows(
          referenceLogits(cfg, weights, seq.slice(0, prompt.length + k)),
          cfg.vocabSize,
        );
        const at = (prompt.length + k - 1) * cfg.vocabSize + tok;
        expect(Math.abs(g!.logprobs![k]! - lp[at]!)).toBeLessThan(1e-4);
      });
    }
    // without the penalty, greedy decoding of this model repeats itself
    const [plain] = await sampler.generate({ prompts: [[3, 3, 3]], maxNewTokens: 12, greedy: true });
    expect(new Set(plain!.tokens).size).toBeLessThan(12);
  });

  it('rejects bad min-p and penalty values with a UserError', async () => {
    await expect(sampler.generate({ prompts: [[1]], maxNewTokens: 1, minP: 1.5 })).rejects.toThrow(/minP/);
    await expect(sampler.generate({ prompts: [[1]], maxNewTokens: 1, repetitionPenalty: 0 })).rejects.toThrow(
      /repetitionPenalty/,
    );
  });
});
