/**
 * The training loop's core: one AdamW step over one or more micro-batches (gradient accumulation).
 * Forward + backward run as one cached ONNX graph per (config, B, T); clipping and AdamW run in TS.
 *
 *   const t = await Trainer.create({ cfg, seed: 1, lr: 1e-3, warmup: 10, totalSteps: 200 });
 *   const { loss } = await t.step(batch);         // or t.step([micro1, micro2]) to accumulate
 *   await t.save('runs/ckpt'); const again = await Trainer.resume('runs/ckpt');
 */
import { freemem } from 'node:os';
import { UserError } from '../core/errors.js';
import { type AdamWOptions, type AdamWState, adamwState, adamwStep, clipGradients } from './adamw.js';
import { attentionBias, ropeTables, type TrainBatch } from './batching.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { initWeights } from './init.js';
import { buildEvalGraph, buildLogitsGraph, buildTrainGraph } from './model.js';
import { type ModelConfig, parameterShapes, type Weights } from './model-config.js';
import { CompiledGraph, cachedGraph, type Feed } from './onnx/session.js';
import { learningRate } from './schedule.js';
import { validateBatch, validateBatchShape, validateConfig } from './validate.js';

/** Optimisation hyperparameters; saved in checkpoints. */
export interface TrainerHyper extends AdamWOptions {
  lr: number; // peak learning rate
  warmup: number; // steps of linear warmup
  totalSteps: number; // end of the cosine decay
  minLrRatio?: number; // final lr / lr, default 0.1
  clip: number; // max global gradient norm; 0 disables clipping
}

export interface TrainerOptions extends Partial<TrainerHyper> {
  cfg: ModelConfig;
  /** init seed; ignored when weights are given */
  seed?: number;
  weights?: Weights;
  /** ONNX Runtime intra-op threads, default 2 */
  threads?: number;
}

export interface StepResult {
  loss: number; // mean masked NLL over the step's micro-batches (before the update)
  gradNorm: number; // before clipping
  lr: number;
  tokens: number; // positions processed (B·T per micro-batch)
}

const DEFAULT_HYPER: TrainerHyper = {
  lr: 1e-3,
  warmup: 0,
  totalSteps: 1000,
  clip: 1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
};

type Kind = 'train' | 'eval' | 'logits';
const BUILDERS = { train: buildTrainGraph, eval: buildEvalGraph, logits: buildLogitsGraph };

/** The compiled graph of `kind` for this config and batch shape, built once per process. */
export function graphFor(
  cfg: ModelConfig,
  kind: Kind,
  B: number,
  T: number,
  threads = 2,
): Promise<CompiledGraph> {
  const key = `${kind}|${B}|${T}|${threads}|${JSON.stringify(cfg)}`;
  return cachedGraph(key, () => {
    const { g, outputs } = BUILDERS[kind](cfg, B, T);
    return CompiledGraph.compile(g, outputs, threads);
  });
}

/** The inputs every model graph takes besides weights. */
export function modelFeeds(cfg: ModelConfig, b: TrainBatch, weights: Weights): Record<string, Feed> {
  const { cos, sin } = ropeTables(cfg, b);
  const feeds: Record<string, Feed> = {
    tokens: b.tokens,
    attn_bias: attentionBias(b),
    rope_cos: cos,
    rope_sin: sin,
    targets: b.targets,
    loss_mask: b.lossMask,
  };
  for (const [k, w] of weights) feeds[k] = w;
  return feeds;
}

function checkWeights(cfg: ModelConfig, weights: Weights): void {
  for (const { name, shape } of parameterShapes(cfg)) {
    const t = weights.get(name);
    const n = shape.reduce((a, d) => a * d, 1);
    if (t === undefined) throw new UserError(`weights: missing parameter '${name}'`);
    if (t.length !== n)
      throw new UserError(`weights: '${name}' has ${t.length} values, expected ${n} ([${shape}])`);
  }
}

function maskCount(b: TrainBatch): number {
  let n = 0;
  for (let i = 0; i < b.lossMask.length; i++) n += b.lossMask[i];
  return n;
}

export class Trainer {
  private constructor(
    readonly cfg: ModelConfig,
    readonly hyper: TrainerHyper,
    private readonly w: Weights,
    private readonly opt: AdamWState,
    readonly threads: number,
    /** the caller's `extra` state from the checkpoint this trainer was resumed from */
    readonly resumedExtra?: unknown,
  ) {}

  static async create(opts: TrainerOptions): Promise<Trainer> {
    validateConfig(opts.cfg);
    const { cfg, seed = 0, weights, threads = 2, ...rest } = opts;
    const hyper: TrainerHyper = { ...DEFAULT_HYPER };
    // only known keys: callers pass their wider option objects through
    for (const k of [...Object.keys(DEFAULT_HYPER), 'minLrRatio'] as Array<keyof TrainerHyper>) {
      const v = rest[k];
      if (v !== undefined) (hyper as unknown as Record<string, number>)[k] = v;
    }
    if (weights) checkWeights(cfg, weights);
    const w: Weights = weights
      ? new Map(parameterShapes(cfg).map(({ name }) => [name, Float32Array.from(weights.get(name)!)]))
      : initWeights(cfg, seed);
    return new Trainer(cfg, hyper, w, adamwState(w), threads);
  }

  /** Resumes from a checkpoint directory (see checkpoint.ts); `expect` guards against a config mismatch. */
  static async resume(
    dir: string,
    opts: { threads?: number; expect?: Partial<ModelConfig> } = {},
  ): Promise<Trainer> {
    const s = loadCheckpoint<TrainerHyper, unknown>(dir, opts.expect);
    return new Trainer(
      s.cfg,
      { ...DEFAULT_HYPER, ...s.hyper },
      s.weights,
      s.optimizer,
      opts.threads ?? 2,
      s.extra,
    );
  }

  /** Updates done so far. */
  get stepCount(): number {
    return this.opt.step;
  }

  weights(): Weights {
    return this.w;
  }

  async save(dir: string, extra: unknown = {}): Promise<void> {
    saveCheckpoint(dir, { cfg: this.cfg, hyper: this.hyper, weights: this.w, optimizer: this.opt, extra });
  }

  private graph(kind: Kind, b: TrainBatch): Promise<CompiledGraph> {
    validateBatchShape(this.cfg, b.batch, b.seqLen, Math.max(2 ** 30, freemem() * 0.8));
    validateBatch(this.cfg, b);
    return graphFor(this.cfg, kind, b.batch, b.seqLen, this.threads);
  }

  /**
   * One optimizer step; several batches are accumulated into one update. The loss is
   * lossScale · Σ lossMask·NLL over all of them; lossScale defaults to 1/Σ lossMask (the mean over
   * learned tokens).
   */
  async step(batches: TrainBatch | TrainBatch[], opts: { lossScale?: number } = {}): Promise<StepResult> {
    const micro = Array.isArray(batches) ? batches : [batches];
    const total = micro.reduce((s, b) => s + maskCount(b), 0);
    // Policy gradient passes signed per-token weights (advantages) in lossMask and its own
    // normaliser, since the weights' sum can be near zero.
    const scale = new Float32Array([opts.lossScale ?? 1 / Math.max(total, 1)]);
    let loss = 0;
    let tokens = 0;
    const grads: Weights = new Map();
    for (const b of micro) {
      const graph = await this.graph('train', b);
      const out = await graph.run({ ...modelFeeds(this.cfg, b, this.w), loss_scale: scale });
      loss += out.loss[0];
      tokens += b.batch * b.seqLen;
      for (const name of this.w.keys()) {
        const g = out[`grad.${name}`];
        const acc = grads.get(name);
        if (acc === undefined) grads.set(name, g);
        else for (let i = 0; i < g.length; i++) acc[i] += g[i];
      }
    }
    const h = this.hyper;
    const gradNorm = clipGradients(grads, h.clip);
    const lr = learningRate(this.opt.step, h);
    adamwStep(this.w, grads, this.opt, lr, h, (name) => name.endsWith('norm.weight'));
    return { loss, gradNorm, lr, tokens };
  }

  /** Mean masked NLL over the batches (token-weighted), without updating. */
  async evalLoss(batches: TrainBatch | TrainBatch[]): Promise<number> {
    const list = Array.isArray(batches) ? batches : [batches];
    let sum = 0;
    let count = 0;
    for (const b of list) {
      const graph = await this.graph('eval', b);
      const out = await graph.run({ ...modelFeeds(this.cfg, b, this.w), loss_scale: new Float32Array([1]) });
      sum += out.loss[0];
      count += maskCount(b);
    }
    return sum / Math.max(count, 1);
  }
}

/** Logits (B,T,V) for tokens (B·T), causal over each full row. */
export async function forwardLogits(
  cfg: ModelConfig,
  weights: Weights,
  tokens: Int32Array | readonly number[],
  B: number,
  T: number,
  threads = 2,
): Promise<Float32Array> {
  validateConfig(cfg);
  validateBatchShape(cfg, B, T, Number.POSITIVE_INFINITY);
  const ids = tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
  const b: TrainBatch = {
    batch: B,
    seqLen: T,
    tokens: ids,
    targets: new Int32Array(B * T),
    lossMask: new Float32Array(B * T),
  };
  validateBatch(cfg, b);
  const graph = await graphFor(cfg, 'logits', B, T, threads);
  return (await graph.run(modelFeeds(cfg, b, weights))).logits;
}
