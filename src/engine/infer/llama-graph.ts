/**
 * The ONNX inference graphs of the model in model-config.ts.
 *
 *  - prefill: tokens (B,S) → logits (N,V) of the N flat positions listed in `rows`, plus each
 *    layer's RoPE'd keys k.l and values v.l, both (B,H,S,D); a causal mask (1 or B, 1, S, S) is an input.
 *  - score: a prefill that takes `targets` (N) beside `rows` and outputs only logprobs (N), the
 *    log-softmax of each listed row at its target: teacher-forced scoring then copies N numbers out of
 *    onnxruntime, not N·V logits and every layer's keys and values.
 *  - step: one new token per sequence, attending to a KV cache passed in as inputs past_k.l and
 *    past_v.l (B,H,P,D), with an additive mask (B,H,1,P) that hides each sequence's unused slots.
 *    It outputs only the new k.l / v.l (B,H,1,D); the caller writes them into its cache. So each
 *    step reads the cache once and copies nothing of size O(cache).
 *  - sample: the step graph that also chooses each row's token (chooseOnGraph below).
 *
 * Why not onnxruntime's GroupQueryAttention with a shared past/present buffer: it does update the
 * cache in place, but onnxruntime-node copies every output (the whole present cache) into a fresh
 * JS buffer after each run, which made decode steps 2-3x slower.
 *
 * RoPE (NORM layout) is folded into the QKV weights: alongside q = x Wqᵀ the fused matmul also
 * computes q·R, where R maps each pair (a,b) to (-b,a), so rope(q) = q ⊙ cos + (q·R) ⊙ sin, and
 * likewise for k, in one pass over [q | k]. cos/sin come from tables gathered by the `positions`
 * input (B or 1, S), so every sequence has its own positions. R only moves and negates entries, so
 * the folded weights are exact; the attention scale 1/sqrt(D) is folded into Wq.
 */
import type { ModelConfig, Weights } from '../model-config.js';
import { DT_FLOAT, DT_INT64, GraphBuilder } from './onnx-proto.js';

/** Wᵀ of a row-major [out, in] matrix: (in, out), as ONNX MatMul wants it. */
function transposed(W: Float32Array, nOut: number, nIn: number): Float32Array {
  const t = new Float32Array(W.length);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) t[i * nOut + o] = W[o * nIn + i];
  return t;
}

/** Wᵀ·R: column pairs (2i, 2i+1) of Wᵀ (in, C) become (-col(2i+1), col(2i)). */
function rotatedPairs(Wt: Float32Array, nIn: number, C: number): Float32Array {
  const r = new Float32Array(Wt.length);
  for (let i = 0; i < nIn; i++) {
    for (let c = 0; c < C; c += 2) {
      r[i * C + c] = -Wt[i * C + c + 1];
      r[i * C + c + 1] = Wt[i * C + c];
    }
  }
  return r;
}

/** Concatenates (in, n_k) matrices along columns. */
function concatColumns(mats: Float32Array[], nIn: number, widths: number[]): Float32Array {
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(nIn * total);
  for (let i = 0; i < nIn; i++) {
    let off = 0;
    mats.forEach((m, k) => {
      out.set(m.subarray(i * widths[k], (i + 1) * widths[k]), i * total + off);
      off += widths[k];
    });
  }
  return out;
}

export type GraphKind = 'prefill' | 'score' | 'step' | 'sample';

export function buildLlamaGraph(cfg: ModelConfig, weights: Weights, kind: GraphKind): Uint8Array {
  const { vocabSize: V, dModel: C, nHeads: H, dFF: F, nLayers: L } = cfg;
  const D = C / H;
  const g = new GraphBuilder();
  const w = (name: string) => weights.get(name)!;
  const step = kind === 'step' || kind === 'sample';

  const S = step ? 1 : 'S';
  const tokens = g.input('tokens', DT_INT64, ['B', S]);
  const positions = g.input('positions', DT_INT64, ['Bp', S]);
  // cos/sin of every position for [q | k] (2C wide): each angle repeated for its pair, and tiled over heads.
  const T = cfg.contextLength;
  const cosTab = new Float32Array(T * 2 * C);
  const sinTab = new Float32Array(T * 2 * C);
  for (let pos = 0; pos < T; pos++) {
    for (let c = 0; c < 2 * C; c++) {
      const angle = pos * cfg.ropeTheta ** ((-2 * ((c % D) >> 1)) / D);
      cosTab[pos * 2 * C + c] = Math.cos(angle);
      sinTab[pos * 2 * C + c] = Math.sin(angle);
    }
  }
  const cos = g.op('Gather', [g.init('rope_cos', [T, 2 * C], cosTab), positions]); // (B|1,S,2C)
  const sin = g.op('Gather', [g.init('rope_sin', [T, 2 * C], sinTab), positions]);
  const mask = g.input('mask', DT_FLOAT, step ? ['B', H, 1, 'P'] : ['Bm', 1, 'S', 'S']);
  // P as a 1-D tensor, to split the softmax output into its cache part and its new part.
  const pLen = step ? g.op('Shape', ['past_k.0'], { start: 2, end: 3 }) : '';
  const zero = g.ints([0]);
  const big = g.ints([2 ** 53]);
  const axis3 = g.ints([3]);

  const eps = g.scalar(cfg.normEps);
  const two = g.scalar(2);
  const rms = (x: string, weight: string): string => {
    const ms = g.op('ReduceMean', [g.op('Pow', [x, two])], { axes: [-1], keepdims: 1 });
    return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [ms, eps])])]), weight]);
  };
  const shapeBSHD = g.ints([0, 0, H, D]);
  const shapeBSC = g.ints([0, 0, C]);
  // With S = 1, (B,1,H,D) ↔ (B,H,1,D) is a reshape, not a transpose: no copies in the step graph.
  const shapeBH1D = g.ints([0, H, 1, D]);
  const shapeB1C = g.ints([0, 1, C]);
  const splitQKV = g.ints([2 * C, 2 * C, C]);
  const splitQK = g.ints([C, C]);
  const splitFF = g.ints([F, F]);
  const qScale = 1 / Math.sqrt(D);

  let x = g.op('Gather', [g.init('token_embd.weight', [V, C], w('token_embd.weight')), tokens]); // (B,S,C)
  for (let l = 0; l < L; l++) {
    const p = `blk.${l}`;
    // The attention scale is folded into the query weights.
    const WqT = transposed(w(`${p}.attn_q.weight`), C, C).map((v) => v * qScale);
    const WkT = transposed(w(`${p}.attn_k.weight`), C, C);
    const WvT = transposed(w(`${p}.attn_v.weight`), C, C);
    const Wqkv = concatColumns([WqT, WkT, rotatedPairs(WqT, C, C), rotatedPairs(WkT, C, C), WvT], C, [
      C,
      C,
      C,
      C,
      C,
    ]);
    const xn = rms(x, g.init(`${p}.attn_norm.weight`, [C], w(`${p}.attn_norm.weight`)));
    const qkv = g.op('MatMul', [xn, g.init(`${p}.wqkv`, [C, 5 * C], Wqkv)]); // (B,S,5C)
    const [qk0, qkR, v0] = g.node('Split', [qkv, splitQKV], { axis: 2 }, 3);
    const qkRot = g.op('Add', [g.op('Mul', [qk0, cos]), g.op('Mul', [qkR, sin])]); // (B,S,2C)
    const [q, k] = g.node('Split', [qkRot, splitQK], { axis: 2 }, 2); // (B,S,C) each

    let att: string; // (B,H,S,D)
    // Scores q·kᵀ through onnxruntime's FusedMatMul with transB: keys stay (…,P,D) like values, so
    // new keys are written to the cache contiguously, with no transposes in either graph.
    const qkT = (a: string, b: string) =>
      g.op('com.microsoft:FusedMatMul', [a, b], { transB: 1, alpha: { f: 1 } });
    if (step) {
      const qH = g.op('Reshape', [q, shapeBH1D]);
      const kH = g.node('Reshape', [k, shapeBH1D], {}, [`k.${l}`])[0]; // (B,H,1,D)
      const vH = g.node('Reshape', [v0, shapeBH1D], {}, [`v.${l}`])[0]; // (B,H,1,D)
      const pastK = g.input(`past_k.${l}`, DT_FLOAT, ['B', H, 'P', D]);
      const pastV = g.input(`past_v.${l}`, DT_FLOAT, ['B', H, 'P', D]);
      const sPast = g.op('Add', [qkT(qH, pastK), mask]); // (B,H,1,P)
      // q·k_new and p_new·v_new elementwise: batched MatMuls with 1x1 outputs are slow in onnxruntime.
      const sNew = g.op('ReduceSum', [g.op('Mul', [qH, kH]), axis3], { keepdims: 1 }); // (B,H,1,1)
      const probs = g.op('Softmax', [g.op('Concat', [sPast, sNew], { axis: 3 })], { axis: 3 });
      const pPast = g.op('Slice', [probs, zero, pLen, axis3]);
      const pNew = g.op('Slice', [probs, pLen, big, axis3]);
      att = g.op('Add', [g.op('MatMul', [pPast, pastV]), g.op('Mul', [pNew, vH])]);
    } else {
      const qT = g.op('Transpose', [g.op('Reshape', [q, shapeBSHD])], { perm: [0, 2, 1, 3] }); // (B,H,S,D)
      const kT = g.node('Transpose', [g.op('Reshape', [k, shapeBSHD])], { perm: [0, 2, 1, 3] }, [
        `k.${l}`,
      ])[0];
      const vT = g.node('Transpose', [g.op('Reshape', [v0, shapeBSHD])], { perm: [0, 2, 1, 3] }, [
        `v.${l}`,
      ])[0];
      const probs = g.op('Softmax', [g.op('Add', [qkT(qT, kT), mask])], { axis: 3 });
      att = g.op('MatMul', [probs, vT]);
    }
    if (kind !== 'score') {
      g.output(`k.${l}`, DT_FLOAT, ['B', H, S, D]);
      g.output(`v.${l}`, DT_FLOAT, ['B', H, S, D]);
    }
    const attBSC = step
      ? g.op('Reshape', [att, shapeB1C])
      : g.op('Reshape', [g.op('Transpose', [att], { perm: [0, 2, 1, 3] }), shapeBSC]);
    const WoT = g.init(`${p}.wo`, [C, C], transposed(w(`${p}.attn_output.weight`), C, C));
    x = g.op('Add', [x, g.op('MatMul', [attBSC, WoT])]);

    const hn = rms(x, g.init(`${p}.ffn_norm.weight`, [C], w(`${p}.ffn_norm.weight`)));
    const Wgu = concatColumns(
      [transposed(w(`${p}.ffn_gate.weight`), F, C), transposed(w(`${p}.ffn_up.weight`), F, C)],
      C,
      [F, F],
    );
    const [gate, up] = g.node(
      'Split',
      [g.op('MatMul', [hn, g.init(`${p}.wgu`, [C, 2 * F], Wgu)]), splitFF],
      { axis: 2 },
      2,
    );
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]); // (B,S,F)
    const WdT = g.init(`${p}.wdown`, [F, C], transposed(w(`${p}.ffn_down.weight`), C, F));
    x = g.op('Add', [x, g.op('MatMul', [act, WdT])]);
  }
  if (!step) {
    // Only the rows (flat indices into B·S) whose next-token distribution is wanted reach the head:
    // a generation needs one per prompt, scoring one per continuation token.
    const rows = g.input('rows', DT_INT64, ['N']);
    x = g.op('Gather', [g.op('Reshape', [x, g.ints([-1, C])]), rows]); // (N,C)
  }
  const xf = rms(x, g.init('output_norm.weight', [C], w('output_norm.weight')));
  const outW = cfg.tiedEmbeddings ? w('token_embd.weight') : w('output.weight');
  const head = g.init('woutput', [C, V], transposed(outW, V, C));
  if (kind === 'score') {
    const targets = g.op('Unsqueeze', [g.input('targets', DT_INT64, ['N']), g.ints([1])]); // (N,1)
    const logSoftmax = g.op('LogSoftmax', [g.op('MatMul', [xf, head])], { axis: 1 });
    const picked = g.op('GatherElements', [logSoftmax, targets], { axis: 1 });
    g.node('Reshape', [picked, g.ints([-1])], {}, ['logprobs']);
    g.output('logprobs', DT_FLOAT, ['N']);
  } else {
    g.node('MatMul', [xf, head], {}, ['logits']);
    g.output('logits', DT_FLOAT, step ? ['B', 1, V] : ['N', V]);
    if (kind === 'sample') chooseOnGraph(g, V);
  }
  return g.finish(`metacot_llama_${kind}`);
}

/**
 * The step graph's own token choice, so plain sampling needs no pass over the logits in JS. Inputs per row:
 * `u` (B,1), the sequence's uniform draw in [0,1); `inv_temp` (B,1), 1/temperature; `forced` (B), a tool's
 * token or −1. Outputs `token` (B): the forced token, else the first token whose cumulative probability
 * mass exceeds u·Z, which is what choose.ts's chooseToken does in float64; and `logprob` (B), the token's
 * log-probability at temperature 1. (Greedy rows take the JS argmax: rows this graph does not choose for
 * get any u and ignore its outputs.)
 */
function chooseOnGraph(g: GraphBuilder, V: number): void {
  const logits = g.op('Reshape', ['logits', g.ints([-1, V])]); // (B,V)
  const u = g.input('u', DT_FLOAT, ['B', 1]);
  const invTemp = g.input('inv_temp', DT_FLOAT, ['B', 1]);
  const forced = g.input('forced', DT_INT64, ['B']);
  const one = g.ints([1]);
  const max = g.op('ReduceMax', [logits], { axes: [1], keepdims: 1 });
  const weights = g.op('Exp', [g.op('Mul', [g.op('Sub', [logits, max]), invTemp])]);
  const cumulative = g.op('CumSum', [weights, g.int64Scalar(1)]);
  const threshold = g.op('Mul', [u, g.op('ReduceSum', [weights, one], { keepdims: 1 })]);
  const below = g.op('Cast', [g.op('LessOrEqual', [cumulative, threshold])], { to: DT_FLOAT });
  const drawn = g.op('Min', [g.op('ReduceSum', [below, one], { keepdims: 1 }), g.scalar(V - 1)]);
  const forced1 = g.op('Unsqueeze', [forced, one]);
  const token = g.op('Where', [
    g.op('GreaterOrEqual', [forced1, g.int64Scalar(0)]),
    forced1,
    g.op('Cast', [drawn], { to: DT_INT64 }),
  ]); // (B,1)
  const logprob = g.op('GatherElements', [g.op('LogSoftmax', [logits], { axis: 1 }), token], { axis: 1 });
  g.node('Reshape', [token, g.ints([-1])], {}, ['token']);
  g.node('Reshape', [logprob, g.ints([-1])], {}, ['logprob']);
  g.output('token', DT_INT64, ['B']);
  g.output('logprob', DT_FLOAT, ['B']);
}
