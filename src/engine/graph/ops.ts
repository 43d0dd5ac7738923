/**
 * The primitive ops: one table (OPS), each op's shape rule, float64 forward and gradient rule side by side.
 * A few fused ops (silu, rmsnorm, softmaxMatmul, gatherRows, nll) exist only because ONNX Runtime runs them
 * in fewer full-size passes than their compositions; their backward rules are still written with the
 * primitives. RoPE, attention masking and the loss are composed in model.ts. Every op's gradient is
 * checked against finite differences, and its ONNX lowering against the float64 forward (ops.test.ts).
 * (matmul, gatherRows, scatterAddRows and nll are declared as typed consts above the table: ops whose
 * gradient builds other table ops would otherwise make the table's inferred type circular.)
 */
import type { Attrs, DType, Graph, Node } from './graph.js';
import { broadcastIndex, broadcastShape, type Shape, sameShape, size, strides } from './shape.js';

export interface Tensor64 {
  data: Float64Array;
  shape: Shape;
}

interface OpDef {
  infer(inputs: readonly Node[], attrs: Attrs): { shape: number[]; dtype: DType };
  /** float64 reference forward; the interpreter passes the inferred output shape. */
  eval(inputs: Tensor64[], attrs: Attrs, out: Shape): Float64Array;
  /** Gradients w.r.t. each input given gy = dL/dy; null where the input is not differentiable. */
  grad(g: Graph, y: Node, gy: Node): Array<Node | null>;
}

const f32 = (shape: Shape) => ({ shape: [...shape], dtype: 'f32' as const });
const last = (shape: Shape) => shape.length - 1;

/** Sums gy over the axes that were broadcast to reach it, so it has `shape` again. */
export function unbroadcast(g: Graph, gy: Node, shape: Shape): Node {
  if (sameShape(gy.shape, shape)) return gy;
  const off = gy.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < gy.shape.length; i++) {
    const d = i < off ? 1 : shape[i - off];
    if (d === 1 && gy.shape[i] !== 1) axes.push(i);
  }
  const summed = axes.length > 0 ? g.reduceSum(gy, axes) : gy;
  return sameShape(summed.shape, shape) ? summed : g.reshape(summed, [...shape]);
}

function binary(fn: (a: number, b: number) => number): OpDef['eval'] {
  return ([a, b], _attrs, out) => {
    const ia = broadcastIndex(out, a.shape);
    const ib = broadcastIndex(out, b.shape);
    const y = new Float64Array(size(out));
    for (let k = 0; k < y.length; k++) y[k] = fn(a.data[ia[k]], b.data[ib[k]]);
    return y;
  };
}

function unary(fn: (a: number) => number): OpDef['eval'] {
  return ([a]) => a.data.map(fn);
}

const binaryInfer: OpDef['infer'] = ([a, b]) => f32(broadcastShape(a.shape, b.shape));
const unaryInfer: OpDef['infer'] = ([a]) => f32(a.shape);
const none: OpDef['grad'] = (_g, y) => y.inputs.map(() => null);

function softmaxRows(x: Float64Array, n: number, log: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += n) {
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[r + i] - m);
    for (let i = 0; i < n; i++) y[r + i] = log ? x[r + i] - m - Math.log(s) : Math.exp(x[r + i] - m) / s;
  }
  return y;
}

/** Copies blocks along `axis`: for each outer index, `len` rows of `inner` floats from src offset to dst offset. */
function copyAxis(
  src: Float64Array,
  srcDim: number,
  srcStart: number,
  dst: Float64Array,
  dstDim: number,
  dstStart: number,
  len: number,
  shape: Shape,
  axis: number,
): void {
  const outer = size(shape.slice(0, axis));
  const inner = size(shape.slice(axis + 1));
  for (let o = 0; o < outer; o++)
    for (let r = 0; r < len; r++) {
      const s0 = (o * srcDim + srcStart + r) * inner;
      const d0 = (o * dstDim + dstStart + r) * inner;
      for (let i = 0; i < inner; i++) dst[d0 + i] = src[s0 + i];
    }
}

const matmul: OpDef = {
  // a: (...,M,K), b: (...,K,N) -> (...,M,N), batch dims broadcast
  infer: ([a, b]) => {
    const [M, K] = a.shape.slice(-2);
    const [K2, N] = b.shape.slice(-2);
    if (a.shape.length < 2 || b.shape.length < 2 || K !== K2)
      throw new Error(`matmul shape mismatch [${a.shape}] x [${b.shape}]`);
    return f32([...broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N]);
  },
  eval: ([a, b], _attrs, out) => {
    const [M, K] = a.shape.slice(-2);
    const N = b.shape[b.shape.length - 1];
    const batch = out.slice(0, -2);
    const ia = broadcastIndex(batch, a.shape.slice(0, -2));
    const ib = broadcastIndex(batch, b.shape.slice(0, -2));
    const y = new Float64Array(size(out));
    for (let n = 0; n < ia.length; n++) {
      const ao = ia[n] * M * K;
      const bo = ib[n] * K * N;
      const yo = n * M * N;
      for (let i = 0; i < M; i++)
        for (let k = 0; k < K; k++) {
          const av = a.data[ao + i * K + k];
          for (let j = 0; j < N; j++) y[yo + i * N + j] += av * b.data[bo + k * N + j];
        }
    }
    return y;
  },
  grad: (g, y, gy) => {
    const [a, b] = y.inputs;
    return [
      unbroadcast(g, g.matmul(gy, g.swapLast(b)), a.shape),
      unbroadcast(g, g.matmul(g.swapLast(a), gy), b.shape),
    ];
  },
};

const gatherRows: OpDef = {
  infer: ([t, ids]) => {
    if (ids.dtype !== 'i32' || t.shape.length !== 2)
      throw new Error('gatherRows needs a (V,C) table and i32 ids');
    return f32([...ids.shape, t.shape[1]]);
  },
  eval: ([t, ids]) => {
    const C = t.shape[1];
    const y = new Float64Array(ids.data.length * C);
    for (let n = 0; n < ids.data.length; n++)
      y.set(t.data.subarray(ids.data[n] * C, (ids.data[n] + 1) * C), n * C);
    return y;
  },
  grad: (g, y, gy) => [g.scatterAddRows(gy, y.inputs[1], y.inputs[0].shape[0]), null],
};

const scatterAddRows: OpDef = {
  infer: ([src, ids], { depth }) => {
    if (ids.dtype !== 'i32' || src.shape.length !== ids.shape.length + 1)
      throw new Error('scatterAddRows shapes');
    return f32([depth!, src.shape[src.shape.length - 1]]);
  },
  eval: ([src, ids], _attrs, out) => {
    const C = out[1];
    const y = new Float64Array(size(out));
    ids.data.forEach((id, n) => {
      for (let c = 0; c < C; c++) y[id * C + c] += src.data[n * C + c];
    });
    return y;
  },
  grad: (g, y, gy) => [g.gatherRows(gy, y.inputs[1]), null],
};

const nll: OpDef = {
  infer: ([logits, targets]) => {
    if (targets.dtype !== 'i32' || logits.shape.length !== 2 || targets.shape[0] !== logits.shape[0])
      throw new Error('nll needs (N,V) logits and (N) i32 targets');
    return f32([logits.shape[0], 1]);
  },
  eval: ([logits, targets]) => {
    const V = logits.shape[1];
    const ls = softmaxRows(logits.data, V, true);
    return Float64Array.from(targets.data, (t, n) => -ls[n * V + t]);
  },
  // the cross-entropy gradient, (softmax - onehot)·gy, without autodiff's passes through logSoftmax
  grad: (g, y, gy) => {
    const [logits, targets] = y.inputs;
    const p = g.softmax(logits);
    return [g.mul(g.sub(p, g.oneHot(targets, logits.shape[1])), gy), null];
  },
};

export const OPS = {
  input: {
    infer: (_i, attrs) => ({ shape: [...(attrs.shape ?? [])], dtype: attrs.dtype ?? 'f32' }),
    eval: () => {
      throw new Error('inputs are fed, not evaluated');
    },
    grad: none,
  },
  const: {
    infer: (_i, attrs) => ({
      shape: [...(attrs.shape ?? [])],
      dtype: attrs.value instanceof Int32Array ? 'i32' : 'f32',
    }),
    eval: (_i, attrs, out) => {
      const v = attrs.value!;
      // a one-element value fills any shape
      return v.length === 1 ? new Float64Array(size(out)).fill(v[0]) : Float64Array.from(v);
    },
    grad: none,
  },
  add: {
    infer: binaryInfer,
    eval: binary((a, b) => a + b),
    grad: (g, y, gy) => [unbroadcast(g, gy, y.inputs[0].shape), unbroadcast(g, gy, y.inputs[1].shape)],
  },
  sub: {
    infer: binaryInfer,
    eval: binary((a, b) => a - b),
    grad: (g, y, gy) => [
      unbroadcast(g, gy, y.inputs[0].shape),
      unbroadcast(g, g.scale(gy, -1), y.inputs[1].shape),
    ],
  },
  mul: {
    infer: binaryInfer,
    eval: binary((a, b) => a * b),
    grad: (g, y, gy) => {
      const [a, b] = y.inputs;
      return [unbroadcast(g, g.mul(gy, b), a.shape), unbroadcast(g, g.mul(gy, a), b.shape)];
    },
  },
  div: {
    infer: binaryInfer,
    eval: binary((a, b) => a / b),
    grad: (g, y, gy) => {
      const [a, b] = y.inputs;
      // d(a/b)/db = -y/b
      return [
        unbroadcast(g, g.div(gy, b), a.shape),
        unbroadcast(g, g.scale(g.div(g.mul(gy, y), b), -1), b.shape),
      ];
    },
  },
  exp: { infer: unaryInfer, eval: unary(Math.exp), grad: (g, y, gy) => [g.mul(gy, y)] },
  log: { infer: unaryInfer, eval: unary(Math.log), grad: (g, y, gy) => [g.div(gy, y.inputs[0])] },
  sigmoid: {
    infer: unaryInfer,
    eval: unary((a) => 1 / (1 + Math.exp(-a))),
    // σ' = σ(1-σ)
    grad: (g, y, gy) => [g.mul(gy, g.sub(y, g.mul(y, y)))],
  },
  pow: {
    infer: unaryInfer,
    eval: ([a], attrs) => a.data.map((v) => v ** attrs.p!),
    grad: (g, y, gy) => [g.mul(gy, g.scale(g.pow(y.inputs[0], y.attrs.p! - 1), y.attrs.p!))],
  },
  matmul,
  transpose: {
    infer: ([a], attrs) => f32(attrs.perm!.map((p) => a.shape[p])),
    eval: ([a], attrs, out) => {
      const perm = attrs.perm!;
      const inStrides = strides(a.shape);
      const y = new Float64Array(a.data.length);
      const coord = new Array<number>(out.length).fill(0);
      for (let k = 0; k < y.length; k++) {
        let j = 0;
        for (let d = 0; d < out.length; d++) j += coord[d] * inStrides[perm[d]];
        y[k] = a.data[j];
        for (let d = out.length - 1; d >= 0; d--) {
          if (++coord[d] < out[d]) break;
          coord[d] = 0;
        }
      }
      return y;
    },
    grad: (g, y, gy) => {
      const perm = y.attrs.perm!;
      const inv = perm.map((_, i) => perm.indexOf(i));
      return [g.transpose(gy, inv)];
    },
  },
  reshape: {
    infer: ([a], attrs) => {
      if (size(attrs.shape!) !== size(a.shape))
        throw new Error(`cannot reshape [${a.shape}] to [${attrs.shape}]`);
      return { shape: [...attrs.shape!], dtype: a.dtype };
    },
    eval: ([a]) => Float64Array.from(a.data),
    grad: (g, y, gy) => [g.reshape(gy, [...y.inputs[0].shape])],
  },
  expand: {
    infer: ([a], attrs) => f32(broadcastShape(a.shape, attrs.shape!)),
    eval: ([a], _attrs, out) => {
      const ia = broadcastIndex(out, a.shape);
      return Float64Array.from(ia, (i) => a.data[i]);
    },
    grad: (g, y, gy) => [unbroadcast(g, gy, y.inputs[0].shape)],
  },
  reduceSum: {
    // keepdims: summed axes stay as size 1, so expand() is the exact inverse in the gradient
    infer: ([a], attrs) => f32(a.shape.map((d, i) => (attrs.axes!.includes(i) ? 1 : d))),
    eval: ([a], _attrs, out) => {
      const y = new Float64Array(size(out));
      const iy = broadcastIndex(a.shape, out);
      for (let k = 0; k < a.data.length; k++) y[iy[k]] += a.data[k];
      return y;
    },
    grad: (g, y, gy) => [g.expand(gy, [...y.inputs[0].shape])],
  },
  softmax: {
    infer: unaryInfer,
    eval: ([a]) => softmaxRows(a.data, a.shape[last(a.shape)], false),
    // dx = y ⊙ (gy - Σ gy⊙y)
    grad: (g, y, gy) => [g.mul(y, g.sub(gy, g.reduceSum(g.mul(gy, y), [last(y.shape)])))],
  },
  logSoftmax: {
    infer: unaryInfer,
    eval: ([a]) => softmaxRows(a.data, a.shape[last(a.shape)], true),
    // dx = gy - softmax(x) Σ gy
    grad: (g, y, gy) => [g.sub(gy, g.mul(g.exp(y), g.reduceSum(gy, [last(y.shape)])))],
  },
  permuteLast: {
    // y[..., i] = x[..., index[i]]; index must be a permutation, so the gradient is the inverse permutation
    infer: ([a], attrs) => {
      const n = a.shape[last(a.shape)];
      const idx = attrs.index!;
      if (idx.length !== n || new Set(idx).size !== n || idx.some((i) => i < 0 || i >= n))
        throw new Error('permuteLast needs a permutation of the last axis');
      return f32(a.shape);
    },
    eval: ([a], attrs) => {
      const idx = attrs.index!;
      const n = idx.length;
      const y = new Float64Array(a.data.length);
      for (let r = 0; r < y.length; r += n) for (let i = 0; i < n; i++) y[r + i] = a.data[r + idx[i]];
      return y;
    },
    grad: (g, y, gy) => {
      const idx = y.attrs.index!;
      const inv = idx.map((_, i) => idx.indexOf(i));
      return [g.permuteLast(gy, inv)];
    },
  },
  slice: {
    infer: ([a], { axis, start, end }) => {
      if (!(start! >= 0 && end! <= a.shape[axis!] && start! < end!))
        throw new Error(`bad slice of [${a.shape}]`);
      return f32(a.shape.map((d, i) => (i === axis ? end! - start! : d)));
    },
    eval: ([a], { axis, start }, out) => {
      const y = new Float64Array(size(out));
      copyAxis(a.data, a.shape[axis!], start!, y, out[axis!], 0, out[axis!], a.shape, axis!);
      return y;
    },
    grad: (g, y, gy) => {
      const { axis, start, end } = y.attrs;
      return [g.pad(gy, axis!, start!, y.inputs[0].shape[axis!] - end!)];
    },
  },
  pad: {
    // zeros before and after along one axis
    infer: ([a], { axis, before, after }) =>
      f32(a.shape.map((d, i) => (i === axis ? d + before! + after! : d))),
    eval: ([a], { axis, before }, out) => {
      const y = new Float64Array(size(out));
      copyAxis(a.data, a.shape[axis!], 0, y, out[axis!], before!, a.shape[axis!], a.shape, axis!);
      return y;
    },
    grad: (g, y, gy) => {
      const { axis, before } = y.attrs;
      return [g.slice(gy, axis!, before!, before! + y.inputs[0].shape[axis!])];
    },
  },
  concat: {
    infer: (xs, { axis }) => {
      const total = xs.reduce((s, x) => s + x.shape[axis!], 0);
      return f32(xs[0].shape.map((d, i) => (i === axis ? total : d)));
    },
    eval: (xs, { axis }, out) => {
      const y = new Float64Array(size(out));
      let off = 0;
      for (const x of xs) {
        copyAxis(x.data, x.shape[axis!], 0, y, out[axis!], off, x.shape[axis!], x.shape, axis!);
        off += x.shape[axis!];
      }
      return y;
    },
    grad: (g, y, gy) => {
      const axis = y.attrs.axis!;
      let off = 0;
      return y.inputs.map((x) => {
        off += x.shape[axis];
        return g.slice(gy, axis, off - x.shape[axis], off);
      });
    },
  },
  // fused ops: each is one ORT kernel (or fewer passes) forward, with a backward that needs fewer
  // full-size passes than autodiff through its composition would.
  silu: {
    infer: unaryInfer,
    eval: unary((a) => a / (1 + Math.exp(-a))),
    // d/dx x·σ(x) = σ + y(1-σ), y = x·σ
    grad: (g, y, gy) => {
      const s = g.sigmoid(y.inputs[0]);
      return [g.mul(gy, g.add(s, g.sub(y, g.mul(y, s))))];
    },
  },
  rmsnorm: {
    // x: (N,C), w: (C) -> x / sqrt(mean(x²) + eps) ⊙ w
    infer: ([x, w]) => {
      if (w.shape.length !== 1 || w.shape[0] !== x.shape[x.shape.length - 1])
        throw new Error('rmsnorm weight shape');
      return f32(x.shape);
    },
    eval: ([x, w], { eps }) => {
      const C = w.shape[0];
      const y = new Float64Array(x.data.length);
      for (let r = 0; r < y.length; r += C) {
        let ms = 0;
        for (let i = 0; i < C; i++) ms += x.data[r + i] ** 2;
        const inv = 1 / Math.sqrt(ms / C + eps!);
        for (let i = 0; i < C; i++) y[r + i] = x.data[r + i] * inv * w.data[i];
      }
      return y;
    },
    // x̂ = x·r; dw = Σ_rows gy⊙x̂; dx = r·(gŷ - x̂·mean(gŷ⊙x̂)), gŷ = gy⊙w
    grad: (g, y, gy) => {
      const [x, w] = y.inputs;
      const ax = x.shape.length - 1;
      const C = w.shape[0];
      const ms = g.scale(g.reduceSum(g.mul(x, x), [ax]), 1 / C);
      const r = g.pow(g.add(ms, g.constant(y.attrs.eps!)), -0.5);
      const xh = g.mul(x, r);
      const gh = g.mul(gy, w);
      const dot = g.scale(g.reduceSum(g.mul(gh, xh), [ax]), 1 / C);
      return [g.mul(g.sub(gh, g.mul(xh, dot)), r), unbroadcast(g, g.mul(gy, xh), w.shape)];
    },
  },
  softmaxMatmul: {
    // softmax(s) @ v, s: (...,M,K), v: (...,K,N); attention's core
    infer: ([s, v]) => matmul.infer([s, v], {}),
    eval: ([s, v], attrs, out) =>
      matmul.eval(
        [{ data: softmaxRows(s.data, s.shape[last(s.shape)], false), shape: s.shape }, v],
        attrs,
        out,
      ),
    // ds = p ⊙ (dp - Σ_k dp⊙p) with Σ_k dp⊙p = Σ_n gy⊙y (FlashAttention's identity): the row sum runs
    // over the small (...,M,N) output instead of the (...,M,K) scores
    grad: (g, y, gy) => {
      const [s, v] = y.inputs;
      const p = g.softmax(s);
      const dp = g.matmul(gy, g.swapLast(v));
      const delta = g.reduceSum(g.mul(gy, y), [last(y.shape)]);
      return [g.mul(p, g.sub(dp, delta)), unbroadcast(g, g.matmul(g.swapLast(p), gy), v.shape)];
    },
  },
  gatherRows,
  scatterAddRows,
  nll,
  oneHot: {
    // x: integer ids (...) -> (..., depth) floats; ids outside [0, depth) give a zero row
    infer: ([a], attrs) => {
      if (a.dtype !== 'i32') throw new Error('oneHot needs an i32 input');
      return f32([...a.shape, attrs.depth!]);
    },
    eval: ([a], attrs) => {
      const d = attrs.depth!;
      const y = new Float64Array(a.data.length * d);
      a.data.forEach((v, i) => {
        if (v >= 0 && v < d) y[i * d + v] = 1;
      });
      return y;
    },
    grad: none,
  },
} satisfies Record<string, OpDef>;

export type OpName = keyof typeof OPS;
