import type { RunConfig } from './config.js';

/**
 * Rough seconds per stage from the config, for the "time left" display. The constants are this
 * project's measurements on 2 cores; `secondsLeft` rescales them by how the finished stages went.
 */
const TRAIN_TOKENS_PER_S = 13_500;
const SAMPLE_TOKENS_PER_S = 14_000;

/**
 * Share of the token limit an output fills, measured on the demo: CoT writes one path (~31 of 250
 * tokens), Meta-CoT searches, and many of its searches run to the limit (~157).
 */
const FILL = { cot: 0.15, metacot: 0.6, resample: 0.4 } as const;

/**
 * Problems per evaluation: both test sets and both validation sets. Each is "up to" its config size,
 * and the demo's hold 230–650 distinct prompts each (seeds 0–5), so the config sizes are capped.
 */
const SET_CAP = 600;

export function estimateStageSeconds(cfg: RunConfig, name: string): number {
  const held = cfg.countdown.heldOutInputFraction > 0;
  const valid = cfg.countdown.validationFraction > 0;
  const sizes = [
    cfg.data.test,
    held ? cfg.data.testInputs : 0,
    valid ? cfg.data.valid : 0,
    held && valid ? cfg.data.validInputs : 0,
  ];
  const problems = sizes.reduce((a, n) => a + Math.min(n, SET_CAP), 0);
  // With tools, every model is evaluated twice: with them and without (same weights).
  const variants = cfg.tools.length > 0 ? 2 : 1;
  const once = (fill: number) => (problems * cfg.eval.maxNewTokens * fill) / SAMPLE_TOKENS_PER_S;
  const evalSeconds = (fill: number) => variants * once(fill);
  if (name === 'data') return cfg.data.train / 3000 + 2;
  if (name.startsWith('sft_')) return cfg.sft.tokens / TRAIN_TOKENS_PER_S;
  if (name === 'eval_cot') return evalSeconds(FILL.cot);
  if (name === 'resample_cot') return once(FILL.resample);
  if (name.startsWith('eval_')) return evalSeconds(FILL.metacot);
  // STaR and RL sample from, and evaluate, models that search.
  if (name.startsWith('star_')) {
    const sample = cfg.star.problems * cfg.star.samples * cfg.eval.maxNewTokens * FILL.metacot;
    // Meta-RL's models are evaluated with the tools only.
    return sample / SAMPLE_TOKENS_PER_S + once(FILL.metacot) + cfg.star.tokens / TRAIN_TOKENS_PER_S;
  }
  if (name.startsWith('rl_')) {
    const sample = cfg.rl.problems * cfg.rl.group * cfg.eval.maxNewTokens * FILL.metacot;
    // Sampling, scoring under the reference (skipped on an iteration's first step, so this errs long),
    // and the update; epochs after the first also score the samples under the old and the current
    // policy (PPO ratios).
    const scoring = cfg.rl.epochs > 1 ? cfg.rl.epochs * sample : 0;
    const step =
      (1.5 * sample) / SAMPLE_TOKENS_PER_S + (cfg.rl.epochs * sample + scoring) / TRAIN_TOKENS_PER_S;
    return cfg.rl.steps * step + once(FILL.metacot);
  }
  return 1;
}

/** Seconds left: the estimates of the stages still to run, scaled by actual/estimated so far. */
export function secondsLeft(
  cfg: RunConfig,
  remaining: readonly string[],
  finished: ReadonlyArray<{ name: string; seconds: number }>,
): number {
  const est = (n: string) => estimateStageSeconds(cfg, n);
  // Only stages long enough to measure the machine calibrate the rest (data generation is not).
  const measured = finished.filter((f) => est(f.name) >= 30);
  const spent = measured.reduce((a, f) => a + f.seconds, 0);
  const planned = measured.reduce((a, f) => a + est(f.name), 0);
  const scale = planned > 0 ? spent / planned : 1;
  return remaining.reduce((a, n) => a + est(n), 0) * scale;
}
