import { join } from 'node:path';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import type { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { RunConfig } from './config.js';
import { describeRlStep, meanRlStats, type RlStepStats, rlStep, rlStepDraw, rlTrainer } from './rl.js';
import type { RunObserver } from './run.js';

/**
 * Iteration k of meta-RL: `rl.steps` on-policy steps from the previous iteration's model (`start`,
 * a model folder under models/, for the first), saved to models/rl_k. Returns the new weights and
 * the steps' mean statistics.
 */
export async function rlIteration(o: {
  cfg: RunConfig;
  model: ModelConfig;
  tokenizer: Tokenizer;
  reference: Sampler;
  pool: readonly CountdownProblem[];
  k: number;
  dir: string;
  start: string;
  obs: RunObserver;
}): Promise<{ weights: Weights; stats: RlStepStats }> {
  const { cfg, k } = o;
  const prev = join(o.dir, 'models', k === 1 ? o.start : `rl_${k - 1}`);
  const trainer = await rlTrainer(cfg, o.model, prev, k === 1);
  const steps: RlStepStats[] = [];
  for (let s = 1; s <= cfg.rl.steps; s++) {
    // Step numbers run on across iterations, so every step samples its own problems and seeds,
    // and 6 iterations of 5 steps reach the same model as 30 of 1.
    const n = (k - 1) * cfg.rl.steps + s;
    const stats = await rlStep({
      cfg,
      model: o.model,
      trainer,
      reference: o.reference,
      tokenizer: o.tokenizer,
      ...rlStepDraw(cfg, o.pool, n),
    });
    steps.push(stats);
    o.obs.progress(s, cfg.rl.steps, 'steps', describeRlStep(stats, cfg.rl.epochs));
    if (cfg.rl.steps > 1) o.obs.log(`RL ${k}.${s}: ${describeRlStep(stats, cfg.rl.epochs)}`);
  }
  const stats = meanRlStats(steps);
  o.obs.log(`RL ${k}: ${describeRlStep(stats, cfg.rl.epochs)}`);
  await trainer.save(join(o.dir, 'models', `rl_${k}`), { rl: true });
  return { weights: trainer.weights() as Weights, stats };
}
