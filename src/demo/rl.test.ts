import { describe, expect, it } from 'vitest';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { packedBatches } from '../engine/batching.js';
import { Sampler } from '../engine/infer/sampler.js';
import { randomWeights } from '../engine/reference.js';
import { Trainer } from '../engine/trainer.js';
import { parseRunConfig } from './config.js';
import { rlStep } from './rl.js';
import { modelConfig } from './sft.js';

describe('rlStep', () => {
  it("skips the reference's forward pass while the policy has its weights, and needs it once the policy moved", async () => {
    const cfg = parseRunConfig({
      model: { dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, contextLength: 64 },
      data: { maxTokens: 64 },
      sft: { seqLen: 64, batchSize: 4 },
      eval: { maxNewTokens: 20 },
      rl: { problems: 3, group: 4, lr: 0.01 },
      threads: 1,
    });
    const tokenizer = new Tokenizer(VOCABULARIES[cfg.data.vocab]);
    const model = modelConfig(cfg, tokenizer.size);
    const weights = randomWeights(model, 3, { std: 0.3 });
    const reference = await Sampler.create(model, weights, { threads: 1 });
    const trainer = await Trainer.create({ cfg: model, weights, lr: 0.01, threads: 1, warmup: 0 });
    const problems = [
      { nums: [3, 4, 5], target: 12 },
      { nums: [2, 9, 1], target: 19 },
      { nums: [6, 6, 2], target: 36 },
    ];
    try {
      expect(reference.hasWeights(trainer.weights())).toBe(true);
      const first = await rlStep({ cfg, model, trainer, reference, tokenizer, problems, seed: 1 });
      expect(first.meanKl).toBe(0);
      expect(first.phases.score.tokens).toBe(0);
      expect(first.phases.sample.tokens).toBe(first.meanTokens * 12);
      // (a random policy solves nothing, so that step had no advantage to learn from): move it by hand
      await trainer.step(packedBatches([{ tokens: [1, 5, 9, 2, 7, 3] }], { batchSize: 1, seqLen: 8 }));
      expect(reference.hasWeights(trainer.weights())).toBe(false);
      const second = await rlStep({ cfg, model, trainer, reference, tokenizer, problems, seed: 2 });
      expect(second.meanKl).not.toBe(0);
      expect(second.phases.score.tokens).toBeGreaterThan(second.phases.sample.tokens);
      expect(second.phases.grad.flops).toBeGreaterThan(0);
    } finally {
      await reference.dispose();
    }
  });
});
