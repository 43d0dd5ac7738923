/** ONNX Runtime sessions for our graphs: compiled once per key and cached, because compiling per step is slow. */
import ort from 'onnxruntime-node';
import type { Graph, Node } from '../graph/graph.js';
import { toOnnx } from './export.js';

export type Feed = Float32Array | Int32Array;

/** How every session of the engine runs: `threads` intra-op threads, one graph at a time, all optimisations. */
export function sessionOptions(threads: number, spin = false): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // spinning workers burn the other core while waiting; on a shared 2-core machine that costs more than it saves
    extra: {
      session: { intra_op: { allow_spinning: spin ? '1' : '0' }, inter_op: { allow_spinning: '0' } },
    },
  };
}

export class CompiledGraph {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputShapes: Map<string, readonly number[]>,
  ) {}

  static async compile(
    g: Graph,
    outputs: Record<string, Node>,
    threads = 2,
    spin = process.env.METACOT_ORT_SPIN === '1',
  ): Promise<CompiledGraph> {
    const bytes = toOnnx(g, outputs);
    const session = await ort.InferenceSession.create(bytes, sessionOptions(threads, spin));
    const shapes = new Map<string, readonly number[]>();
    for (const n of g.nodes) if (n.op === 'input') shapes.set(n.attrs.name!, n.shape);
    return new CompiledGraph(session, shapes);
  }

  async run(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const data = feeds[name];
      const shape = this.inputShapes.get(name)!;
      if (data === undefined) throw new Error(`missing feed '${name}'`);
      tensors[name] = new ort.Tensor(data instanceof Int32Array ? 'int32' : 'float32', data, shape);
    }
    const out = await this.session.run(tensors);
    const res: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(out)) res[k] = v.data as Float32Array;
    return res;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

const cache = new Map<string, Promise<CompiledGraph>>();

/** The compiled graph for `key`, building it with `build` on first use. */
export function cachedGraph(key: string, build: () => Promise<CompiledGraph>): Promise<CompiledGraph> {
  let p = cache.get(key);
  if (p === undefined) {
    p = build();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Releases every cached session (e.g. between training runs of different models in one process). */
export async function releaseCachedGraphs(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) await (await p.catch(() => null))?.release();
}
