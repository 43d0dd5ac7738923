/** The float64 reference executor for graphs: slow and simple, used to check gradients and ONNX output. */
import type { Graph, Node } from './graph.js';
import { OPS, type Tensor64 } from './ops.js';
import { size } from './shape.js';

export function interpret(
  g: Graph,
  feeds: Record<string, ArrayLike<number>>,
  outputs: readonly Node[],
): Float64Array[] {
  const maxId = Math.max(...outputs.map((n) => n.id));
  const vals: Tensor64[] = [];
  for (let i = 0; i <= maxId; i++) {
    const n = g.nodes[i];
    if (n.op === 'input') {
      const f = feeds[n.attrs.name!];
      if (f === undefined || f.length !== size(n.shape))
        throw new Error(`missing or wrong-size feed '${n.attrs.name}'`);
      vals.push({ data: Float64Array.from(f), shape: n.shape });
    } else {
      const ins = n.inputs.map((x) => vals[x.id]);
      vals.push({ data: OPS[n.op].eval(ins, n.attrs, n.shape), shape: n.shape });
    }
  }
  return outputs.map((n) => vals[n.id].data);
}
