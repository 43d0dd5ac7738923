/**
 * The one protobuf writer for the ONNX messages metacot emits (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), for training graphs (export.ts) and inference graphs
 * (infer/onnx-proto.ts) alike. Encoded by hand in the proto2 wire format: these six messages are all we
 * need, and a protobuf library would bring a schema compiler for them. Field numbers follow onnx/onnx.proto.
 */

const utf8 = new TextEncoder();

export class ProtoWriter {
  // Large payloads (weights) are kept as their own chunks, never copied byte by byte into an array.
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private flushScratch(): void {
    if (this.scratch.length > 0) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  private varint(v: number | bigint): void {
    // int64 fields encode negatives as 10-byte two's complement
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.scratch.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.scratch.push(Number(x));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(v);
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
    this.scratch.push(...b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.flushScratch();
    this.chunks.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
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

export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

export type AttrValue = number | number[] | { float: number } | { string: string };
/** A tensor dimension: a fixed size, or a symbolic name (batch, sequence). */
export type Dim = number | string;

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
  // Every element type is little-endian in memory on the platforms Node runs on, as ONNX expects.
  return new ProtoWriter()
    .ints(1, dims)
    .int(2, type)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** A NodeProto; its name defaults to its first output's. */
export function nodeProto(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, AttrValue> = {},
  domain = '',
  name = outputs[0],
): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, op);
  for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
  if (domain !== '') n.string(7, domain);
  return n;
}
