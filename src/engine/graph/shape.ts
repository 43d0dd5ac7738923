/** Shape helpers shared by the graph builder, the float64 interpreter and the ONNX lowering. */
export type Shape = readonly number[];

export function size(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy-style broadcast of two shapes; throws on a mismatch (a bug in model code, not user input). */
export function broadcastShape(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out[i] = Math.max(da, db);
  }
  return out;
}

/** For each flat index of `out`, the flat index of the (broadcast) `inp` element it reads. */
export function broadcastIndex(out: Shape, inp: Shape): Int32Array {
  const n = size(out);
  const idx = new Int32Array(n);
  const inStrides = strides(inp);
  const off = out.length - inp.length;
  const coord = new Array<number>(out.length).fill(0);
  for (let k = 0; k < n; k++) {
    let j = 0;
    for (let d = 0; d < inp.length; d++) if (inp[d] !== 1) j += coord[d + off] * inStrides[d];
    idx[k] = j;
    for (let d = out.length - 1; d >= 0; d--) {
      if (++coord[d] < out[d]) break;
      coord[d] = 0;
    }
  }
  return idx;
}
