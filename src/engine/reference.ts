/**
 * Plain float64 forward passes of the model in model-config.ts, written with loops and independently of
 * the graph code: the references that the training graphs, the KV-cache sampler and llama.cpp (on an
 * exported GGUF) are all tested against. Slow on purpose: for tiny models only.
 *
 * Two entry points: referenceForward (training batches: segments, loss mask, mean NLL) and
 * referenceLogits / referenceScore (one token sequence, positions 0..T-1, used by inference tests).
 */
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { TrainBatch } from './batching.js';
import { type ModelConfig, parameterShapes, type Weights } from './model-config.js';
import { validateConfig } from './validate.js';

type W = Map<string, ArrayLike<number>>;

// y = x Wᵀ for x: (n,in), W: [out,in]
function linear(
  x: Float64Array,
  n: number,
  w: ArrayLike<number>,
  inDim: number,
  outDim: number,
): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outDim; o++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
      y[r * outDim + o] = s;
    }
  return y;
}

function rmsnorm(x: Float64Array, n: number, C: number, w: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < n; r++) {
    let ms = 0;
    for (let i = 0; i < C; i++) ms += x[r * C + i] ** 2;
    const inv = 1 / Math.sqrt(ms / C + eps);
    for (let i = 0; i < C; i++) y[r * C + i] = x[r * C + i] * inv * w[i];
  }
  return y;
}

/** Logits (B·T, V) and the mean masked NLL of the batch. */
export function referenceForward(
  cfg: ModelConfig,
  w: W,
  b: TrainBatch,
): { logits: Float64Array; loss: number } {
  const { vocabSize: V, dModel: C, nHeads: H, dFF: F } = cfg;
  const { batch: B, seqLen: T } = b;
  const D = C / H;
  const N = B * T;
  const seg = (i: number) => (b.segments ? b.segments[i] : 1);
  const pos = new Int32Array(N);
  for (let i = 0; i < N; i++)
    pos[i] = b.positions ? b.positions[i] : i % T > 0 && seg(i) === seg(i - 1) ? pos[i - 1] + 1 : 0;

  const embd = w.get('token_embd.weight')!;
  let x = new Float64Array(N * C);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) x[i * C + c] = embd[b.tokens[i] * C + c];

  // rotate adjacent pairs (2j, 2j+1) of each head by pos·θ^(-2j/D)
  const rope = (q: Float64Array) => {
    for (let i = 0; i < N; i++)
      for (let h = 0; h < H; h++)
        for (let j = 0; j < D / 2; j++) {
          const a = pos[i] * cfg.ropeTheta ** ((-2 * j) / D);
          const o = i * C + h * D + 2 * j;
          const [x0, x1] = [q[o], q[o + 1]];
          q[o] = x0 * Math.cos(a) - x1 * Math.sin(a);
          q[o + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
        }
  };

  for (let l = 0; l < cfg.nLayers; l++) {
    const p = (s: string) => w.get(`blk.${l}.${s}.weight`)!;
    const a = rmsnorm(x, N, C, p('attn_norm'), cfg.normEps);
    const q = linear(a, N, p('attn_q'), C, C);
    const k = linear(a, N, p('attn_k'), C, C);
    const v = linear(a, N, p('attn_v'), C, C);
    rope(q);
    rope(k);
    const o = new Float64Array(N * C);
    for (let r = 0; r < B; r++)
      for (let h = 0; h < H; h++)
        for (let t = 0; t < T; t++) {
          const qi = r * T + t;
          const scores: number[] = [];
          const keys: number[] = [];
          for (let s = 0; s <= t; s++) {
            const ki = r * T + s;
            if (seg(ki) !== seg(qi)) continue;
            let d = 0;
            for (let e = 0; e < D; e++) d += q[qi * C + h * D + e] * k[ki * C + h * D + e];
            scores.push(d / Math.sqrt(D));
            keys.push(ki);
          }
          const m = Math.max(...scores);
          const ex = scores.map((s) => Math.exp(s - m));
          const z = ex.reduce((u, e) => u + e, 0);
          keys.forEach((ki, n) => {
            for (let e = 0; e < D; e++) o[qi * C + h * D + e] += (ex[n] / z) * v[ki * C + h * D + e];
          });
        }
    const attnOut = linear(o, N, p('attn_output'), C, C);
    for (let i = 0; i < x.length; i++) x[i] += attnOut[i];
    const mIn = rmsnorm(x, N, C, p('ffn_norm'), cfg.normEps);
    const gate = linear(mIn, N, p('ffn_gate'), C, F);
    const up = linear(mIn, N, p('ffn_up'), C, F);
    const hidden = gate.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[i]);
    const down = linear(hidden, N, p('ffn_down'), F, C);
    x = x.map((xv, i) => xv + down[i]);
  }
  const head = cfg.tiedEmbeddings ? embd : w.get('output.weight')!;
  const logits = linear(rmsnorm(x, N, C, w.get('output_norm.weight')!, cfg.normEps), N, head, C, V);
  let nll = 0;
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (b.lossMask[i] === 0) continue;
    const row = logits.subarray(i * V, (i + 1) * V);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
    nll += b.lossMask[i] * (lse - row[b.targets[i]]);
    count += b.lossMask[i];
  }
  return { logits, loss: nll / Math.max(count, 1) };
}

/** Throws a UserError unless every parameter of `cfg` is present with the right element count. */
export function validateWeights(cfg: ModelConfig, weights: Weights): void {
  validateConfig(cfg);
  for (const { name, shape } of parameterShapes(cfg)) {
    const w = weights.get(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (w === undefined) throw new UserError(`weights: missing parameter '${name}'`);
    if (!(w instanceof Float32Array))
      throw new UserError(`weights: parameter '${name}' is not a Float32Array`);
    if (w.length !== n) {
      throw new UserError(
        `weights: parameter '${name}' has ${w.length} values, expected ${n} (shape [${shape}])`,
      );
    }
  }
}

/** Throws a UserError if any token id is not an integer in [0, V). */
export function validateTokens(cfg: ModelConfig, tokens: readonly number[], what = 'tokens'): void {
  for (const t of tokens) {
    if (!Number.isInteger(t) || t < 0 || t >= cfg.vocabSize) {
      throw new UserError(`${what}: token id ${t} is outside the vocabulary [0, ${cfg.vocabSize})`);
    }
  }
}

/**
 * Seeded random weights for tests and benchmarks: norms 1, every matrix N(0, std²). Larger `std`
 * than the trainer's init (init.ts) gives peaked distributions, which make logprob tests sharper.
 */
export function randomWeights(cfg: ModelConfig, seed: number, opts: { std?: number } = {}): Weights {
  validateConfig(cfg);
  const std = opts.std ?? 0.02;
  const rng = new Rng(seed);
  const out: Weights = new Map();
  for (const { name, shape } of parameterShapes(cfg)) {
    const w = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 1) w.fill(1);
    else for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    out.set(name, w);
  }
  return out;
}

/** y[o] = Σ_i W[o, i] x[i], W row-major [out, in]. */
function matVec(W: Float32Array, x: Float64Array, nOut: number): Float64Array {
  const nIn = x.length;
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = 0;
    for (let i = 0; i < nIn; i++) s += W[o * nIn + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsVec(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * w[i]);
}

/** NORM-layout RoPE in place on the head starting at `offset` of v, at position pos. */
function ropeHead(v: Float64Array, offset: number, D: number, pos: number, theta: number): void {
  for (let i = 0; i < D / 2; i++) {
    const angle = pos * theta ** ((-2 * i) / D);
    const [a, b] = [v[offset + 2 * i], v[offset + 2 * i + 1]];
    v[offset + 2 * i] = a * Math.cos(angle) - b * Math.sin(angle);
    v[offset + 2 * i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
  }
}

/**
 * Logits of every position of one sequence: a Float64Array of shape (T, V), row t predicting
 * token t+1. Positions are 0..T-1.
 */
export function referenceLogits(cfg: ModelConfig, weights: Weights, tokens: readonly number[]): Float64Array {
  validateWeights(cfg, weights);
  validateTokens(cfg, tokens);
  if (tokens.length === 0) throw new UserError('tokens: need at least one token');
  const { vocabSize: V, dModel: C, nHeads: H, dFF: F, normEps: eps } = cfg;
  const D = C / H;
  const T = tokens.length;
  const w = (name: string) => weights.get(name)!;

  const emb = w('token_embd.weight');
  let x = tokens.map((tok) => Float64Array.from(emb.subarray(tok * C, (tok + 1) * C))); // T × (C)
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `blk.${l}`;
    const xn = x.map((xt) => rmsVec(xt, w(`${p}.attn_norm.weight`), eps));
    const q = xn.map((v) => matVec(w(`${p}.attn_q.weight`), v, C));
    const k = xn.map((v) => matVec(w(`${p}.attn_k.weight`), v, C));
    const v = xn.map((u) => matVec(w(`${p}.attn_v.weight`), u, C));
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        ropeHead(q[t], h * D, D, t, cfg.ropeTheta);
        ropeHead(k[t], h * D, D, t, cfg.ropeTheta);
      }
    }
    x = x.map((xt, t) => {
      const att = new Float64Array(C);
      for (let h = 0; h < H; h++) {
        const o = h * D;
        const scores = new Float64Array(t + 1);
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += q[t][o + d] * k[j][o + d];
          scores[j] = s / Math.sqrt(D);
        }
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= t; j++) for (let d = 0; d < D; d++) att[o + d] += (e[j] / z) * v[j][o + d];
      }
      const proj = matVec(w(`${p}.attn_output.weight`), att, C);
      const h1 = xt.map((xc, c) => xc + proj[c]);
      const hn = rmsVec(h1, w(`${p}.ffn_norm.weight`), eps);
      const g = matVec(w(`${p}.ffn_gate.weight`), hn, F);
      const u = matVec(w(`${p}.ffn_up.weight`), hn, F);
      const act = g.map((gf, f) => (gf / (1 + Math.exp(-gf))) * u[f]);
      const down = matVec(w(`${p}.ffn_down.weight`), act, C);
      return h1.map((hc, c) => hc + down[c]);
    });
  }
  const outW = cfg.tiedEmbeddings ? emb : w('output.weight');
  const logits = new Float64Array(T * V);
  for (let t = 0; t < T; t++) logits.set(matVec(outW, rmsVec(x[t], w('output_norm.weight'), eps), V), t * V);
  return logits;
}

/** log-softmax of each row of a (rows, V) matrix, in float64. */
export function logSoftmaxRows(logits: ArrayLike<number>, V: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / V; r++) {
    let max = -Infinity;
    for (let i = 0; i < V; i++) max = Math.max(max, logits[r * V + i]);
    let z = 0;
    for (let i = 0; i < V; i++) z += Math.exp(logits[r * V + i] - max);
    const lz = max + Math.log(z);
    for (let i = 0; i < V; i++) out[r * V + i] = logits[r * V + i] - lz;
  }
  return out;
}

/** log p(continuation | prompt) per continuation token, by the reference forward pass. */
export function referenceScore(
  cfg: ModelConfig,
  weights: Weights,
  prompt: readonly number[],
  continuation: readonly number[],
): number[] {
  if (prompt.length === 0) throw new UserError('score: prompt must have at least one token');
  const V = cfg.vocabSize;
  const lp = logSoftmaxRows(referenceLogits(cfg, weights, [...prompt, ...continuation]), V);
  return continuation.map((tok, i) => lp[(prompt.length - 1 + i) * V + tok]);
}
