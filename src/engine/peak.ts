/**
 * This machine's matmul peak as onnxruntime reaches it: a large square MatMul on the given intra-op
 * threads, best of a few runs. Benchmarks report each phase's achieved GFLOP/s as a fraction of this
 * figure, measured in the same run, so a busy or throttled machine moves both alike.
 */
import * as ort from 'onnxruntime-node';
import { Rng } from '../core/rng.js';
import { DT_FLOAT, GraphBuilder } from './infer/onnx-proto.js';
import { sessionOptions } from './onnx/session.js';

export interface MatmulPeak {
  gflops: number;
  /** the square matrices' side */
  n: number;
  threads: number;
}

export async function matmulPeak(threads: number, n = 2048, runs = 12): Promise<MatmulPeak> {
  const g = new GraphBuilder();
  const a = g.input('a', DT_FLOAT, [n, n]);
  const rng = new Rng(1);
  const b = g.init(
    'b',
    [n, n],
    Float32Array.from({ length: n * n }, () => rng.float() - 0.5),
  );
  g.node('MatMul', [a, b], {}, ['c']);
  g.output('c', DT_FLOAT, [n, n]);
  const session = await ort.InferenceSession.create(g.finish('matmul_peak'), sessionOptions(threads));
  try {
    const feed = {
      a: new ort.Tensor(
        'float32',
        Float32Array.from({ length: n * n }, () => rng.float() - 0.5),
        [n, n],
      ),
    };
    await session.run(feed);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await session.run(feed);
      best = Math.min(best, performance.now() - t);
    }
    return { gflops: (2 * n ** 3) / (best / 1000) / 1e9, n, threads };
  } finally {
    await session.release();
  }
}
