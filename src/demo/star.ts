import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import type { Example } from '../engine/batching.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { RunConfig } from './config.js';
import { judge } from './evaluate.js';
import { continuationExample, repeatedPrompts } from './examples.js';

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
    const { prompts, owners } = repeatedPrompts(o.tokenizer, o.problems, star.samples);
    const gens = await sampler.generate({
      prompts,
      maxNewTokens: ev.maxNewTokens,
      temperature: star.temperature,
      stopTokens: [o.tokenizer.vocab.eos],
      seed: o.seed,
    });
    const seen = new Set<string>();
    const solved = new Set<CountdownProblem>();
    const examples: Example[] = [];
    gens.forEach((g, i) => {
      if (g.finishReason !== 'stop') return;
      const output = o.tokenizer.decode(g.tokens);
      const verdict = judge(owners[i], o.tokenizer.decode(prompts[i]), output, 'compact');
      const key = `${owners[i].target}|${owners[i].nums.join(',')}|${output}`;
      if (!verdict.solved || seen.has(key)) return;
      seen.add(key);
      solved.add(owners[i]);
      examples.push(continuationExample(prompts[i], g.tokens));
    });
    return { examples, sampled: gens.length, kept: examples.length, solvedProblems: solved.size };
  } finally {
    await sampler.dispose();
  }
}
