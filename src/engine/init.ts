/** Deterministic weight initialisation (GPT-2 style) from a seed. */

import { Rng } from '../core/rng.js';
import { type ModelConfig, parameterShapes, type Weights } from './model-config.js';

/**
 * Norm weights are 1; matrices are N(0, 0.02²), except the projections that write into the residual
 * stream (attn_output, ffn_down), scaled by 1/sqrt(2L) so the residual's variance does not grow with depth.
 */
export function initWeights(cfg: ModelConfig, seed: number): Weights {
  const rng = new Rng(seed);
  const w: Weights = new Map();
  const residualStd = 0.02 / Math.sqrt(2 * cfg.nLayers);
  for (const { name, shape } of parameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = new Float32Array(n);
    if (shape.length === 1) t.fill(1);
    else {
      const std = /attn_output|ffn_down/.test(name) ? residualStd : 0.02;
      for (let i = 0; i < n; i++) t[i] = rng.normal() * std;
    }
    w.set(name, t);
  }
  return w;
}
