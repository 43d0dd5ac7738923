/**
 * The decode KV cache of one Sampler batch, in JS buffers: per layer, keys and values laid out (B,H,cap,D).
 * It grows in small chunks (attention reads all `cap` slots every step, regrowing copies the cache once per
 * chunk) and is compacted in place when sequences finish; its buffers are reused between batches, as fresh ones
 * cost a page fault per first touch.
 */
import type { ModelConfig } from '../model-config.js';

/** Slots the cache grows by at a time. */
export const CACHE_CHUNK = 16;

export interface Cache {
  B: number;
  cap: number;
  k: Float32Array[];
  v: Float32Array[];
}

/** Buffers kept from a finished batch for the next one. */
export interface CacheBuffers {
  k: Float32Array[];
  v: Float32Array[];
}

/**
 * A cache for B sequences, with buffers sized once for B sequences at `maxCap` slots: growing and compacting then
 * move data within them (no allocation, no GC), and onnxruntime gets views of the used part. Reuses `spare`
 * when it is large enough.
 */
export function newCache(
  cfg: ModelConfig,
  B: number,
  cap: number,
  maxCap: number,
  spare: CacheBuffers | undefined,
): Cache {
  const size = B * cfg.dModel * maxCap;
  const reuse = spare !== undefined && spare.k[0]!.length >= size;
  return {
    B,
    cap,
    k: reuse ? spare.k : Array.from({ length: cfg.nLayers }, () => new Float32Array(size)),
    v: reuse ? spare.v : Array.from({ length: cfg.nLayers }, () => new Float32Array(size)),
  };
}

/** Regrows every (sequence, head) block of the cache to `cap` slots, in place. */
export function growCache(cfg: ModelConfig, c: Cache, cap: number): void {
  const D = cfg.dModel / cfg.nHeads;
  const old = c.cap * D;
  const now = cap * D;
  for (const buf of [...c.k, ...c.v]) {
    // Back to front: each block moves to a higher offset than any block still to be moved.
    for (let bh = c.B * cfg.nHeads - 1; bh >= 0; bh--) {
      buf.copyWithin(bh * now, bh * old, bh * old + old);
      buf.fill(0, bh * now + old, bh * now + now); // masked slots must hold finite numbers
    }
  }
  c.cap = cap;
}

/** Keeps only the cache rows of sequences `keep` (a subsequence of `rows`), in place. */
export function compactCache(cfg: ModelConfig, c: Cache, rows: number[], keep: number[]): void {
  const rowSize = cfg.dModel * c.cap; // H·cap·D floats per sequence
  const where = new Map(rows.map((s, j) => [s, j]));
  for (const buf of [...c.k, ...c.v]) {
    keep.forEach((s, j) => {
      const from = where.get(s)! * rowSize;
      if (from !== j * rowSize) buf.copyWithin(j * rowSize, from, from + rowSize);
    });
  }
  c.B = keep.length;
}
