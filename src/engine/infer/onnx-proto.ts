/**
 * Inference graphs, built node by node with symbolic batch and sequence dimensions; the bytes come
 * from the one ONNX protobuf writer (../onnx/proto.ts).
 */
import {
  type AttrValue,
  type Dim,
  nodeProto,
  ONNX_FLOAT,
  ONNX_INT32,
  ONNX_INT64,
  ProtoWriter,
  tensorProto,
  valueInfo,
} from '../onnx/proto.js';

export type { Dim };
export const DT_FLOAT = ONNX_FLOAT;
export const DT_INT32 = ONNX_INT32;
export const DT_INT64 = ONNX_INT64;

/** Attribute values, the short way: a string is a string attribute, `{ f }` a float. */
export type Attr = number | number[] | { f: number } | string;

const attrValue = (v: Attr): AttrValue =>
  typeof v === 'string' ? { string: v } : typeof v === 'object' && 'f' in v ? { float: v.f } : v;

/** Builds one GraphProto node by node; `finish()` wraps it in a ModelProto. */
export class GraphBuilder {
  private nodes: ProtoWriter[] = [];
  private inits: ProtoWriter[] = [];
  private inputs: ProtoWriter[] = [];
  private outputs: ProtoWriter[] = [];
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

  /** An int64 scalar constant. */
  int64Scalar(v: number): string {
    return this.init(`c${this.n++}`, [], BigInt64Array.of(BigInt(v)));
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
    const colon = op.lastIndexOf(':');
    const domain = colon >= 0 ? op.slice(0, colon) : '';
    if (domain !== '') this.domains.add(domain);
    const converted = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, attrValue(v)]));
    const p = nodeProto(op.slice(colon + 1), inputs, outs, converted, domain, `n${this.n++}`);
    this.nodes.push(p);
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  finish(graphName: string, opset = 17): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, graphName);
    for (const i of this.inits) g.message(5, i);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    const model = new ProtoWriter()
      .int(1, 8) // ir_version 8 goes with opset 17
      .string(2, 'metacot')
      .message(7, g)
      .message(8, new ProtoWriter().string(1, '').int(2, opset));
    for (const d of this.domains) model.message(8, new ProtoWriter().string(1, d).int(2, 1));
    return model.finish();
  }
}
