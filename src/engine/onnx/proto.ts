/**
 * A minimal protobuf writer for the few ONNX messages we emit (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto). Field numbers follow onnx/onnx.proto.
 */
export class ProtoWriter {
  private parts: number[] = [];

  private varint(v: bigint): void {
    // int64 fields encode negatives as 10-byte two's complement
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }
  ints(field: number, vs: readonly number[]): this {
    for (const v of vs) this.int(field, v);
    return this;
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(...b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(b.length));
    // push in chunks: spreading a multi-megabyte array overflows the call stack
    for (let i = 0; i < b.length; i += 8192) this.parts.push(...b.subarray(i, i + 8192));
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

export type AttrValue = number | number[] | { float: number } | { string: string };

export function attribute(name: string, v: AttrValue): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof v === 'number') return a.int(3, v).int(20, 2);
  if (Array.isArray(v)) return a.ints(8, v).int(20, 7);
  if ('string' in v) return a.string(4, v.string).int(20, 3);
  return a.float(2, v.float).int(20, 1);
}

export function tensorProto(
  name: string,
  dims: readonly number[],
  data: Float32Array | Int32Array | BigInt64Array,
): ProtoWriter {
  const type =
    data instanceof Float32Array ? ONNX_FLOAT : data instanceof Int32Array ? ONNX_INT32 : ONNX_INT64;
  return new ProtoWriter()
    .ints(1, dims)
    .int(2, type)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function valueInfo(name: string, elemType: number, dims: readonly number[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

export function nodeProto(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, AttrValue> = {},
  domain = '',
): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, outputs[0]).string(4, op);
  for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
  if (domain !== '') n.string(7, domain);
  return n;
}
