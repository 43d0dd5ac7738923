/**
 * The LLaMA graph of model-config.ts built from graph primitives, plus the training, eval and logits
 * graphs derived from it. Inputs besides the weights:
 *   tokens (B,T) i32; attn_bias (B,1,T,T): 0 where a query may see a key, -1e9 elsewhere (causal,
 *   same packed segment); rope_cos / rope_sin (B,T,1,D): per-position tables (batching.ts), so packed
 *   segments restart their positions; targets (B·T) i32, loss_mask (B·T,1), loss_scale (1,1) for the loss.
 */
import { gradients } from './graph/autodiff.js';
import { Graph, type Node } from './graph/graph.js';
import { type ModelConfig, parameterShapes } from './model-config.js';

export interface LlamaGraph {
  g: Graph;
  params: Map<string, Node>;
  logits: Node; // (B·T, V)
}

/**
 * (D,D) permutation matrix swapping adjacent pairs: (x P)[2i] = x[2i+1], (x P)[2i+1] = x[2i]. With sin signed
 * (-s, +s) per pair, rope(x) = x·cos + (x P)·sin. A tiny matmul is much faster in ORT than a Gather on the last axis.
 */
export function pairSwapMatrix(D: number): Float32Array {
  const p = new Float32Array(D * D);
  for (let i = 0; i < D; i++) p[(i ^ 1) * D + i] = 1;
  return p;
}

/**
 * Query-block boundaries for causal attention: block i of queries only needs keys before its end, so
 * splitting the (B,H,T,T) scores into row blocks skips most of the masked upper triangle
 * (work (nb+1)/(2nb) of full) at the price of a few slices and pads of (B,H,T,D) tensors.
 */
export function defaultAttnBlocks(T: number): number {
  return T < 96 ? 1 : Math.min(8, Math.round(T / 64));
}

export interface GraphOptions {
  /** query blocks for causal attention; default defaultAttnBlocks(T) */
  attnBlocks?: number;
}

export function buildLlama(cfg: ModelConfig, B: number, T: number, opts: GraphOptions = {}): LlamaGraph {
  const { attnBlocks = defaultAttnBlocks(T) } = opts;
  const { dModel: C, nHeads: H, nLayers: L } = cfg;
  const D = C / H;
  const N = B * T;
  const g = new Graph();
  const params = new Map<string, Node>();
  for (const { name, shape } of parameterShapes(cfg)) params.set(name, g.input(name, shape));
  const P = (name: string) => params.get(name)!;
  const tokens = g.input('tokens', [B, T], 'i32');
  const attnBias = g.input('attn_bias', [B, 1, T, T]);
  const cos = g.input('rope_cos', [B, T, 1, D]);
  const sin = g.input('rope_sin', [B, T, 1, D]);

  // y = x Wᵀ, W: [out, in]
  const linear = (x: Node, w: Node) => g.matmul(x, g.transpose(w, [1, 0]));
  // (measured: one matmul on concatenated q/k/v or gate/up weights is slower here, the slices cost more)
  const projections = (x: Node, ws: Node[]) => ws.map((w) => linear(x, w));
  // x: (N,C)
  const rms = (x: Node, w: Node) => g.rmsnorm(x, w, cfg.normEps);
  const swap = g.constant(pairSwapMatrix(D), [D, D]);
  // x: (B,T,H,D)
  const rope = (x: Node) => g.add(g.mul(x, cos), g.mul(g.matmul(x, swap), sin));

  const nb = Math.max(1, Math.min(attnBlocks, T));
  const bounds = Array.from({ length: nb }, (_, i) => [
    Math.round((i * T) / nb),
    Math.round(((i + 1) * T) / nb),
  ]);
  // sliced once, shared by all layers
  const biasBlocks = bounds.map(([r0, r1]) => {
    const rows = nb === 1 ? attnBias : g.slice(attnBias, 2, r0, r1);
    return r1 === T ? rows : g.slice(rows, 3, 0, r1);
  });
  // q: (B,H,T,D), k: (B,H,D,T), v: (B,H,T,D) -> (B,H,T,D)
  const attention = (q: Node, k: Node, v: Node) =>
    g.concat(
      bounds.map(([r0, r1], i) => {
        const qi = nb === 1 ? q : g.slice(q, 2, r0, r1);
        const ki = r1 === T ? k : g.slice(k, 3, 0, r1);
        const vi = r1 === T ? v : g.slice(v, 2, 0, r1);
        return g.softmaxMatmul(g.add(g.matmul(qi, ki), biasBlocks[i]), vi); // scores: (B,H,r1-r0,r1)
      }),
      2,
    );

  const embd = P('token_embd.weight');
  let x = g.gatherRows(embd, g.reshape(tokens, [N])); // (N,C)
  for (let l = 0; l < L; l++) {
    const p = (s: string) => P(`blk.${l}.${s}.weight`);
    const a = rms(x, p('attn_norm'));
    const [q0, k0, v0] = projections(a, [p('attn_q'), p('attn_k'), p('attn_v')]);
    // the 1/sqrt(D) score scale is applied to q, (B,T,C), rather than to the (B,H,T,T) scores
    const qs = g.scale(q0, 1 / Math.sqrt(D));
    const q = g.transpose(rope(g.reshape(qs, [B, T, H, D])), [0, 2, 1, 3]); // (B,H,T,D)
    const k = g.transpose(rope(g.reshape(k0, [B, T, H, D])), [0, 2, 3, 1]); // (B,H,D,T)
    const v = g.transpose(g.reshape(v0, [B, T, H, D]), [0, 2, 1, 3]); // (B,H,T,D)
    const o = g.reshape(g.transpose(attention(q, k, v), [0, 2, 1, 3]), [N, C]);
    x = g.add(x, linear(o, p('attn_output')));
    const m = rms(x, p('ffn_norm'));
    const [gate, up] = projections(m, [p('ffn_gate'), p('ffn_up')]);
    x = g.add(x, linear(g.mul(g.silu(gate), up), p('ffn_down')));
  }
  const head = cfg.tiedEmbeddings ? embd : P('output.weight');
  const logits = linear(rms(x, P('output_norm.weight')), head); // (N,V)
  return { g, params, logits };
}

/** Σ over masked positions of -log p(target), times loss_scale: (1,1). */
function maskedNll(g: Graph, logits: Node, N: number): Node {
  const targets = g.input('targets', [N], 'i32');
  const mask = g.input('loss_mask', [N, 1]);
  const scale = g.input('loss_scale', [1, 1]);
  return g.mul(g.reduceSum(g.mul(g.nll(logits, targets), mask), [0, 1]), scale);
}

/** Outputs: loss and `grad.<param name>` for every parameter. */
export function buildTrainGraph(
  cfg: ModelConfig,
  B: number,
  T: number,
  opts: GraphOptions = {},
): { g: Graph; outputs: Record<string, Node> } {
  const { g, params, logits } = buildLlama(cfg, B, T, opts);
  const loss = maskedNll(g, logits, B * T);
  const names = [...params.keys()];
  const grads = gradients(g, loss, [...params.values()]);
  const outputs: Record<string, Node> = { loss };
  names.forEach((name, i) => {
    // every parameter reaches the loss, so a null gradient is a bug in model construction
    if (grads[i] === null) throw new Error(`no gradient for ${name}`);
    outputs[`grad.${name}`] = grads[i]!;
  });
  return { g, outputs };
}

export function buildEvalGraph(
  cfg: ModelConfig,
  B: number,
  T: number,
  opts: GraphOptions = {},
): { g: Graph; outputs: Record<string, Node> } {
  const { g, logits } = buildLlama(cfg, B, T, opts);
  return { g, outputs: { loss: maskedNll(g, logits, B * T) } };
}

export function buildLogitsGraph(
  cfg: ModelConfig,
  B: number,
  T: number,
  opts: GraphOptions = {},
): { g: Graph; outputs: Record<string, Node> } {
  const { g, logits } = buildLlama(cfg, B, T, opts);
  return { g, outputs: { logits: g.reshape(logits, [B, T, cfg.vocabSize]) } };
}
