import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import type { Example } from '../engine/batching.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import { Trainer } from '../engine/trainer.js';
import type { RunConfig } from './config.js';
import { judge } from './evaluate.js';
import { continuationExample, repeatedPrompts, toolsFor } from './examples.js';
import type { RunObserver } from './run.js';
import { loadWeights, sft } from './sft.js';

/** Draws `n` distinct problems for one iteration, reproducibly. */
export function pickProblems<T>(pool: readonly T[], n: number, seed: number): T[] {
  return new Rng(seed).shuffle([...pool]).slice(0, Math.min(n, pool.length));
}

export interface StarSamples {
  examples: Example[];
  sampled: number;
  kept: number;
  solvedProblems: number;
}

/**
 * The "sample, keep verified" half of a STaR / expert-iteration round: several samples per train
 * problem at temperature, each judged by the verifier; correct ones (deduplicated) become training data.
 * With `star.keep: shortest` only each problem's shortest verified sample is kept: Searchformer's
 * search-dynamics bootstrapping (Lehnert et al. 2024), which trades explored states for tokens.
 */
export async function collectVerified(o: {
  cfg: RunConfig;
  model: ModelConfig;
  weights: Weights;
  tokenizer: Tokenizer;
  problems: CountdownProblem[];
  seed: number;
}): Promise<StarSamples> {
  const { star, eval: ev, threads } = o.cfg;
  const sampler = await Sampler.create(o.model, o.weights, { threads });
  try {
    const { prompts, owners } = repeatedPrompts(o.tokenizer, o.problems, star.samples, o.cfg.data.format);
    const gens = await sampler.generate({
      prompts,
      maxNewTokens: ev.maxNewTokens,
      temperature: star.temperature,
      stopTokens: [o.tokenizer.vocab.eos],
      seed: o.seed,
      ...toolsFor(o.tokenizer, o.cfg, owners),
    });
    const seen = new Set<string>();
    // Verified samples, grouped by problem in sampling order.
    const verified = new Map<CountdownProblem, number[]>();
    // One finish rule with evaluation and RL: a verified solution counts whether or not the model stopped.
    gens.forEach((g, i) => {
      const output = o.tokenizer.decode(g.tokens);
      const verdict = judge(owners[i], o.tokenizer.decode(prompts[i]), output, o.cfg.data.format);
      const key = `${owners[i].target}|${owners[i].nums.join(',')}|${output}`;
      if (!verdict.solved || seen.has(key)) return;
      seen.add(key);
      const ids = verified.get(owners[i]) ?? [];
      if (ids.length === 0) verified.set(owners[i], ids);
      ids.push(i);
    });
    const kept = [...verified.values()].flatMap((ids) =>
      star.keep === 'all'
        ? ids
        : // The first of the shortest, so ties resolve the same way on every run.
          [ids.reduce((best, i) => (gens[i].tokens.length < gens[best].tokens.length ? i : best))],
    );
    // Tokens a tool wrote are the environment's, not the model's: learned by neither STaR nor RL.
    const examples = kept.map((i) => continuationExample(prompts[i], gens[i].tokens, 1, gens[i].forced));
    return { examples, sampled: gens.length, kept: examples.length, solvedProblems: verified.size };
  } finally {
    await sampler.dispose();
  }
}

/**
 * One STaR iteration: sample the pool's problems with the run's tools, keep the verified samples, and
 * fine-tune `from` on them into `to` (warmed up: a fresh Adam's first step would be lr·sign(g)).
 */
export async function starIteration(o: {
  cfg: RunConfig;
  model: ModelConfig;
  tokenizer: Tokenizer;
  pool: readonly CountdownProblem[];
  k: number;
  from: string;
  to: string;
  fits: (e: Example) => boolean;
  obs: RunObserver;
}): Promise<{ kept: number; sampled: number; solvedProblems: number }> {
  const { cfg, model, k } = o;
  const weights = loadWeights(o.from, model);
  const picked = pickProblems(o.pool, cfg.star.problems, cfg.seed * 7919 + k);
  const got = await collectVerified({
    cfg,
    model,
    weights,
    tokenizer: o.tokenizer,
    problems: picked,
    seed: cfg.seed + k,
  });
  o.obs.log(
    `STaR ${k}: kept ${got.kept}/${got.sampled} samples (${got.solvedProblems}/${picked.length} problems solved)`,
  );
  const examples = got.examples.filter(o.fits);
  const stats = { kept: got.kept, sampled: got.sampled, solvedProblems: got.solvedProblems };
  if (examples.length === 0) {
    // Nothing verified to learn from: this iteration keeps the model as it is.
    await (await Trainer.create({ cfg: model, weights })).save(o.to);
    return stats;
  }
  await sft({
    cfg,
    model,
    examples,
    tokens: cfg.star.tokens,
    lr: cfg.star.lr,
    warmupSteps: cfg.star.warmupSteps,
    init: weights,
    dir: o.to,
    seed: cfg.seed + k,
    onProgress: (p) => o.obs.progress(p.step, p.steps, 'steps', `loss ${p.loss.toFixed(3)}`),
  });
  return stats;
}
