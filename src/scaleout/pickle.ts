/**
 * A Python pickle writer (protocol 2) for plain data: null, booleans, integers, floats, strings, arrays and
 * string-keyed objects. It exists for one consumer, GPT-NeoX's online dataset, which runs `pickle.loads` on
 * the bytes the rollout server sends (docs/scale-out.md). Written by hand because no maintained npm package
 * writes pickles: `jpickle` and `pickleparser` only read them, and `node-pickle` shells out to a Python
 * interpreter. The subset is small and fixed by the format (Python's Lib/pickletools.py documents each
 * opcode), and the tests decode every output with Debian's python3 `pickle.loads`.
 *
 * Protocol 2 is read by every Python 3 (and 2.3+); it needs no framing and no memo for tree-shaped data.
 */

/**
 * A number that must arrive as a Python float even when it has no fraction (a reward of 1 is `1.0`, not `1`).
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * What can be pickled: JSON-like trees. A JS number with no fraction (or a bigint) becomes a Python int, any
 * other number, or a PyFloat, a Python float.
 */
export type Picklable =
  | null
  | PyFloat
  | boolean
  | number
  | bigint
  | string
  | readonly Picklable[]
  | { readonly [key: string]: Picklable };

const PROTO = 0x80;
const STOP = 0x2e; // '.'
const NONE = 0x4e; // 'N'
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const BININT1 = 0x4b; // 'K' uint8
const BININT2 = 0x4d; // 'M' uint16 LE
const BININT = 0x4a; // 'J' int32 LE
const LONG1 = 0x8a; // length byte + two's-complement LE bytes
const BINFLOAT = 0x47; // 'G' float64 big-endian
const BINUNICODE = 0x58; // 'X' uint32 LE length + UTF-8
const EMPTY_LIST = 0x5d; // ']'
const EMPTY_DICT = 0x7d; // '}'
const MARK = 0x28; // '('
const APPENDS = 0x65; // 'e'
const SETITEMS = 0x75; // 'u'

/** Python's pickler batches APPENDS/SETITEMS by 1000 so the unpickler's stack stays bounded; so do we. */
const BATCH = 1000;

/** A growable byte buffer: token-id lists run to millions of bytes, so appends must be amortised O(1). */
class ByteSink {
  private buf = Buffer.allocUnsafe(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  uint16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }

  int32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }

  uint32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  float64be(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.length);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.uint32(n);
    this.reserve(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Two's-complement little-endian bytes of a bigint, as short as possible (Python's `encode_long`). */
function longBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  // emit bytes until the remaining value is pure sign extension of the last byte's top bit
  for (;;) {
    const byte = Number(x & 0xffn);
    out.push(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

function writeInt(sink: ByteSink, v: bigint): void {
  if (v >= 0n && v < 256n) {
    sink.byte(BININT1);
    sink.byte(Number(v));
  } else if (v >= 0n && v < 65536n) {
    sink.byte(BININT2);
    sink.uint16(Number(v));
  } else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
    sink.byte(BININT);
    sink.int32(Number(v));
  } else {
    const b = longBytes(v);
    if (b.length > 255) throw new RangeError('pickle: integer too large for LONG1');
    sink.byte(LONG1);
    sink.byte(b.length);
    sink.bytes(b);
  }
}

function write(sink: ByteSink, value: Picklable, path: string): void {
  if (value === null) sink.byte(NONE);
  else if (value === true) sink.byte(NEWTRUE);
  else if (value === false) sink.byte(NEWFALSE);
  else if (typeof value === 'bigint') writeInt(sink, value);
  else if (value instanceof PyFloat) {
    sink.byte(BINFLOAT);
    sink.float64be(value.value);
  } else if (typeof value === 'number') {
    // a JS integer becomes a Python int, anything else a float: token ids must arrive as ints
    if (Number.isSafeInteger(value)) {
      // token ids take this path millions of times: keep BigInt for the rare 64-bit-plus values only
      if (value >= 0 && value < 256) {
        sink.byte(BININT1);
        sink.byte(value);
      } else if (value >= 0 && value < 65536) {
        sink.byte(BININT2);
        sink.uint16(value);
      } else if (value >= -2147483648 && value < 2147483648) {
        sink.byte(BININT);
        sink.int32(value);
      } else writeInt(sink, BigInt(value));
    } else {
      sink.byte(BINFLOAT);
      sink.float64be(value);
    }
  } else if (typeof value === 'string') {
    sink.byte(BINUNICODE);
    sink.utf8(value);
  } else if (Array.isArray(value)) {
    sink.byte(EMPTY_LIST);
    for (let start = 0; start < value.length; start += BATCH) {
      sink.byte(MARK);
      const end = Math.min(value.length, start + BATCH);
      for (let k = start; k < end; k++) write(sink, value[k] as Picklable, `${path}[${k}]`);
      sink.byte(APPENDS);
    }
  } else if (typeof value === 'object') {
    sink.byte(EMPTY_DICT);
    const keys = Object.keys(value);
    for (let start = 0; start < keys.length; start += BATCH) {
      sink.byte(MARK);
      const end = Math.min(keys.length, start + BATCH);
      for (let k = start; k < end; k++) {
        const key = keys[k]!;
        sink.byte(BINUNICODE);
        sink.utf8(key);
        write(sink, (value as Record<string, Picklable>)[key] as Picklable, `${path}.${key}`);
      }
      sink.byte(SETITEMS);
    }
  } else {
    throw new TypeError(`pickle: cannot encode ${typeof value} at ${path || 'the root'}`);
  }
}

/** Encodes `value` as a protocol-2 pickle, as Python's `pickle.dumps(value, protocol=2)` would read it back. */
export function pickleDumps(value: Picklable): Buffer {
  const sink = new ByteSink();
  sink.byte(PROTO);
  sink.byte(2);
  write(sink, value, '');
  sink.byte(STOP);
  return sink.result();
}
