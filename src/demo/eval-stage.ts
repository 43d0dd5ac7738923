import { join } from 'node:path';
import type { Tokenizer } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { RunConfig } from './config.js';
import type { RunData, TestProblem } from './data.js';
import { type EvalSummary, evaluateModel } from './evaluate.js';
import { resampleModel } from './resample.js';
import { evalTokenLimit } from './sft.js';
import { EVAL_SETS, type EvalSet, predictionFile, predictionFiles } from './stages.js';

/** What an evaluation stage records for one model: its summary on each set. */
export type StageEval = Partial<Record<EvalSet, EvalSummary>>;

/** Everything an evaluation needs from its run. */
export interface EvalContext {
  cfg: RunConfig;
  dir: string;
  model: ModelConfig;
  tokenizer: Tokenizer;
  data: RunData;
  progress: (done: number, total: number, unit: string) => void;
}

/** The suffix of a model key evaluated without the run's tools (decoding only, the same weights). */
export const NO_TOOLS = '_no_tools';

/** The run's sets with their problems, validation first; sets the run does not hold out are left out. */
export function evalSets(data: RunData): Array<[EvalSet, TestProblem[]]> {
  const of: Record<EvalSet, TestProblem[]> = {
    valid: data.valid,
    'valid-inputs': data.validInputs,
    targets: data.test,
    inputs: data.testInputs,
  };
  return EVAL_SETS.flatMap((set) => (of[set].length > 0 ? [[set, of[set]] as [EvalSet, TestProblem[]]] : []));
}

/**
 * The keys `evaluateVariants(key)` writes: with the run's tools, and for the SFT models (`alsoBare`),
 * without them too when the run has some.
 */
export function variantKeys(cfg: RunConfig, key: string, alsoBare: boolean): string[] {
  return alsoBare && cfg.tools.length > 0 ? [key, `${key}${NO_TOOLS}`] : [key];
}

/** Every predictions file the variants of `key` write (a stage's outputs). */
export function variantFiles(cfg: RunConfig, key: string, alsoBare: boolean): string[] {
  return variantKeys(cfg, key, alsoBare).flatMap(predictionFiles);
}

/**
 * Greedy decoding of one model on every set: with the run's tools as `key`, and with `alsoBare`
 * (the SFT models) without them as `key_no_tools` — the same weights, so the tools' share shows.
 * Meta-RL trains with the tools, so its models are evaluated with them only.
 */
export async function evaluateVariants(
  ctx: EvalContext,
  key: string,
  weights: Weights,
  alsoBare: boolean,
): Promise<Record<string, StageEval>> {
  const { cfg, model, tokenizer } = ctx;
  const sampler = await Sampler.create(model, weights, { threads: cfg.threads });
  const out: Record<string, StageEval> = {};
  try {
    for (const variant of variantKeys(cfg, key, alsoBare)) {
      const tools = variant === key ? cfg.tools : [];
      out[variant] = await onEverySet(ctx, variant, (problems, file) =>
        evaluateModel({
          sampler,
          tokenizer,
          problems,
          format: cfg.data.format,
          maxNewTokens: evalTokenLimit(cfg, model),
          batch: cfg.eval.batch,
          tools,
          out: file,
          onProgress: (d, t) => ctx.progress(d, t, 'problems'),
        }),
      );
    }
  } finally {
    await sampler.dispose();
  }
  return out;
}

/**
 * A one-path model resampled at the search's budget (`resampleModel`), with the run's tools: the
 * baseline that spends as many tokens as Meta-CoT may, without learning to search.
 */
export async function evaluateResampled(ctx: EvalContext, key: string, weights: Weights): Promise<StageEval> {
  const { cfg, model, tokenizer } = ctx;
  const sampler = await Sampler.create(model, weights, { threads: cfg.threads });
  try {
    return await onEverySet(ctx, key, (problems, file) =>
      resampleModel({
        sampler,
        tokenizer,
        problems,
        format: cfg.data.format,
        maxNewTokens: evalTokenLimit(cfg, model),
        budget: evalTokenLimit(cfg, model),
        temperature: cfg.eval.resampleTemperature,
        seed: cfg.seed,
        batch: cfg.eval.batch,
        tools: cfg.tools,
        out: file,
        onProgress: (d, t) => ctx.progress(d, t, 'problems'),
      }),
    );
  } finally {
    await sampler.dispose();
  }
}

async function onEverySet(
  ctx: EvalContext,
  key: string,
  run: (problems: TestProblem[], file: string) => Promise<EvalSummary>,
): Promise<StageEval> {
  const out: StageEval = {};
  for (const [set, problems] of evalSets(ctx.data)) {
    out[set] = await run(problems, join(ctx.dir, predictionFile(key, set)));
  }
  return out;
}
