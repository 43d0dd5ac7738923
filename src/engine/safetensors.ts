/**
 * safetensors (F32 only): 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {..}}, then the raw data.
 */
import { UserError } from '../core/errors.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(
  tensors: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned, as the format recommends
  const head = Buffer.from(json, 'utf8');
  const buf = Buffer.alloc(8 + head.length + off);
  buf.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(buf, 8);
  let p = 8 + head.length;
  for (const t of tensors.values()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(buf, p);
    p += t.data.byteLength;
  }
  return buf;
}

export function decodeSafetensors(
  buf: Buffer,
  where: string,
): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new UserError(`${where}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad('shorter than its 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) throw bad(`header of ${n} bytes but the file has ${buf.length} bytes; truncated?`);
  let header: Record<string, { dtype?: string; shape?: number[]; data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('header is not JSON');
  }
  const dataStart = 8 + n;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = e as unknown as Record<string, string>;
      continue;
    }
    if (e.dtype !== 'F32') throw bad(`tensor '${name}' has dtype ${e.dtype}, only F32 is supported`);
    const [b, end] = e.data_offsets ?? [-1, -1];
    const count = (e.shape ?? []).reduce((a, d) => a * d, 1);
    if (!(b >= 0 && end - b === count * 4)) throw bad(`tensor '${name}' has inconsistent offsets`);
    if (dataStart + end > buf.length)
      throw bad(`tensor '${name}' extends past the end of the file; truncated?`);
    // copy: the slice may not be 4-byte aligned in the file buffer
    const bytes = Uint8Array.prototype.slice.call(buf, dataStart + b, dataStart + end);
    tensors.set(name, { shape: e.shape ?? [], data: new Float32Array(bytes.buffer) });
  }
  return { tensors, metadata };
}
