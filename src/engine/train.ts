/**
 * The whole training loop: batches from examples, AdamW steps, periodic eval and checkpoints, resume.
 *
 *   const { weights, losses } = await train({
 *     cfg, data: [{ tokens: [1, 5, 9, 2], lossMask: [0, 0, 1, 1] }, ...],
 *     steps: 200, batchSize: 16, lr: 3e-3, warmup: 20, checkpointDir: 'runs/a', checkpointEvery: 50,
 *   });
 * Rerunning the same call after a crash resumes from the last checkpoint and reproduces the same curve.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { recordedTokenizer, tokenizerById, writeTokenizerFile } from '../llm/tokenizer-file.js';
import { Batcher, type DataPosition, type Example, evalBatches, type TrainBatch } from './batching.js';
import { hasCheckpoint } from './checkpoint.js';
import type { ModelConfig, Weights } from './model-config.js';
import { Trainer, type TrainerHyper } from './trainer.js';

export interface TrainOptions extends Partial<Omit<TrainerHyper, 'totalSteps'>> {
  cfg: ModelConfig;
  data: Iterable<Example>;
  /** optimizer steps; or give epochs */
  steps?: number;
  epochs?: number;
  batchSize: number;
  /** positions per row; default min(contextLength, longest example - 1) */
  seqLen?: number;
  /** pack several examples per row (default) or pad one per row */
  pack?: boolean;
  gradAccum?: number;
  seed?: number;
  threads?: number;
  /** start from these weights instead of a seeded init */
  init?: Weights;
  checkpointDir?: string;
  /**
   * The vocabulary the token ids come from (an id of TEXT_TOKENIZERS, e.g. text-ascii-v1, countdown-v1):
   * recorded in checkpointDir as metacot-tokenizer.json, so that the checkpoint can be served, searched
   * with and exported to GGUF as it is. A checkpointDir that records another one is refused.
   */
  tokenizer?: string;
  /** steps between checkpoints (and one at the end); default: only at the end */
  checkpointEvery?: number;
  /** resume from checkpointDir when it holds a checkpoint; default true */
  resume?: boolean;
  evalData?: Iterable<Example>;
  evalEvery?: number;
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainProgress {
  step: number; // 1-based, just finished
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerS: number;
  evalLoss?: number;
}

export interface TrainResult {
  weights: Weights;
  losses: number[]; // one per step, including steps done before a resume
  evalLosses: Array<{ step: number; loss: number }>;
  trainer: Trainer;
}

/** What train() keeps in a checkpoint besides the Trainer's own state. */
interface LoopState {
  steps: number;
  position: DataPosition;
  losses: number[];
  evalLosses: Array<{ step: number; loss: number }>;
}

/** An id outside the embedding would read past it: refused before any graph runs. */
function checkTokenIds(examples: readonly Example[], vocabSize: number, what: string): void {
  examples.forEach((e, i) => {
    for (const t of e.tokens)
      if (!(Number.isInteger(t) && t >= 0 && t < vocabSize))
        throw new UserError(
          `${what} example ${i + 1}: token id ${t} is outside the model's vocabulary of ${vocabSize}`,
        );
  });
}

/** Checks the tokenizer against the model and writes its record next to the checkpoints. */
function recordTokenizer(id: string, cfg: ModelConfig, dir: string | undefined): void {
  const tok = tokenizerById(id);
  if (tok.pieces.length > cfg.vocabSize)
    throw new UserError(
      `tokenizer '${id}' has ${tok.pieces.length} tokens but the model's vocabulary only ${cfg.vocabSize}`,
    );
  if (dir === undefined) return;
  const had = existsSync(dir) ? recordedTokenizer(dir) : undefined;
  if (had !== undefined && had !== id)
    throw new UserError(
      `${dir} holds a model of tokenizer '${had}', not '${id}' (train into another folder)`,
    );
  mkdirSync(dir, { recursive: true });
  writeTokenizerFile(dir, id);
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const data = [...opts.data];
  const { cfg, batchSize, gradAccum = 1, seed = 0, pack = true } = opts;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new UserError(`batchSize must be a positive integer`);
  if (!(Number.isInteger(gradAccum) && gradAccum > 0))
    throw new UserError(`gradAccum must be a positive integer`);
  const evalData = opts.evalData ? [...opts.evalData] : [];
  checkTokenIds(data, cfg.vocabSize, 'training');
  checkTokenIds(evalData, cfg.vocabSize, 'eval');
  if (opts.tokenizer !== undefined) recordTokenizer(opts.tokenizer, cfg, opts.checkpointDir);
  const longest = data.reduce((m, e) => Math.max(m, e.tokens.length - 1), 1);
  const seqLen = opts.seqLen ?? Math.min(cfg.contextLength, longest);
  const batcher = new Batcher(data, { batchSize, seqLen, pack, seed });
  let steps = opts.steps;
  if (steps === undefined) {
    if (opts.epochs === undefined) throw new UserError('give either steps or epochs');
    steps = Math.max(1, Math.ceil((opts.epochs * batcher.batchesPerEpoch()) / gradAccum));
  }
  const evalSet = evalData.length > 0 ? evalBatches(evalData, { batchSize, seqLen, pack }) : [];

  let trainer: Trainer;
  let loop: LoopState = { steps, position: { epoch: 0, index: 0 }, losses: [], evalLosses: [] };
  const dir = opts.checkpointDir;
  if (dir !== undefined && opts.resume !== false && hasCheckpoint(dir)) {
    trainer = await Trainer.resume(dir, { threads: opts.threads, expect: cfg });
    const extra = trainer.resumedExtra as LoopState | undefined;
    if (extra?.position === undefined)
      throw new UserError(`checkpoint ${dir} has no data position; was it written by train()?`);
    loop = { ...extra, steps };
    batcher.position = { ...extra.position };
  } else {
    trainer = await Trainer.create({
      ...opts,
      totalSteps: steps,
      seed,
      weights: opts.init,
      threads: opts.threads,
    });
  }

  const save = async () => {
    if (dir !== undefined) await trainer.save(dir, { ...loop, position: { ...batcher.position } });
  };
  const runEval = async (step: number) => {
    const loss = await trainer.evalLoss(evalSet);
    loop.evalLosses.push({ step, loss });
    return loss;
  };

  while (trainer.stepCount < steps) {
    const t0 = performance.now();
    const micro: TrainBatch[] = [];
    for (let i = 0; i < gradAccum; i++) micro.push(batcher.next());
    const r = await trainer.step(micro);
    const step = trainer.stepCount;
    loop.losses.push(r.loss);
    const seconds = (performance.now() - t0) / 1000;
    let evalLoss: number | undefined;
    const evalNow = evalSet.length > 0 && ((opts.evalEvery && step % opts.evalEvery === 0) || step === steps);
    if (evalNow) evalLoss = await runEval(step);
    if ((opts.checkpointEvery && step % opts.checkpointEvery === 0) || step === steps) await save();
    opts.onProgress?.({
      step,
      steps,
      loss: r.loss,
      lr: r.lr,
      gradNorm: r.gradNorm,
      tokensPerS: r.tokens / seconds,
      evalLoss,
    });
  }
  return { weights: trainer.weights(), losses: loop.losses, evalLosses: loop.evalLosses, trainer };
}
