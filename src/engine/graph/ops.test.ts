import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { CompiledGraph } from '../onnx/session.js';
import { gradients } from './autodiff.js';
import { Graph, type Node } from './graph.js';
import { interpret } from './interp.js';
import { size } from './shape.js';

interface Case {
  name: string;
  shapes: number[][];
  build: (g: Graph, xs: Node[]) => Node;
  /** keeps inputs in the op's domain (log, pow) */
  positive?: boolean;
  /** fixed i32 inputs by name, created by build() */
  ints?: Record<string, number[]>;
}

const CASES: Case[] = [
  {
    name: 'add broadcast',
    shapes: [
      [2, 3, 4],
      [3, 1],
    ],
    build: (g, [a, b]) => g.add(a, b),
  },
  {
    name: 'sub broadcast',
    shapes: [
      [2, 1, 4],
      [3, 4],
    ],
    build: (g, [a, b]) => g.sub(a, b),
  },
  { name: 'mul broadcast', shapes: [[2, 3, 4], [4]], build: (g, [a, b]) => g.mul(a, b) },
  {
    name: 'div',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    build: (g, [a, b]) => g.div(a, b),
    positive: true,
  },
  { name: 'mul by scalar const', shapes: [[5]], build: (g, [a]) => g.scale(a, -2.5) },
  { name: 'exp', shapes: [[3, 4]], build: (g, [a]) => g.exp(a) },
  { name: 'log', shapes: [[3, 4]], build: (g, [a]) => g.log(a), positive: true },
  { name: 'sigmoid', shapes: [[3, 4]], build: (g, [a]) => g.sigmoid(a) },
  { name: 'pow -0.5', shapes: [[3, 4]], build: (g, [a]) => g.pow(a, -0.5), positive: true },
  {
    name: 'matmul 2d',
    shapes: [
      [3, 4],
      [4, 5],
    ],
    build: (g, [a, b]) => g.matmul(a, b),
  },
  {
    name: 'matmul batched broadcast',
    shapes: [
      [2, 3, 4],
      [4, 5],
    ],
    build: (g, [a, b]) => g.matmul(a, b),
  },
  {
    name: 'matmul batched',
    shapes: [
      [2, 2, 3, 4],
      [2, 2, 4, 3],
    ],
    build: (g, [a, b]) => g.matmul(a, b),
  },
  { name: 'transpose', shapes: [[2, 3, 4]], build: (g, [a]) => g.transpose(a, [2, 0, 1]) },
  { name: 'reshape', shapes: [[2, 3, 4]], build: (g, [a]) => g.reshape(a, [6, 4]) },
  { name: 'expand', shapes: [[3, 1]], build: (g, [a]) => g.expand(a, [2, 3, 4]) },
  { name: 'reduceSum', shapes: [[2, 3, 4]], build: (g, [a]) => g.reduceSum(a, [0, 2]) },
  { name: 'softmax', shapes: [[3, 5]], build: (g, [a]) => g.softmax(a) },
  { name: 'logSoftmax', shapes: [[3, 5]], build: (g, [a]) => g.logSoftmax(a) },
  { name: 'slice', shapes: [[2, 5, 3]], build: (g, [a]) => g.slice(a, 1, 1, 4) },
  { name: 'pad', shapes: [[2, 3, 2]], build: (g, [a]) => g.pad(a, 1, 2, 1) },
  {
    name: 'concat',
    shapes: [
      [2, 1, 3],
      [2, 2, 3],
      [2, 3, 3],
    ],
    build: (g, [a, b, c]) => g.concat([a, b, c], 1),
  },
  { name: 'silu', shapes: [[3, 4]], build: (g, [a]) => g.silu(a) },
  { name: 'rmsnorm', shapes: [[3, 5], [5]], build: (g, [x, w]) => g.rmsnorm(x, w, 1e-5) },
  {
    name: 'softmaxMatmul',
    shapes: [
      [2, 3, 4],
      [2, 4, 5],
    ],
    build: (g, [s, v]) => g.softmaxMatmul(s, v),
  },
  {
    name: 'gatherRows',
    shapes: [[4, 3]],
    ints: { ids: [2, 0, 2, 3, 1, 2] },
    build: (g, [t]) => g.gatherRows(t, g.input('ids', [2, 3], 'i32')),
  },
  {
    name: 'scatterAddRows',
    shapes: [[2, 3, 2]],
    ints: { ids: [4, 0, 4, 1, 1, 4] },
    build: (g, [src]) => g.scatterAddRows(src, g.input('ids', [2, 3], 'i32'), 5),
  },
  {
    name: 'nll',
    shapes: [[4, 6]],
    ints: { targets: [5, 0, 2, 5] },
    build: (g, [l]) => g.nll(l, g.input('targets', [4], 'i32')),
  },
  { name: 'permuteLast', shapes: [[3, 4]], build: (g, [a]) => g.permuteLast(a, [1, 0, 3, 2]) },
];

function setup(c: Case, seed: number) {
  const rng = new Rng(seed);
  const g = new Graph();
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, s));
  const y = c.build(g, xs);
  const r = g.input('r', [...y.shape]);
  const loss = g.reduceSum(
    g.mul(y, r),
    y.shape.map((_, i) => i),
  );
  const grads = gradients(g, loss, xs);
  const feeds: Record<string, Float64Array> = {};
  c.shapes.forEach((s, i) => {
    feeds[`x${i}`] = Float64Array.from({ length: size(s) }, () =>
      c.positive ? 0.5 + rng.float() : rng.normal(),
    );
  });
  feeds.r = Float64Array.from({ length: size(y.shape) }, () => rng.normal());
  for (const [k, v] of Object.entries(c.ints ?? {})) feeds[k] = Float64Array.from(v);
  return { g, xs, y, loss, grads, feeds };
}

describe('primitive ops', () => {
  for (const c of CASES) {
    it(`${c.name}: autodiff gradient matches central finite differences (float64)`, () => {
      const { g, xs, loss, grads, feeds } = setup(c, 1);
      const analytic = interpret(
        g,
        feeds,
        grads.map((n) => n!),
      );
      const h = 1e-6;
      xs.forEach((_, i) => {
        const x = feeds[`x${i}`];
        for (let k = 0; k < x.length; k++) {
          const v = x[k];
          x[k] = v + h;
          const [lp] = interpret(g, feeds, [loss]);
          x[k] = v - h;
          const [lm] = interpret(g, feeds, [loss]);
          x[k] = v;
          const fd = (lp[0] - lm[0]) / (2 * h);
          expect(Math.abs(analytic[i][k] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      });
    });
  }

  it('ONNX Runtime agrees with the float64 interpreter on every op, forward and backward', async () => {
    for (const c of CASES) {
      const { g, y, grads, feeds } = setup(c, 2);
      const outs: Record<string, Node> = { y };
      grads.forEach((n, i) => {
        outs[`g${i}`] = n!;
      });
      const compiled = await CompiledGraph.compile(g, outs, 1);
      const f32: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(feeds)) f32[k] = Float32Array.from(v);
      for (const [k, v] of Object.entries(c.ints ?? {}))
        f32[k] = Int32Array.from(v) as unknown as Float32Array;
      const got = await compiled.run(f32);
      const want = interpret(g, feeds, Object.values(outs));
      Object.keys(outs).forEach((k, i) => {
        const w = want[i];
        for (let j = 0; j < w.length; j++)
          expect(Math.abs(got[k][j] - w[j]), `${c.name} ${k}[${j}]`).toBeLessThan(
            1e-4 * (1 + Math.abs(w[j])),
          );
      });
      await compiled.release();
    }
  });

  it('gradients of slices that tile an axis are merged into one concat, and stay exact', () => {
    const g = new Graph();
    const x = g.input('x', [2, 5]);
    const y = g.add(g.scale(g.slice(x, 1, 0, 2), 3), g.reduceSum(g.slice(x, 1, 2, 5), [1]));
    const loss = g.reduceSum(g.mul(y, y), [0, 1]);
    const [dx] = gradients(g, loss, [x]);
    expect(dx!.op).toBe('concat');
    const feeds = { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };
    const got = interpret(g, feeds, [dx!])[0];
    // y[r] = 3·x[r,0:2] + Σ x[r,2:5]; dL/dx = 2·y·(3 for the first two columns, Σ_j y[r,j] for the rest)
    const want = [0, 1].flatMap((r) => {
      const v = feeds.x.slice(r * 5, r * 5 + 5);
      const s = v[2] + v[3] + v[4];
      const yr = [3 * v[0] + s, 3 * v[1] + s];
      return [6 * yr[0], 6 * yr[1], 2 * (yr[0] + yr[1]), 2 * (yr[0] + yr[1]), 2 * (yr[0] + yr[1])];
    });
    expect(Array.from(got)).toEqual(want);
  });

  it('oneHot makes rows of the identity and zero rows for out-of-range ids', async () => {
    const g = new Graph();
    const ids = g.input('ids', [4], 'i32');
    const y = g.oneHot(ids, 3);
    const feeds = { ids: [2, 0, -1, 1] };
    const want = [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    expect(Array.from(interpret(g, feeds, [y])[0])).toEqual(want);
    const compiled = await CompiledGraph.compile(g, { y }, 1);
    const got = await compiled.run({ ids: Int32Array.from(feeds.ids) });
    expect(Array.from(got.y)).toEqual(want);
  });
});
