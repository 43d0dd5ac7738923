import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import { evalBatches } from '../engine/batching.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { Trainer } from '../engine/trainer.js';
import type { RunConfig } from './config.js';
import { judge } from './evaluate.js';
import { continuationExample, repeatedPrompts } from './examples.js';
import { mean } from './metrics.js';

/**
 * Group baselines for policy gradient. RLOO: each sample's baseline is the mean reward of the other
 * samples of its prompt (unbiased). GRPO: rewards standardised within the group.
 */
export function advantages(rewards: readonly number[], kind: 'rloo' | 'grpo'): number[] {
  const n = rewards.length;
  const sum = rewards.reduce((a, b) => a + b, 0);
  if (kind === 'rloo') return rewards.map((r) => r - (sum - r) / (n - 1));
  const mu = sum / n;
  const sd = Math.sqrt(rewards.reduce((a, r) => a + (r - mu) ** 2, 0) / n);
  return rewards.map((r) => (r - mu) / (sd + 1e-6));
}

export interface RlStepStats {
  meanReward: number;
  solveRate: number;
  meanKl: number;
  meanTokens: number;
  loss: number;
}

/**
 * One on-policy iteration of meta-RL: sample a group of completions per problem from the current
 * policy, reward only a verified final answer (E-RL²), optionally discounted by γ^|Z| and with a KL
 * penalty to the reference folded into the reward, then one policy-gradient update:
 * loss = −(1/N) Σᵢ Aᵢ Σₜ log π(yᵢₜ), with group-baseline advantages Aᵢ.
 */
export async function rlIteration(o: {
  cfg: RunConfig;
  model: ModelConfig;
  trainer: Trainer;
  reference: Sampler;
  tokenizer: Tokenizer;
  problems: CountdownProblem[];
  seed: number;
}): Promise<RlStepStats> {
  const { rl, eval: ev, threads } = o.cfg;
  const policy = await Sampler.create(o.model, o.trainer.weights() as Weights, { threads });
  let gens: Awaited<ReturnType<Sampler['generate']>>;
  const { prompts, owners } = repeatedPrompts(o.tokenizer, o.problems, rl.group);
  try {
    gens = await policy.generate({
      prompts,
      maxNewTokens: ev.maxNewTokens,
      temperature: rl.temperature,
      stopTokens: [o.tokenizer.vocab.eos],
      seed: o.seed,
      logprobs: true,
    });
  } finally {
    await policy.dispose();
  }
  const ref =
    rl.klCoef > 0 ? await o.reference.score({ prompts, continuations: gens.map((g) => g.tokens) }) : null;
  const solved: boolean[] = [];
  const kls: number[] = [];
  const rewards = gens.map((g, i) => {
    const ok =
      g.finishReason === 'stop' &&
      judge(owners[i], o.tokenizer.decode(prompts[i]), o.tokenizer.decode(g.tokens), 'compact').solved;
    solved.push(ok);
    // Sequence KL estimate Σₜ (log π − log π_ref) on the sampled tokens.
    const kl = ref ? g.logprobs!.reduce((a, lp, t) => a + lp - ref[i].logprobs[t], 0) : 0;
    kls.push(kl);
    return (ok ? rl.gamma ** g.tokens.length : 0) - rl.klCoef * kl;
  });
  const adv: number[] = [];
  for (let start = 0; start < rewards.length; start += rl.group) {
    adv.push(...advantages(rewards.slice(start, start + rl.group), rl.algorithm));
  }
  const examples = gens.flatMap((g, i) =>
    adv[i] === 0 ? [] : [continuationExample(prompts[i], g.tokens, adv[i])],
  );
  let loss = 0;
  if (examples.length > 0) {
    const batches = evalBatches(examples, {
      batchSize: o.cfg.sft.batchSize,
      seqLen: o.model.contextLength,
      pack: true,
    });
    for (let e = 0; e < rl.epochs; e++) {
      loss = (await o.trainer.step(batches, { lossScale: 1 / gens.length })).loss;
    }
  }
  return {
    meanReward: mean(rewards),
    solveRate: mean(solved.map(Number)),
    meanKl: mean(kls),
    meanTokens: mean(gens.map((g) => g.tokens.length)),
    loss,
  };
}
