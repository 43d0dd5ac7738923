/**
 * Reverse-mode autodiff over a Graph: appends the backward nodes to the same graph, using each op's
 * gradient rule from the OPS table. The result is an ordinary graph, so the backward pass runs on
 * whichever executor runs the forward (float64 interpreter or ONNX Runtime).
 */
import type { Graph, Node } from './graph.js';
import { OPS } from './ops.js';

/** d(loss)/d(wrt[i]) for each i; null where the loss does not depend on wrt[i]. `loss` must have one element. */
export function gradients(g: Graph, loss: Node, wrt: readonly Node[]): Array<Node | null> {
  if (loss.shape.some((d) => d !== 1)) throw new Error(`loss must be a scalar, got [${loss.shape}]`);
  // only nodes on a path from some wrt node to the loss need a gradient
  const fromWrt = new Set<number>(wrt.map((n) => n.id));
  for (let i = 0; i <= loss.id; i++) {
    const n = g.nodes[i];
    if (n.inputs.some((x) => fromWrt.has(x.id))) fromWrt.add(n.id);
  }
  // contributions to each node's gradient, summed when the reverse sweep reaches the node
  const parts = new Map<number, Node[]>();
  const push = (id: number, gk: Node) => {
    const list = parts.get(id);
    if (list === undefined) parts.set(id, [gk]);
    else list.push(gk);
  };
  push(loss.id, g.constant(1, [...loss.shape]));
  for (let i = loss.id; i >= 0; i--) {
    const y = g.nodes[i];
    const list = parts.get(i);
    if (list === undefined || y.inputs.length === 0) continue;
    if (!y.inputs.some((x) => fromWrt.has(x.id))) continue;
    const gx = OPS[y.op].grad(g, y, sumGrads(g, list));
    y.inputs.forEach((x, k) => {
      const gk = gx[k];
      if (gk !== null && fromWrt.has(x.id)) push(x.id, gk);
    });
  }
  return wrt.map((n) => {
    const list = parts.get(n.id);
    return list === undefined ? null : sumGrads(g, list);
  });
}

/**
 * Σ of gradient contributions. Zero-pads of disjoint slices that tile an axis (the gradients of
 * slices, e.g. per-block attention queries) become one concat instead of pads and adds.
 */
function sumGrads(g: Graph, list: Node[]): Node {
  if (list.length === 1) return list[0];
  const first = list.find((n) => n.op === 'pad');
  const pads = list.filter((n) => n.op === 'pad' && n.attrs.axis === first?.attrs.axis);
  let rest = list;
  if (pads.length > 1) {
    const axis = pads[0].attrs.axis!;
    pads.sort((a, b) => a.attrs.before! - b.attrs.before!);
    let end = 0;
    const tiles = pads.every((p) => {
      const ok = p.attrs.before === end;
      end += p.inputs[0].shape[axis];
      return ok;
    });
    if (tiles && end === pads[0].shape[axis]) {
      const merged = g.concat(
        pads.map((p) => p.inputs[0]),
        axis,
      );
      rest = [merged, ...list.filter((n) => !pads.includes(n))];
    }
  }
  return rest.reduce((a, b) => g.add(a, b));
}
