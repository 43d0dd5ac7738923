import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import type { Example } from '../engine/batching.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { RunConfig } from './config.js';
import { judge } from './evaluate.js';
import { continuationExample, repeatedPrompts, toolsFor } from './examples.js';

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
    gens.forEach((g, i) => {
      if (g.finishReason !== 'stop') return;
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
    const examples = kept.map((i) => continuationExample(prompts[i], gens[i].tokens));
    return { examples, sampled: gens.length, kept: examples.length, solvedProblems: verified.size };
  } finally {
    await sampler.dispose();
  }
}
