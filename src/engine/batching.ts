/**
 * Turning token sequences into training batches: padding or packing several sequences per row,
 * the per-token loss mask, and the attention-bias and RoPE tables the model graph takes as inputs.
 */
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { ModelConfig } from './model-config.js';

export interface TrainBatch {
  batch: number; // B
  seqLen: number; // T
  tokens: Int32Array; // (B,T) inputs
  targets: Int32Array; // (B,T) next tokens
  lossMask: Float32Array; // (B,T) 1 where the target is learned (trace, solution), 0 for prompt and padding
  /** (B,T) id of the packed sequence at each position, 0 = padding; default: one sequence per row */
  segments?: Int32Array;
  /** (B,T) RoPE positions; default: counting from 0 at the start of each segment */
  positions?: Int32Array;
}

/** One training sequence; lossMask[i] says whether token i is learned (default 1; token 0 never is). */
export interface Example {
  tokens: readonly number[];
  lossMask?: readonly number[];
}

const NEG = -1e9;
const biasCache = new Map<string, Float32Array>();

/** (B,1,T,T) additive attention bias: query i sees key j iff j ≤ i and both are in the same segment. */
export function attentionBias(b: TrainBatch): Float32Array {
  const { batch: B, seqLen: T, segments } = b;
  const key = `${B}x${T}`;
  if (segments === undefined && biasCache.has(key)) return biasCache.get(key)!;
  const bias = new Float32Array(B * T * T);
  for (let r = 0; r < B; r++)
    for (let i = 0; i < T; i++) {
      const row = (r * T + i) * T;
      const si = segments ? segments[r * T + i] : 1;
      for (let j = 0; j < T; j++) {
        const ok = j <= i && (segments ? segments[r * T + j] === si : true);
        if (!ok) bias[row + j] = NEG;
      }
    }
  if (segments === undefined) biasCache.set(key, bias);
  return bias;
}

export function defaultPositions(b: TrainBatch): Int32Array {
  const { batch: B, seqLen: T, segments } = b;
  const pos = new Int32Array(B * T);
  for (let r = 0; r < B; r++)
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      pos[i] = t > 0 && (segments === undefined || segments[i] === segments[i - 1]) ? pos[i - 1] + 1 : 0;
    }
  return pos;
}

const ropeCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();

/** (P,D) tables for positions 0..P-1: cos repeated per pair, sin signed (-s, +s) per pair. */
function ropeRows(D: number, theta: number, P: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${D}|${theta}`;
  const hit = ropeCache.get(key);
  if (hit !== undefined && hit.cos.length >= P * D) return hit;
  const cos = new Float32Array(P * D);
  const sin = new Float32Array(P * D);
  for (let p = 0; p < P; p++)
    for (let i = 0; i < D / 2; i++) {
      const a = p * theta ** ((-2 * i) / D);
      cos[p * D + 2 * i] = cos[p * D + 2 * i + 1] = Math.cos(a);
      sin[p * D + 2 * i] = -Math.sin(a);
      sin[p * D + 2 * i + 1] = Math.sin(a);
    }
  const rows = { cos, sin };
  ropeCache.set(key, rows);
  return rows;
}

/** (B,T,1,D) cos and signed sin tables for llama.cpp's NORM RoPE (adjacent pairs; see model.ts). */
export function ropeTables(cfg: ModelConfig, b: TrainBatch): { cos: Float32Array; sin: Float32Array } {
  const D = cfg.dModel / cfg.nHeads;
  const pos = b.positions ?? defaultPositions(b);
  let maxPos = 0;
  for (const p of pos) maxPos = Math.max(maxPos, p);
  const rows = ropeRows(D, cfg.ropeTheta, Math.max(maxPos + 1, cfg.contextLength));
  const cos = new Float32Array(pos.length * D);
  const sin = new Float32Array(pos.length * D);
  for (let n = 0; n < pos.length; n++) {
    const src = pos[n] * D;
    const dst = n * D;
    for (let i = 0; i < D; i++) {
      cos[dst + i] = rows.cos[src + i];
      sin[dst + i] = rows.sin[src + i];
    }
  }
  return { cos, sin };
}

function emptyBatch(B: number, T: number): Required<TrainBatch> {
  return {
    batch: B,
    seqLen: T,
    tokens: new Int32Array(B * T),
    targets: new Int32Array(B * T),
    lossMask: new Float32Array(B * T),
    segments: new Int32Array(B * T),
    positions: new Int32Array(B * T),
  };
}

/** Writes example e at row r, offset t, as segment seg; returns the number of positions used. */
function place(b: Required<TrainBatch>, r: number, t: number, seg: number, e: Example): number {
  const T = b.seqLen;
  const n = Math.min(e.tokens.length - 1, T - t);
  for (let k = 0; k < n; k++) {
    const i = r * T + t + k;
    b.tokens[i] = e.tokens[k];
    b.targets[i] = e.tokens[k + 1];
    b.lossMask[i] = e.lossMask ? (e.lossMask[k + 1] ?? 1) : 1;
    b.segments[i] = seg;
    b.positions[i] = k;
  }
  return n;
}

export interface BatcherOptions {
  batchSize: number;
  seqLen: number;
  /** several sequences per row (true, default) or one per row padded (false) */
  pack?: boolean;
  /** reshuffle each epoch from this seed; default: keep the data's order */
  seed?: number;
}

/** Where a Batcher stands in its data; saved in checkpoints so a resumed run sees the same batches. */
export interface DataPosition {
  epoch: number;
  index: number;
}

/** An endless, deterministic stream of batches over the examples, epoch after epoch. */
export class Batcher {
  private readonly examples: Example[];
  private order: number[] = [];
  private orderEpoch = -1;
  position: DataPosition = { epoch: 0, index: 0 };

  constructor(
    examples: readonly Example[],
    private readonly opts: BatcherOptions,
  ) {
    this.examples = examples.filter((e) => e.tokens.length >= 2);
    if (this.examples.length === 0) throw new UserError('no training example has at least 2 tokens');
  }

  private orderFor(epoch: number): number[] {
    if (this.orderEpoch !== epoch) {
      this.order = this.examples.map((_, i) => i);
      if (this.opts.seed !== undefined)
        new Rng((this.opts.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(this.order);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  private peek(): Example {
    return this.examples[this.orderFor(this.position.epoch)[this.position.index]];
  }
  private advance(): void {
    if (++this.position.index >= this.examples.length)
      this.position = { epoch: this.position.epoch + 1, index: 0 };
  }

  /** Batches per epoch, counted on epoch 0's order. */
  batchesPerEpoch(): number {
    const saved = { ...this.position };
    this.position = { epoch: 0, index: 0 };
    let n = 0;
    while (this.position.epoch === 0) {
      this.next();
      n++;
    }
    this.position = saved;
    return n;
  }

  next(): TrainBatch {
    const { batchSize: B, seqLen: T, pack = true } = this.opts;
    const b = emptyBatch(B, T);
    const startEpoch = this.position.epoch;
    let seg = 0;
    for (let r = 0; r < B; r++) {
      let t = 0;
      // rows after the epoch's end stay padding, so an epoch never mixes into the next batch's rows
      while (this.position.epoch === startEpoch && t < T) {
        const e = this.peek();
        const need = Math.min(e.tokens.length - 1, T);
        if (t > 0 && (!pack || t + need > T)) break;
        t += place(b, r, t, ++seg, e);
        this.advance();
        if (!pack) break;
      }
    }
    return b;
  }
}

/** Every example once, in order, as fixed batches (for held-out evaluation). */
export function evalBatches(examples: readonly Example[], opts: BatcherOptions): TrainBatch[] {
  const batcher = new Batcher(examples, { ...opts, seed: undefined });
  const out: TrainBatch[] = [];
  while (batcher.position.epoch === 0) out.push(batcher.next());
  return out;
}

/**
 * Every example once, packed first-fit decreasing: longest first, each into the first row with room. For a
 * gradient over a fixed set of sequences (an RL update), where the order of rows does not matter, this fills
 * rows better than packing in order, which leaves a row's end empty whenever the next sequence does not fit
 * (sampled completions run from a few dozen tokens to the limit). Ties keep the examples' order, so the
 * batches are deterministic.
 */
export function packedBatches(
  examples: readonly Example[],
  opts: { batchSize: number; seqLen: number },
): TrainBatch[] {
  const { batchSize: B, seqLen: T } = opts;
  const usable = examples.filter((e) => e.tokens.length >= 2);
  const size = (e: Example) => Math.min(e.tokens.length - 1, T);
  const order = usable.map((_, i) => i).sort((a, b) => size(usable[b]) - size(usable[a]) || a - b);
  const rows: Array<{ free: number; items: Example[] }> = [];
  for (const i of order) {
    const e = usable[i];
    let row = rows.find((r) => r.free >= size(e));
    if (row === undefined) {
      row = { free: T, items: [] };
      rows.push(row);
    }
    row.items.push(e);
    row.free -= size(e);
  }
  const out: TrainBatch[] = [];
  for (let start = 0; start < rows.length; start += B) {
    const b = emptyBatch(B, T);
    let seg = 0;
    rows.slice(start, start + B).forEach((row, r) => {
      let t = 0;
      for (const e of row.items) t += place(b, r, t, ++seg, e);
    });
    out.push(b);
  }
  return out;
}
