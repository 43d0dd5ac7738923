/**
 * A minimal ONNX ModelProto writer: just the protobuf fields the inference graphs use, encoded
 * by hand (proto2 wire format), so no protobuf dependency is needed.
 * Field numbers are from onnx/onnx.proto.
 */

const enc = new TextEncoder();

/** Protobuf bytes under construction. */
class Pb {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length > 0) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  private varint(v: number | bigint): void {
    // Negative int64s take ten bytes in two's complement.
    let b = BigInt.asUintN(64, BigInt(v));
    while (b >= 0x80n) {
      this.scratch.push(Number(b & 0x7fn) | 0x80);
      b >>= 7n;
    }
    this.scratch.push(Number(b));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.flushScratch();
    this.chunks.push(data);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    this.flushScratch();
    let n = 0;
    for (const c of this.chunks) n += c.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }
}

export const DT_FLOAT = 1;
export const DT_INT32 = 6;
export const DT_INT64 = 7;

export type Attr = number | number[] | { f: number } | string;
/** A dimension: a fixed size or a symbolic name. */
export type Dim = number | string;

function tensorProto(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  t.int(2, data instanceof Float32Array ? DT_FLOAT : DT_INT64);
  t.str(8, name);
  // Both element types are little-endian in memory on every platform Node runs on.
  t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return t;
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, elemType).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

/** Builds one GraphProto node by node; `finish()` wraps it in a ModelProto. */
export class GraphBuilder {
  private nodes: Pb[] = [];
  private inits: Pb[] = [];
  private inputs: Pb[] = [];
  private outputs: Pb[] = [];
  private n = 0;
  private domains = new Set<string>();

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  init(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }

  /** An int64 1-D constant. */
  ints(values: readonly number[]): string {
    return this.init(`c${this.n++}`, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** A float scalar constant. */
  scalar(v: number): string {
    return this.init(`c${this.n++}`, [], Float32Array.of(v));
  }

  /**
   * Adds a node; returns its output names (named `outNames` if given). An empty input name is an
   * omitted optional input. `op` may be 'com.microsoft:Name' for an onnxruntime contrib op.
   */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    outNames: number | string[] = 1,
  ): string[] {
    const outs =
      typeof outNames === 'number' ? Array.from({ length: outNames }, () => `t${this.n++}`) : outNames;
    const p = new Pb();
    for (const i of inputs) p.str(1, i);
    for (const o of outs) p.str(2, o);
    p.str(3, `n${this.n++}`);
    const colon = op.lastIndexOf(':');
    p.str(4, op.slice(colon + 1));
    if (colon >= 0) {
      p.str(7, op.slice(0, colon));
      this.domains.add(op.slice(0, colon));
    }
    for (const [name, v] of Object.entries(attrs)) {
      const a = new Pb().str(1, name);
      if (typeof v === 'number') a.int(3, v).int(20, 2);
      else if (typeof v === 'string') a.str(4, v).int(20, 3);
      else if (Array.isArray(v)) {
        for (const x of v) a.int(8, x);
        a.int(20, 7);
      } else a.float(2, v.f).int(20, 1);
      p.msg(5, a);
    }
    this.nodes.push(p);
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  finish(graphName: string, opset = 17): Uint8Array {
    const g = new Pb();
    for (const n of this.nodes) g.msg(1, n);
    g.str(2, graphName);
    for (const i of this.inits) g.msg(5, i);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    const model = new Pb()
      .int(1, 8) // ir_version 8 goes with opset 17
      .str(2, 'metacot')
      .msg(7, g)
      .msg(8, new Pb().str(1, '').int(2, opset));
    for (const d of this.domains) model.msg(8, new Pb().str(1, d).int(2, 1));
    return model.finish();
  }
}
