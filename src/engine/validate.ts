/** Boundary checks for model configs and batch shapes: one clear UserError each. */
import { UserError } from '../core/errors.js';
import type { TrainBatch } from './batching.js';
import type { ModelConfig } from './model-config.js';

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

export function validateConfig(cfg: ModelConfig): void {
  for (const k of ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFF', 'contextLength'] as const)
    if (!posInt(cfg[k])) throw new UserError(`model config: ${k} must be a positive integer, got ${cfg[k]}`);
  if (cfg.vocabSize < 2)
    throw new UserError(`model config: vocabSize must be at least 2, got ${cfg.vocabSize}`);
  if (cfg.dModel % cfg.nHeads !== 0)
    throw new UserError(`model config: nHeads (${cfg.nHeads}) must divide dModel (${cfg.dModel})`);
  const D = cfg.dModel / cfg.nHeads;
  if (D % 2 !== 0) throw new UserError(`model config: head dim dModel/nHeads = ${D} must be even for RoPE`);
  if (!(cfg.ropeTheta > 0))
    throw new UserError(`model config: ropeTheta must be positive, got ${cfg.ropeTheta}`);
  if (!(cfg.normEps > 0)) throw new UserError(`model config: normEps must be positive, got ${cfg.normEps}`);
}

/**
 * Rough peak bytes of one training step: the (B,H,T,T) attention tensors dominate at long contexts,
 * a few copies per layer are alive for the backward pass.
 */
export function estimateTrainBytes(cfg: ModelConfig, B: number, T: number): number {
  const attn = B * cfg.nHeads * T * T * 4 * 4 * cfg.nLayers;
  const acts = B * T * (cfg.dModel * 16 + cfg.dFF * 6) * 4 * cfg.nLayers + B * T * cfg.vocabSize * 4 * 4;
  return attn + acts;
}

export function validateBatchShape(cfg: ModelConfig, B: number, T: number, memLimitBytes: number): void {
  if (!posInt(B) || !posInt(T))
    throw new UserError(`batch size and sequence length must be positive integers`);
  if (T > cfg.contextLength)
    throw new UserError(`sequence length ${T} exceeds the model's context length ${cfg.contextLength}`);
  const need = estimateTrainBytes(cfg, B, T);
  if (need > memLimitBytes)
    throw new UserError(
      `batch ${B} x context ${T} needs about ${(need / 2 ** 30).toFixed(1)} GiB per step, more than the ` +
        `${(memLimitBytes / 2 ** 30).toFixed(1)} GiB allowed; lower the batch size or the context length`,
    );
}

/** Array lengths and token ids of a batch: an id outside the vocabulary would silently embed as zeros. */
export function validateBatch(cfg: ModelConfig, b: TrainBatch): void {
  const n = b.batch * b.seqLen;
  for (const [k, a] of Object.entries({ tokens: b.tokens, targets: b.targets, lossMask: b.lossMask }))
    if (a.length !== n) throw new UserError(`batch ${k} has ${a.length} entries, expected B·T = ${n}`);
  for (const a of [b.tokens, b.targets])
    for (let i = 0; i < n; i++)
      if (!(a[i] >= 0 && a[i] < cfg.vocabSize))
        throw new UserError(`token id ${a[i]} is outside the vocabulary of ${cfg.vocabSize}`);
}
