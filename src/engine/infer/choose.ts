/** Picking the next token from one row of logits: greedy, temperature, top-k, top-p, min-p. */
import type { Rng } from '../../core/rng.js';

export interface ChooseOptions {
  greedy: boolean;
  temperature: number;
  topK: number; // 0 = off
  topP: number; // 1 = off
  /** keep tokens at least minP times as likely as the most likely one, after temperature (0 = off) */
  minP?: number;
}

/** log Σ exp(row), in float64. */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
  return max + Math.log(z);
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * Samples a token id from softmax(row / T) restricted to the top-k, then the top-p nucleus, then the tokens at
 * least min-p times as likely as the most likely one (the order of HF transformers' warpers).
 */
export function chooseToken(row: Float32Array, opts: ChooseOptions, rng: Rng): number {
  if (opts.greedy || opts.temperature === 0) return argmax(row);
  const V = row.length;
  const invT = 1 / opts.temperature;
  const minP = opts.minP ?? 0;
  if (!(opts.topK > 0 && opts.topK < V) && opts.topP >= 1 && minP <= 0) {
    // Plain temperature sampling, allocation-free: it runs once per sequence per step.
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (row[i] > max) max = row[i];
    let z = 0;
    for (let i = 0; i < V; i++) z += Math.exp((row[i] - max) * invT);
    let u = rng.float() * z;
    for (let i = 0; i < V; i++) {
      u -= Math.exp((row[i] - max) * invT);
      if (u < 0) return i;
    }
    return V - 1;
  }
  const ids = Array.from({ length: V }, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);
  if (opts.topK > 0 && opts.topK < V) ids.length = opts.topK;
  let max = -Infinity;
  for (const i of ids) if (row[i] > max) max = row[i];
  const p = ids.map((i) => Math.exp((row[i] - max) * invT));
  let z = 0;
  for (const v of p) z += v;
  let n = ids.length;
  if (opts.topP < 1) {
    // ids are sorted by probability: keep the shortest prefix whose mass reaches topP.
    let cum = 0;
    for (let j = 0; j < ids.length; j++) {
      cum += p[j] / z;
      if (cum >= opts.topP) {
        n = j + 1;
        break;
      }
    }
    z = 0;
    for (let j = 0; j < n; j++) z += p[j];
  }
  if (minP > 0) {
    // p[j] is relative to the most likely token (p[0] = 1), so the threshold is minP itself
    let keep = 1;
    while (keep < n && p[keep] >= minP) keep++;
    if (keep < n) {
      n = keep;
      z = 0;
      for (let j = 0; j < n; j++) z += p[j];
    }
  }
  let u = rng.float() * z;
  for (let j = 0; j < n; j++) {
    u -= p[j];
    if (u < 0) return ids[j];
  }
  return ids[n - 1];
}
