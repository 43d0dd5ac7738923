/** AdamW (Loshchilov & Hutter) with decoupled weight decay, and global-norm gradient clipping. */
import type { Weights } from './model-config.js';

export interface AdamWOptions {
  beta1?: number; // 0.9
  beta2?: number; // 0.95
  eps?: number; // 1e-8
  weightDecay?: number; // 0.1, applied to matrices only (norm gains are not decayed)
}

export interface AdamWState {
  step: number; // updates done so far
  m: Weights;
  v: Weights;
}

export function adamwState(weights: Weights): AdamWState {
  const zeros = () => new Map([...weights].map(([k, w]) => [k, new Float32Array(w.length)]));
  return { step: 0, m: zeros(), v: zeros() };
}

/** sqrt(Σ g²) over all gradients, accumulated in float64. */
export function globalNorm(grads: Weights): number {
  let s = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** Scales grads in place so their global norm is at most maxNorm; returns the norm before clipping. */
export function clipGradients(grads: Weights, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (maxNorm > 0 && norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}

/** One AdamW update of `weights` in place. `is1d` names parameters exempt from weight decay. */
export function adamwStep(
  weights: Weights,
  grads: Weights,
  state: AdamWState,
  lr: number,
  o: AdamWOptions,
  is1d: (name: string) => boolean,
): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.95;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0.1;
  state.step++;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  for (const [name, w] of weights) {
    const g = grads.get(name)!;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    const decay = is1d(name) ? 1 : 1 - lr * wd;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * decay - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}
