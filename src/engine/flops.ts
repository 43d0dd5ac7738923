/**
 * Useful floating-point work of the model, for achieved GFLOP/s in the benchmarks: the matmuls (2 FLOPs per
 * multiply-add) and causal attention (q·kᵀ and p·v over the keys a query may see). Elementwise ops, norms
 * and softmax are left out, as is work spent on padding or on positions no one needed: a kernel that
 * wastes work shows up as a lower rate, not as more FLOPs.
 */
import type { ModelConfig } from './model-config.js';

/** Forward FLOPs of one token's projections and MLP over all layers, without the output head. */
function bodyFlops(cfg: ModelConfig): number {
  const { dModel: C, dFF: F, nLayers: L } = cfg;
  return 2 * L * (4 * C * C + 3 * C * F);
}

/** Forward FLOPs of q·kᵀ and p·v for a query that sees `keys` keys, over all layers and heads. */
function attentionFlops(cfg: ModelConfig, keys: number): number {
  return 4 * cfg.nLayers * cfg.dModel * keys;
}

/** Forward FLOPs of the output head for one row of logits. */
export function headFlops(cfg: ModelConfig): number {
  return 2 * cfg.dModel * cfg.vocabSize;
}

/**
 * Forward FLOPs of a causal pass over a sequence of `length` tokens whose logits are wanted at `logitRows`
 * positions (all of them by default): position t attends to t + 1 keys.
 */
export function sequenceFlops(cfg: ModelConfig, length: number, logitRows = length): number {
  return (
    length * bodyFlops(cfg) +
    (attentionFlops(cfg, 1) * length * (length + 1)) / 2 +
    logitRows * headFlops(cfg)
  );
}

/** Forward FLOPs of decoding one token at position `pos` (attending to pos + 1 keys), with its logits. */
export function decodeFlops(cfg: ModelConfig, pos: number): number {
  return bodyFlops(cfg) + attentionFlops(cfg, pos + 1) + headFlops(cfg);
}

/**
 * FLOPs of sampling `generated` tokens after a prompt of `promptLength`: a prefill of the prompt (one
 * logit row), then one decode step per further token.
 */
export function generationFlops(cfg: ModelConfig, promptLength: number, generated: number): number {
  let f = sequenceFlops(cfg, promptLength, 1);
  for (let k = 1; k < generated; k++) f += decodeFlops(cfg, promptLength + k - 1);
  return f;
}

/** A training step does a forward and a backward pass, the backward twice the forward's matmul work. */
export const TRAIN_FLOPS_PER_FORWARD = 3;
