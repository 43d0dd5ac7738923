/**
 * A tiny static-shape tensor graph: nodes are primitive ops (see ops.ts), built eagerly in
 * topological order, so a node's id is also its position in `Graph.nodes`.
 *
 *   const g = new Graph();
 *   const x = g.input('x', [2, 3]);
 *   const loss = g.reduceSum(g.mul(x, x), [0, 1]);
 *   const [dx] = gradients(g, loss, [x]); // autodiff.ts
 *
 * Graphs run two ways: the float64 interpreter (interp.ts, the reference for tests) and ONNX
 * Runtime (onnx/export.ts), which is the fast path.
 */
import { OPS, type OpName } from './ops.js';
import type { Shape } from './shape.js';

export type DType = 'f32' | 'i32';

export interface Attrs {
  perm?: number[]; // transpose
  shape?: number[]; // reshape, expand
  axes?: number[]; // reduceSum (always keepdims)
  p?: number; // pow exponent
  eps?: number; // rmsnorm
  index?: number[]; // permuteLast: a permutation of the last axis
  depth?: number; // oneHot
  axis?: number; // slice, pad, concat
  start?: number; // slice: [start, end) along axis
  end?: number;
  before?: number; // pad: zeros before / after along axis
  after?: number;
  value?: Float32Array | Int32Array; // const
  name?: string; // input
  dtype?: DType; // input
}

export interface Node {
  readonly id: number;
  readonly op: OpName;
  readonly inputs: readonly Node[];
  readonly attrs: Attrs;
  readonly shape: Shape;
  readonly dtype: DType;
}

export class Graph {
  readonly nodes: Node[] = [];

  apply(op: OpName, inputs: Node[], attrs: Attrs = {}): Node {
    const def = OPS[op];
    const { shape, dtype } = def.infer(inputs, attrs);
    const node: Node = { id: this.nodes.length, op, inputs, attrs, shape, dtype };
    this.nodes.push(node);
    return node;
  }

  input(name: string, shape: number[], dtype: DType = 'f32'): Node {
    return this.apply('input', [], { name, shape, dtype });
  }
  constant(value: Float32Array | number, shape: number[] = []): Node {
    const v = typeof value === 'number' ? new Float32Array([value]) : value;
    return this.apply('const', [], { value: v, shape });
  }

  add(a: Node, b: Node): Node {
    return this.apply('add', [a, b]);
  }
  sub(a: Node, b: Node): Node {
    return this.apply('sub', [a, b]);
  }
  mul(a: Node, b: Node): Node {
    return this.apply('mul', [a, b]);
  }
  div(a: Node, b: Node): Node {
    return this.apply('div', [a, b]);
  }
  scale(a: Node, s: number): Node {
    return this.mul(a, this.constant(s));
  }
  exp(a: Node): Node {
    return this.apply('exp', [a]);
  }
  log(a: Node): Node {
    return this.apply('log', [a]);
  }
  sigmoid(a: Node): Node {
    return this.apply('sigmoid', [a]);
  }
  pow(a: Node, p: number): Node {
    return this.apply('pow', [a], { p });
  }
  matmul(a: Node, b: Node): Node {
    return this.apply('matmul', [a, b]);
  }
  transpose(a: Node, perm: number[]): Node {
    return this.apply('transpose', [a], { perm });
  }
  /** Swaps the last two axes. */
  swapLast(a: Node): Node {
    const perm = a.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return this.transpose(a, perm);
  }
  reshape(a: Node, shape: number[]): Node {
    return this.apply('reshape', [a], { shape });
  }
  expand(a: Node, shape: number[]): Node {
    return this.apply('expand', [a], { shape });
  }
  reduceSum(a: Node, axes: number[]): Node {
    return this.apply('reduceSum', [a], { axes });
  }
  softmax(a: Node): Node {
    return this.apply('softmax', [a]);
  }
  logSoftmax(a: Node): Node {
    return this.apply('logSoftmax', [a]);
  }
  permuteLast(a: Node, index: number[]): Node {
    return this.apply('permuteLast', [a], { index });
  }
  slice(a: Node, axis: number, start: number, end: number): Node {
    return this.apply('slice', [a], { axis, start, end });
  }
  pad(a: Node, axis: number, before: number, after: number): Node {
    return this.apply('pad', [a], { axis, before, after });
  }
  concat(xs: Node[], axis: number): Node {
    return xs.length === 1 ? xs[0] : this.apply('concat', xs, { axis });
  }
  silu(a: Node): Node {
    return this.apply('silu', [a]);
  }
  rmsnorm(x: Node, w: Node, eps: number): Node {
    return this.apply('rmsnorm', [x, w], { eps });
  }
  /** softmax(s) @ v over the last axis of s */
  softmaxMatmul(s: Node, v: Node): Node {
    return this.apply('softmaxMatmul', [s, v]);
  }
  /** table[ids]: (V,C) rows picked by integer ids (...) -> (...,C) */
  gatherRows(table: Node, ids: Node): Node {
    return this.apply('gatherRows', [table, ids]);
  }
  /** (V,C) zeros with src rows (...,C) added at rows ids (...) */
  scatterAddRows(src: Node, ids: Node, depth: number): Node {
    return this.apply('scatterAddRows', [src, ids], { depth });
  }
  /** -log softmax(logits)[target] per row: logits (N,V), targets (N) -> (N,1) */
  nll(logits: Node, targets: Node): Node {
    return this.apply('nll', [logits, targets]);
  }
  oneHot(a: Node, depth: number): Node {
    return this.apply('oneHot', [a], { depth });
  }
}
