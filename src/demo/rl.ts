import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import { packedBatches } from '../engine/batching.js';
import { generationFlops, sequenceFlops, TRAIN_FLOPS_PER_FORWARD } from '../engine/flops.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import { Trainer } from '../engine/trainer.js';
import type { RunConfig } from './config.js';
import { judge } from './evaluate.js';
import { repeatedPrompts, toolsFor } from './examples.js';
import { mean } from './metrics.js';
import { loadWeights } from './sft.js';
import { pickProblems } from './star.js';

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

/**
 * Per-token weights of PPO's clipped surrogate, for a weighted-NLL step: the gradient of
 * min(r·A, clip(r, 1−ε, 1+ε)·A) with r = exp(logπ − logπ_old) is A·r·∇logπ, or 0 where the clip binds
 * (r above 1+ε with A > 0, below 1−ε with A < 0).
 */
export function ppoWeights(
  advantage: number,
  now: readonly number[],
  old: readonly number[],
  clip: number,
): number[] {
  return now.map((lp, t) => {
    const r = Math.exp(lp - old[t]);
    const binds = advantage > 0 ? r > 1 + clip : r < 1 - clip;
    return binds ? 0 : advantage * r;
  });
}

/**
 * Sequence KL estimate Σₜ (log π − log π_ref) over the tokens the policy chose; tokens a tool wrote
 * (`forced`) are not its choice, so they count for neither the penalty nor the gradient.
 */
export function sequenceKl(
  policy: readonly number[],
  reference: readonly number[],
  forced?: readonly boolean[],
): number {
  let kl = 0;
  for (let t = 0; t < policy.length; t++) if (!forced?.[t]) kl += policy[t] - reference[t];
  return kl;
}

/**
 * Per-token loss weights of the KL penalty as its own term (GRPO's k3 estimator,
 * k3 = e^(ref−lp) − (ref−lp) − 1 ≥ 0 per token): d k3/d lp = 1 − e^(ref−lp), so in a weighted-NLL
 * loss (−w·lp) the term's weight is β·(e^(ref−lp) − 1). It is 0 where policy and reference agree.
 */
export function klWeights(policy: readonly number[], reference: readonly number[], beta: number): number[] {
  return policy.map((lp, t) => beta * (Math.exp(reference[t] - lp) - 1));
}

/** Per-token loss weights with the tool-written tokens zeroed. */
export function withoutToolTokens(weights: readonly number[], forced?: readonly boolean[]): number[] {
  return forced ? weights.map((w, t) => (forced[t] ? 0 : w)) : [...weights];
}

export interface RlStepStats {
  meanReward: number;
  solveRate: number;
  meanKl: number;
  meanTokens: number;
  loss: number;
  /** Share of token weights zeroed by the PPO clip (epochs after the first). */
  clipFraction: number;
}

/**
 * One on-policy step of meta-RL: sample a group of completions per problem from the current
 * policy, reward only a verified final answer (E-RL²; the same rule as evaluation), optionally
 * discounted by γ^|Z|, then one policy-gradient update per epoch:
 * loss = −(1/N) Σᵢ Σₜ (Aᵢ log π(yᵢₜ) − β·k3ᵢₜ), with group-baseline advantages Aᵢ of the reward
 * alone and the KL to the reference as its own term (`klWeights`); epochs after the first take
 * PPO's clipped-surrogate gradient, so reusing samples cannot run away from the sampling policy.
 */
export async function rlStep(o: {
  cfg: RunConfig;
  model: ModelConfig;
  trainer: Trainer;
  reference: Sampler;
  tokenizer: Tokenizer;
  problems: CountdownProblem[];
  seed: number;
  /** Receives what the step computed on, for a benchmark to replay elsewhere. */
  onWorkload?: (w: RlWorkload) => void;
}): Promise<RlStepStats & { phases: RlPhases }> {
  const { rl, eval: ev, threads } = o.cfg;
  const phases: RlPhases = {
    sample: { s: 0, tokens: 0, flops: 0 },
    score: { s: 0, tokens: 0, flops: 0 },
    grad: { s: 0, tokens: 0, flops: 0 },
  };
  let clock = performance.now();
  const lap = (phase: keyof RlPhases, tokens: number, flops: number) => {
    const now = performance.now();
    phases[phase].s += (now - clock) / 1000;
    phases[phase].tokens += tokens;
    phases[phase].flops += flops;
    clock = now;
  };
  const policy = await Sampler.create(o.model, o.trainer.weights() as Weights, { threads });
  let gens: Awaited<ReturnType<Sampler['generate']>>;
  const { prompts, owners } = repeatedPrompts(o.tokenizer, o.problems, rl.group, o.cfg.data.format);
  try {
    gens = await policy.generate({
      prompts,
      maxNewTokens: ev.maxNewTokens,
      // The policy the trainer differentiates is the model at temperature 1: samples drawn at any other
      // temperature would come from another distribution than the log-probs and the gradient describe.
      temperature: 1,
      stopTokens: [o.tokenizer.vocab.eos],
      seed: o.seed,
      logprobs: true,
      ...toolsFor(o.tokenizer, o.cfg, owners),
    });
  } finally {
    await policy.dispose();
  }
  lap(
    'sample',
    gens.reduce((n, g) => n + g.tokens.length, 0),
    gens.reduce((f, g, i) => f + generationFlops(o.model, prompts[i].length, g.tokens.length), 0),
  );
  // While the policy still has the reference's weights (an iteration's first step), the reference's
  // log-probs are the ones the policy sampled with, and the KL is 0: no second forward pass is needed.
  const samePolicy = rl.klCoef > 0 && o.reference.hasWeights(o.trainer.weights());
  const ref =
    rl.klCoef === 0
      ? null
      : samePolicy
        ? gens.map((g) => ({ logprobs: g.logprobs! }))
        : await o.reference.score({ prompts, continuations: gens.map((g) => g.tokens) });
  if (ref && !samePolicy) lap('score', ...scoredWork(o.model, prompts, gens, gens.keys()));
  const solved: boolean[] = [];
  const kls: number[] = [];
  const rewards = gens.map((g, i) => {
    const ok = judge(
      owners[i],
      o.tokenizer.decode(prompts[i]),
      o.tokenizer.decode(g.tokens),
      o.cfg.data.format,
    ).solved;
    solved.push(ok);
    kls.push(ref ? sequenceKl(g.logprobs!, ref[i].logprobs, g.forced) : 0);
    return ok ? rl.gamma ** g.tokens.length : 0;
  });
  const adv: number[] = [];
  for (let start = 0; start < rewards.length; start += rl.group) {
    adv.push(...advantages(rewards.slice(start, start + rl.group), rl.algorithm));
  }
  lap('score', 0, 0); // rewards and advantages
  // While the policy has the reference's weights its KL term is 0: only samples with an advantage learn.
  const klActive = ref !== null && !samePolicy;
  const learn = gens.flatMap((_, i) => (adv[i] === 0 && !klActive ? [] : [i]));
  /** Sample i as a training sequence: prompt then completion, its tokens weighted (tool tokens zeroed). */
  const example = (i: number, weights: readonly number[]) => ({
    tokens: [...prompts[i], ...gens[i].tokens],
    lossMask: [...prompts[i].map(() => 0), ...withoutToolTokens(weights, gens[i].forced)],
  });
  /** The KL term's weights at the policy's log-probs `lp` (0 without a reference pass). */
  const klTerm = (i: number, lp: readonly number[]) =>
    klActive ? klWeights(lp, ref![i].logprobs, rl.klCoef) : lp.map(() => 0);
  const onPolicy = (i: number) => klTerm(i, gens[i].logprobs!).map((w) => adv[i] + w);
  o.onWorkload?.({
    prompts,
    completions: gens.map((g) => g.tokens),
    learn: learn.map((i) => {
      const x = example(i, onPolicy(i));
      return { tokens: x.tokens, weights: x.lossMask };
    }),
    loss_scale: 1 / gens.length,
    seq_len: o.model.contextLength,
    reference_pass: ref !== null && !samePolicy,
  });
  let loss = 0;
  let clipped = 0;
  let scored = 0;
  // Log-probabilities of the sampled tokens under the policy that sampled them (scored only when
  // later epochs need a ratio against it).
  const old = rl.epochs > 1 ? await policyLogprobs(o, prompts, gens, learn) : null;
  if (old) lap('score', ...scoredWork(o.model, prompts, gens, learn));
  for (let e = 0; e < rl.epochs && learn.length > 0; e++) {
    // Epoch 1 is on-policy: every ratio is 1 and the weights are the advantages (plus the KL term). Later epochs reuse
    // the samples, so each token's weight becomes PPO's clipped-surrogate gradient, A·r with
    // r = π/π_old, and 0 where the clip binds (r past 1±ε in the advantage's direction).
    const now = e === 0 ? null : await policyLogprobs(o, prompts, gens, learn);
    if (now) lap('score', ...scoredWork(o.model, prompts, gens, learn));
    const examples = learn.map((i, k) => {
      if (now === null || old === null) return example(i, onPolicy(i));
      const surrogate = ppoWeights(adv[i], now[k], old[k], rl.clip);
      if (adv[i] !== 0) {
        scored += surrogate.length;
        clipped += surrogate.filter((w) => w === 0).length;
      }
      const kl = klTerm(i, now[k]);
      return example(
        i,
        surrogate.map((w, t) => w + kl[t]),
      );
    });
    const batches = packedBatches(examples, {
      batchSize: o.cfg.sft.batchSize,
      seqLen: o.model.contextLength,
    });
    loss = (await o.trainer.step(batches, { lossScale: 1 / gens.length })).loss;
    const positions = examples.map((x) => x.tokens.length - 1);
    lap(
      'grad',
      positions.reduce((a, b) => a + b, 0),
      positions.reduce((f, n) => f + TRAIN_FLOPS_PER_FORWARD * sequenceFlops(o.model, n), 0),
    );
  }
  return {
    phases,
    meanReward: mean(rewards),
    solveRate: mean(solved.map(Number)),
    meanKl: mean(kls),
    meanTokens: mean(gens.map((g) => g.tokens.length)),
    loss,
    clipFraction: scored > 0 ? clipped / scored : 0,
  };
}

/**
 * The problems and sampling seed of RL step n (1, 2, … counted across iterations, so every step draws its
 * own, and 6 iterations of 5 steps reach the same model as 30 of 1).
 */
export function rlStepDraw<P>(
  cfg: RunConfig,
  pool: readonly P[],
  n: number,
): { problems: P[]; seed: number } {
  return { problems: pickProblems(pool, cfg.rl.problems, cfg.seed * 104729 + n), seed: cfg.seed + 1000 + n };
}

/** Where one RL step's time went: wall seconds, tokens processed and useful FLOPs (flops.ts) per phase. */
export interface RlPhase {
  s: number;
  tokens: number;
  flops: number;
}
export type RlPhases = Record<'sample' | 'score' | 'grad', RlPhase>;

/** One step's inputs: sampled prompts and completions, then the weighted sequences of the update. */
export interface RlWorkload {
  prompts: number[][];
  completions: number[][];
  learn: Array<{ tokens: number[]; weights: number[] }>;
  loss_scale: number;
  /** the rows the update packs its sequences into */
  seq_len: number;
  /** whether the step scored the samples under the reference (not while the policy has its weights) */
  reference_pass: boolean;
}

/** Each statistic's mean over an iteration's steps. */
export function meanRlStats(steps: readonly RlStepStats[]): RlStepStats {
  const of = (key: keyof RlStepStats) => mean(steps.map((s) => s[key]));
  return {
    meanReward: of('meanReward'),
    solveRate: of('solveRate'),
    meanKl: of('meanKl'),
    meanTokens: of('meanTokens'),
    loss: of('loss'),
    clipFraction: of('clipFraction'),
  };
}

/** One line for the log: reward, solve rate, KL, tokens, and the clipped share when PPO epochs run. */
export function describeRlStep(s: RlStepStats, epochs: number): string {
  return (
    `reward ${s.meanReward.toFixed(3)}, solved ${(100 * s.solveRate).toFixed(1)}%, KL ${s.meanKl.toFixed(3)}, ${s.meanTokens.toFixed(0)} tokens` +
    (epochs > 1 ? `, ${(100 * s.clipFraction).toFixed(1)}% clipped` : '')
  );
}

/** Tokens and forward FLOPs of teacher-forcing samples `which` (prompt + continuation, logits on the continuation). */
function scoredWork(
  model: ModelConfig,
  prompts: number[][],
  gens: ReadonlyArray<{ tokens: number[] }>,
  which: Iterable<number>,
): [number, number] {
  let tokens = 0;
  let flops = 0;
  for (const i of which) {
    const n = prompts[i].length + gens[i].tokens.length;
    tokens += n;
    flops += sequenceFlops(model, n, gens[i].tokens.length);
  }
  return [tokens, flops];
}

/** Per-token log-probabilities of samples `which` under the trainer's current weights. */
async function policyLogprobs(
  o: { model: ModelConfig; trainer: Trainer; cfg: RunConfig },
  prompts: number[][],
  gens: ReadonlyArray<{ tokens: number[] }>,
  which: readonly number[],
): Promise<number[][]> {
  const scorer = await Sampler.create(o.model, o.trainer.weights() as Weights, { threads: o.cfg.threads });
  try {
    const scores = await scorer.score({
      prompts: which.map((i) => prompts[i]),
      continuations: which.map((i) => gens[i].tokens),
    });
    return scores.map((sc) => sc.logprobs);
  } finally {
    await scorer.dispose();
  }
}

/**
 * RL keeps its own optimizer state from iteration to iteration; the first starts fresh from the SFT
 * weights, its learning rate warmed up over `rl.warmupSteps` steps.
 */
export async function rlTrainer(
  cfg: RunConfig,
  model: ModelConfig,
  from: string,
  fresh: boolean,
): Promise<Trainer> {
  if (!fresh) return Trainer.resume(from, { threads: cfg.threads, expect: model });
  return Trainer.create({
    cfg: model,
    weights: loadWeights(from, model),
    lr: cfg.rl.lr,
    warmup: cfg.rl.warmupSteps,
    totalSteps: Math.max(1, cfg.rl.iterations * cfg.rl.steps * cfg.rl.epochs),
    minLrRatio: 1,
    weightDecay: 0,
    clip: 1,
    threads: cfg.threads,
  });
}
