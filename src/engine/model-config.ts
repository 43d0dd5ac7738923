/**
 * The embedded engine's model: a LLaMA-style decoder-only transformer.
 *
 * This file is the contract between training, inference, checkpoints and GGUF export:
 * parameter names, shapes and the exact maths below must stay in sync everywhere.
 *
 * Dimension letters used project-wide: B batch, T time (sequence), C d_model, H heads,
 * D head dim (C / H), F MLP hidden width, V vocabulary, L layers.
 *
 * Maths (per layer l, x: (B,T,C)):
 *   h   = x + Wo · Attn(RoPE(Wq · rms(x; attn_norm)), RoPE(Wk · rms(x; attn_norm)), Wv · rms(x; attn_norm))
 *   out = h + Wdown · (silu(Wgate · rms(h; ffn_norm)) ⊙ (Wup · rms(h; ffn_norm)))
 * rms(x; w) = x / sqrt(mean(x²) + normEps) ⊙ w.
 * Attention is causal, per head, scores scaled by 1/sqrt(D), softmax over keys.
 * RoPE uses llama.cpp's NORM layout: adjacent pairs (2i, 2i+1) of each head are rotated by
 * angle pos · ropeTheta^(-2i/D). logits = Woutput · rms(x_L; output_norm), Woutput = token_embd when tied.
 *
 * Weights are row-major Float32Array; a linear map W has shape [out, in] and computes y = x Wᵀ,
 * which is also GGUF's layout (ne = [in, out]), so export writes the bytes unchanged.
 */
export interface ModelConfig {
  vocabSize: number; // V
  dModel: number; // C
  nLayers: number; // L
  nHeads: number; // H (D = C / H, must be even for RoPE)
  dFF: number; // F, SwiGLU hidden width
  contextLength: number; // max T
  tiedEmbeddings: boolean;
  ropeTheta: number; // 10000 by default
  normEps: number; // 1e-5 by default
}

export const DEFAULT_MODEL_CONFIG: Omit<ModelConfig, 'vocabSize'> = {
  dModel: 128,
  nLayers: 4,
  nHeads: 4,
  dFF: 384,
  contextLength: 256,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

/** Parameter names (GGUF's tensor names) and their shapes, in a fixed order. */
export function parameterShapes(cfg: ModelConfig): Array<{ name: string; shape: number[] }> {
  const { vocabSize: V, dModel: C, dFF: F } = cfg;
  const out: Array<{ name: string; shape: number[] }> = [{ name: 'token_embd.weight', shape: [V, C] }];
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `blk.${l}`;
    out.push(
      { name: `${p}.attn_norm.weight`, shape: [C] },
      { name: `${p}.attn_q.weight`, shape: [C, C] },
      { name: `${p}.attn_k.weight`, shape: [C, C] },
      { name: `${p}.attn_v.weight`, shape: [C, C] },
      { name: `${p}.attn_output.weight`, shape: [C, C] },
      { name: `${p}.ffn_norm.weight`, shape: [C] },
      { name: `${p}.ffn_gate.weight`, shape: [F, C] },
      { name: `${p}.ffn_up.weight`, shape: [F, C] },
      { name: `${p}.ffn_down.weight`, shape: [C, F] },
    );
  }
  out.push({ name: 'output_norm.weight', shape: [C] });
  if (!cfg.tiedEmbeddings) out.push({ name: 'output.weight', shape: [V, C] });
  return out;
}

/** Model weights by parameter name. */
export type Weights = Map<string, Float32Array>;
