import type { Example } from '../engine/batching.js';
import { hasCheckpoint, loadCheckpoint } from '../engine/checkpoint.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import { type TrainProgress, train } from '../engine/train.js';
import type { RunConfig } from './config.js';

export function modelConfig(cfg: RunConfig, vocabSize: number): ModelConfig {
  return { ...cfg.model, vocabSize, ropeTheta: 10000, normEps: 1e-5 };
}

export interface SftOptions {
  cfg: RunConfig;
  model: ModelConfig;
  examples: Example[];
  /** Training tokens (B·T per step): the budget both compared models share. */
  tokens: number;
  lr: number;
  warmupSteps: number;
  init?: Weights;
  /** Checkpoint folder: an interrupted run resumes from here. */
  dir: string;
  seed: number;
  onProgress?: (p: TrainProgress) => void;
}

export interface SftResult {
  steps: number;
  curve: Array<{ step: number; loss: number }>;
}

/** Supervised fine-tuning on a token budget, checkpointed every ~20 s of work so a kill loses little. */
export async function sft(o: SftOptions): Promise<SftResult> {
  const { batchSize, seqLen, weightDecay } = o.cfg.sft;
  const steps = Math.max(1, Math.ceil(o.tokens / (batchSize * seqLen)));
  const r = await train({
    cfg: o.model,
    data: o.examples,
    steps,
    batchSize,
    seqLen,
    lr: o.lr,
    warmup: Math.min(o.warmupSteps, Math.floor(steps / 4)),
    weightDecay,
    seed: o.seed,
    threads: o.cfg.threads,
    init: o.init,
    checkpointDir: o.dir,
    checkpointEvery: 25,
    onProgress: o.onProgress,
  });
  // Keep the curve readable in reports: at most ~200 points.
  const every = Math.max(1, Math.floor(r.losses.length / 200));
  const curve = r.losses.flatMap((loss, i) =>
    i % every === 0 || i === r.losses.length - 1 ? [{ step: i + 1, loss }] : [],
  );
  return { steps, curve };
}

/** New tokens per test problem: the config's limit, leaving the prompt room in the context. */
export function evalTokenLimit(cfg: RunConfig, model: ModelConfig): number {
  return Math.min(cfg.eval.maxNewTokens, model.contextLength - 40);
}

/** Weights of a finished model folder. */
export function loadWeights(dir: string, expect: ModelConfig): Weights {
  if (!hasCheckpoint(dir)) throw new Error(`no model in ${dir}`);
  return loadCheckpoint(dir, expect).weights;
}
