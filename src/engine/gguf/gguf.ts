/**
 * GGUF v3 export and import of the model in model-config.ts, for llama.cpp / node-llama-cpp.
 *
 * The file uses architecture `llama` with F32 tensors under our own parameter names (which are
 * llama.cpp's), so weight bytes are written unchanged: our [out, in] row-major matrices are GGUF's
 * ne = [in, out]. Our RoPE already uses llama.cpp's NORM layout, so Q/K need no permutation.
 *
 * Tokenizer: exactly our V tokens, in our id order, so evaluating our token ids in llama.cpp gives
 * our probabilities. It is a byte-level BPE (`gpt2`) vocabulary with no merges, not SPM: llama.cpp's
 * SPM tokenizer throws an uncaught C++ exception (killing the process) on any character without a
 * token, and node-llama-cpp tokenizes "some test text here" while loading every model; BPE drops
 * unknown bytes instead, and a 64-token domain vocabulary has no room for 256 byte tokens.
 * Each token gets a GGUF type:
 *  - bos/eos/pad/`special` ids → CONTROL, unk → UNKNOWN (never produced from plain text);
 *  - single-byte characters → NORMAL, written in GPT-2's byte-to-unicode form (' ' is 'Ġ');
 *  - anything longer ("Goal", "12", "é") → USER_DEFINED: llama.cpp matches these whole, longest
 *    first, before BPE runs, and detokenizes them verbatim.
 * Text made of our tokens therefore round-trips through llama.cpp's tokenizer; characters outside
 * the vocabulary are dropped by it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import { type ModelConfig, parameterShapes, type Weights } from '../model-config.js';
import { validateWeights } from '../reference.js';

export interface GgufVocab {
  /** Text of each token, indexed by our token id; length must equal the model's vocabSize. */
  tokens: string[];
  /** Give bos/eos when the vocabulary has them: without them llama.cpp defaults both to id 11. */
  bos?: number;
  eos?: number;
  unk?: number;
  pad?: number;
  /** Other control tokens (separators, tags) that text should never tokenize into. */
  special?: number[];
}

/** GGUF metadata value types. */
const T = {
  U8: 0,
  I8: 1,
  U16: 2,
  I16: 3,
  U32: 4,
  I32: 5,
  F32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  U64: 10,
  I64: 11,
  F64: 12,
} as const;

/** llama.cpp token types. */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;
const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

export type GgufValue = number | bigint | boolean | string | GgufValue[];

type Typed =
  | { type: typeof T.U32; value: number }
  | { type: typeof T.I32; value: number }
  | { type: typeof T.F32; value: number }
  | { type: typeof T.BOOL; value: boolean }
  | { type: typeof T.STRING; value: string }
  | { type: typeof T.ARRAY; of: typeof T.STRING; value: string[] }
  | { type: typeof T.ARRAY; of: typeof T.F32 | typeof T.I32; value: number[] };

const u32 = (value: number): Typed => ({ type: T.U32, value });
const f32 = (value: number): Typed => ({ type: T.F32, value });
const str = (value: string): Typed => ({ type: T.STRING, value });

/** Growable little-endian byte buffer. */
class Writer {
  buf = Buffer.alloc(1 << 16);
  n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  u32(v: number): void {
    this.ensure(4);
    this.n = this.buf.writeUInt32LE(v, this.n);
  }
  i32(v: number): void {
    this.ensure(4);
    this.n = this.buf.writeInt32LE(v, this.n);
  }
  u64(v: number): void {
    this.ensure(8);
    this.n = this.buf.writeBigUInt64LE(BigInt(v), this.n);
  }
  f32(v: number): void {
    this.ensure(4);
    this.n = this.buf.writeFloatLE(v, this.n);
  }
  u8(v: number): void {
    this.ensure(1);
    this.n = this.buf.writeUInt8(v, this.n);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  pad(align: number): void {
    const k = (align - (this.n % align)) % align;
    this.ensure(k);
    this.buf.fill(0, this.n, this.n + k);
    this.n += k;
  }
  value(v: Typed): void {
    this.u32(v.type);
    if (v.type === T.U32) this.u32(v.value);
    else if (v.type === T.I32) this.i32(v.value);
    else if (v.type === T.F32) this.f32(v.value);
    else if (v.type === T.BOOL) this.u8(v.value ? 1 : 0);
    else if (v.type === T.STRING) this.str(v.value);
    else {
      this.u32(v.of);
      this.u64(v.value.length);
      if (v.of === T.STRING) for (const s of v.value as string[]) this.str(s);
      else if (v.of === T.F32) for (const x of v.value as number[]) this.f32(x);
      else for (const x of v.value as number[]) this.i32(x);
    }
  }
}

/** GPT-2's byte → printable character table (bytes_to_unicode), used by byte-level BPE vocabularies. */
const BYTE_TO_CHAR: string[] = (() => {
  const table: string[] = [];
  let extra = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCodePoint(printable ? b : extra++));
  }
  return table;
})();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The GGUF token text and type for each of our tokens; throws UserError on a vocabulary llama.cpp would reject. */
export function ggufTokens(vocab: GgufVocab): { texts: string[]; types: number[] } {
  const n = vocab.tokens.length;
  const control = new Set<number>(vocab.special ?? []);
  for (const id of [vocab.bos, vocab.eos, vocab.pad]) if (id !== undefined) control.add(id);
  for (const id of [...control, ...(vocab.unk === undefined ? [] : [vocab.unk])]) {
    if (!Number.isInteger(id) || id < 0 || id >= n)
      throw new UserError(`vocab: special token id ${id} is not in [0, ${n})`);
  }
  const texts: string[] = [];
  const types: number[] = [];
  const seen = new Map<string, number>();
  vocab.tokens.forEach((tok, id) => {
    if (typeof tok !== 'string' || tok.length === 0)
      throw new UserError(`vocab: token ${id} must be a non-empty string`);
    let text = tok;
    let type: number;
    const bytes = Buffer.from(tok, 'utf8');
    if (id === vocab.unk) type = TOKEN_TYPE.UNKNOWN;
    else if (control.has(id)) type = TOKEN_TYPE.CONTROL;
    else if (bytes.length === 1) {
      type = TOKEN_TYPE.NORMAL;
      text = BYTE_TO_CHAR[bytes[0]];
    } else type = TOKEN_TYPE.USER_DEFINED;
    // llama.cpp aborts the whole process on duplicate token texts.
    const prev = seen.get(text);
    if (prev !== undefined)
      throw new UserError(`vocab: tokens ${prev} and ${id} have the same text ${JSON.stringify(tok)}`);
    seen.set(text, id);
    texts.push(text);
    types.push(type);
  });
  return { texts, types };
}

/** Our token text back from a GGUF token written by ggufTokens. */
function ourTokenText(text: string, type: number | undefined): string {
  if (type !== TOKEN_TYPE.NORMAL) return text;
  const bytes = [...text].map((c) => CHAR_TO_BYTE.get(c));
  if (bytes.some((b) => b === undefined)) return text;
  return Buffer.from(bytes as number[]).toString('utf8');
}

/** Serializes the model and vocabulary as a GGUF v3 file's bytes. */
export function encodeGguf(cfg: ModelConfig, weights: Weights, vocab: GgufVocab, name = 'metacot'): Buffer {
  validateWeights(cfg, weights);
  if (vocab.tokens.length !== cfg.vocabSize) {
    throw new UserError(
      `vocab has ${vocab.tokens.length} tokens but the model's vocabSize is ${cfg.vocabSize}`,
    );
  }
  const { texts, types } = ggufTokens(vocab);
  const D = cfg.dModel / cfg.nHeads;
  const meta: Array<[string, Typed]> = [
    ['general.architecture', str('llama')],
    ['general.name', str(name)],
    ['general.alignment', u32(ALIGNMENT)],
    ['general.file_type', u32(0)], // all F32
    ['llama.vocab_size', u32(cfg.vocabSize)],
    ['llama.context_length', u32(cfg.contextLength)],
    ['llama.embedding_length', u32(cfg.dModel)],
    ['llama.block_count', u32(cfg.nLayers)],
    ['llama.feed_forward_length', u32(cfg.dFF)],
    ['llama.attention.head_count', u32(cfg.nHeads)],
    ['llama.attention.head_count_kv', u32(cfg.nHeads)],
    ['llama.rope.dimension_count', u32(D)],
    ['llama.rope.freq_base', f32(cfg.ropeTheta)],
    ['llama.attention.layer_norm_rms_epsilon', f32(cfg.normEps)],
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str('default')],
    ['tokenizer.ggml.tokens', { type: T.ARRAY, of: T.STRING, value: texts }],
    ['tokenizer.ggml.token_type', { type: T.ARRAY, of: T.I32, value: types }],
    ['tokenizer.ggml.merges', { type: T.ARRAY, of: T.STRING, value: [] }],
    ['tokenizer.ggml.add_bos_token', { type: T.BOOL, value: false }],
    ['tokenizer.ggml.add_eos_token', { type: T.BOOL, value: false }],
  ];
  const ids: Array<[string, number | undefined]> = [
    ['bos', vocab.bos],
    ['eos', vocab.eos],
    ['unknown', vocab.unk],
    ['padding', vocab.pad],
  ];
  for (const [key, id] of ids) if (id !== undefined) meta.push([`tokenizer.ggml.${key}_token_id`, u32(id)]);

  const params = parameterShapes(cfg);
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(3);
  w.u64(params.length);
  w.u64(meta.length);
  for (const [key, value] of meta) {
    w.str(key);
    w.value(value);
  }
  let offset = 0;
  for (const { name: tname, shape } of params) {
    w.str(tname);
    w.u32(shape.length);
    for (const d of [...shape].reverse()) w.u64(d); // ne[0] is the fastest-varying dimension
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil((weights.get(tname)!.length * 4) / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  for (const { name: tname } of params) {
    const t = weights.get(tname)!;
    w.bytes(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    w.pad(ALIGNMENT);
  }
  return w.buf.subarray(0, w.n);
}

/** Writes the model as a GGUF v3 file that llama.cpp (node-llama-cpp) loads. */
export async function exportGguf(
  cfg: ModelConfig,
  weights: Weights,
  vocab: GgufVocab,
  path: string,
  opts: { name?: string } = {},
): Promise<void> {
  await writeFile(path, encodeGguf(cfg, weights, vocab, opts.name));
}

export interface GgufTensorInfo {
  name: string;
  /** ne: fastest-varying dimension first, as GGUF stores it. */
  dims: number[];
  type: number;
  /** Byte offset from the start of the file. */
  offset: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  bytes: Uint8Array;
}

/** Parses a GGUF (v2/v3) file's header, metadata and tensor index; throws UserError if it is malformed. */
export function parseGguf(bytes: Uint8Array, source = 'GGUF'): GgufFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  const fail = (msg: string): never => {
    throw new UserError(`${source}: corrupt GGUF: ${msg}`);
  };
  const need = (k: number) => {
    if (p + k > bytes.length) fail(`truncated at byte ${p}`);
  };
  /** Advances past k bytes and returns where they start. */
  const take = (k: number) => {
    need(k);
    p += k;
    return p - k;
  };
  const rU32 = () => view.getUint32(take(4), true);
  const rU64 = () => {
    const v = view.getBigUint64(take(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`integer ${v} too large at byte ${p - 8}`);
    return Number(v);
  };
  const rStr = () => {
    const n = rU64();
    const at = take(n);
    try {
      return dec.decode(bytes.subarray(at, at + n));
    } catch {
      return fail(`invalid UTF-8 string at byte ${p - n}`);
    }
  };
  const rValue = (type: number): GgufValue => {
    switch (type) {
      case T.U8:
        return view.getUint8(take(1));
      case T.I8:
        return view.getInt8(take(1));
      case T.U16:
        return view.getUint16(take(2), true);
      case T.I16:
        return view.getInt16(take(2), true);
      case T.U32:
        return rU32();
      case T.I32:
        return view.getInt32(take(4), true);
      case T.F32:
        return view.getFloat32(take(4), true);
      case T.BOOL:
        return view.getUint8(take(1)) !== 0;
      case T.STRING:
        return rStr();
      case T.U64:
        return view.getBigUint64(take(8), true);
      case T.I64:
        return view.getBigInt64(take(8), true);
      case T.F64:
        return view.getFloat64(take(8), true);
      case T.ARRAY: {
        const of = rU32();
        const n = rU64();
        if (n > bytes.length - p) fail(`array of ${n} items exceeds the file`);
        const out: GgufValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = rValue(of);
        return out;
      }
      default:
        return fail(`unknown value type ${type} at byte ${p - 4}`);
    }
  };

  if (bytes.length < 4 || view.getUint32(0, true) !== MAGIC) fail('bad magic (not a GGUF file)');
  p = 4;
  const version = rU32();
  if (version !== 2 && version !== 3) fail(`unsupported version ${version}`);
  const nTensors = rU64();
  const nMeta = rU64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nMeta; i++) {
    const key = rStr();
    metadata.set(key, rValue(rU32()));
  }
  const alignment = metadata.get('general.alignment') ?? ALIGNMENT;
  if (typeof alignment !== 'number' || alignment < 1) fail(`bad general.alignment ${String(alignment)}`);
  const infos: Array<Omit<GgufTensorInfo, 'offset'> & { rel: number }> = [];
  for (let i = 0; i < nTensors; i++) {
    const name = rStr();
    const nd = rU32();
    if (nd > 4) fail(`tensor '${name}' has ${nd} dimensions`);
    const dims = Array.from({ length: nd }, rU64);
    infos.push({ name, dims, type: rU32(), rel: rU64() });
  }
  const dataStart = Math.ceil(p / (alignment as number)) * (alignment as number);
  const tensors = infos.map(({ rel, ...t }) => ({ ...t, offset: dataStart + rel }));
  for (const t of tensors) {
    if (t.type === GGML_TYPE_F32 && t.offset + 4 * t.dims.reduce((a, b) => a * b, 1) > bytes.length) {
      fail(`tensor '${t.name}' extends past the end of the file`);
    }
  }
  return { version, metadata, tensors, bytes };
}

export async function readGguf(path: string): Promise<GgufFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UserError(`cannot read GGUF file ${path}: ${(err as Error).message}`);
  }
  return parseGguf(bytes, path);
}

/** The F32 data of one tensor (a copy, so it is aligned and owned). */
export function ggufTensor(file: GgufFile, name: string): Float32Array {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) throw new UserError(`GGUF: no tensor '${name}'`);
  if (t.type !== GGML_TYPE_F32)
    throw new UserError(`GGUF: tensor '${name}' has ggml type ${t.type}, only F32 is supported`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(file.bytes.subarray(t.offset, t.offset + 4 * n));
  return out;
}

/** Reads back a llama-architecture F32 GGUF (as exportGguf writes) into our config, weights and vocabulary. */
export async function importGguf(
  path: string,
): Promise<{ cfg: ModelConfig; weights: Weights; vocab: GgufVocab }> {
  const file = await readGguf(path);
  const m = file.metadata;
  const num = (key: string): number => {
    const v = m.get(key);
    if (typeof v !== 'number')
      throw new UserError(`${path}: GGUF metadata '${key}' is missing or not a number`);
    return v;
  };
  if (m.get('general.architecture') !== 'llama') {
    throw new UserError(
      `${path}: architecture is '${String(m.get('general.architecture'))}', expected 'llama'`,
    );
  }
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  if (embd === undefined) throw new UserError(`${path}: no tensor 'token_embd.weight'`);
  const cfg: ModelConfig = {
    vocabSize: embd.dims[1],
    dModel: num('llama.embedding_length'),
    nLayers: num('llama.block_count'),
    nHeads: num('llama.attention.head_count'),
    dFF: num('llama.feed_forward_length'),
    contextLength: num('llama.context_length'),
    tiedEmbeddings: !file.tensors.some((t) => t.name === 'output.weight'),
    ropeTheta: num('llama.rope.freq_base'),
    normEps: num('llama.attention.layer_norm_rms_epsilon'),
  };
  const kv = m.get('llama.attention.head_count_kv');
  if (kv !== undefined && kv !== cfg.nHeads)
    throw new UserError(`${path}: grouped-query attention is not supported`);
  const weights: Weights = new Map();
  for (const { name, shape } of parameterShapes(cfg)) {
    const t = file.tensors.find((x) => x.name === name);
    if (t === undefined) throw new UserError(`${path}: no tensor '${name}'`);
    if (t.dims.join(',') !== [...shape].reverse().join(',')) {
      throw new UserError(`${path}: tensor '${name}' has ne [${t.dims}], expected [${[...shape].reverse()}]`);
    }
    weights.set(name, ggufTensor(file, name));
  }
  validateWeights(cfg, weights);
  const texts = m.get('tokenizer.ggml.tokens');
  const types = m.get('tokenizer.ggml.token_type');
  if (!Array.isArray(texts) || texts.length !== cfg.vocabSize) {
    throw new UserError(`${path}: tokenizer.ggml.tokens must list ${cfg.vocabSize} tokens`);
  }
  const id = (key: string) => {
    const v = m.get(`tokenizer.ggml.${key}_token_id`);
    return typeof v === 'number' ? v : undefined;
  };
  const vocab: GgufVocab = {
    tokens: texts.map((t, i) =>
      ourTokenText(String(t), Array.isArray(types) ? (types[i] as number) : undefined),
    ),
  };
  const special: number[] = [];
  for (const [key, field] of [
    ['bos', 'bos'],
    ['eos', 'eos'],
    ['unknown', 'unk'],
    ['padding', 'pad'],
  ] as const) {
    const v = id(key);
    if (v !== undefined) vocab[field] = v;
  }
  if (Array.isArray(types)) {
    types.forEach((t, i) => {
      if (t === TOKEN_TYPE.CONTROL && ![vocab.bos, vocab.eos, vocab.pad].includes(i)) special.push(i);
    });
  }
  if (special.length > 0) vocab.special = special;
  return { cfg, weights, vocab };
}
