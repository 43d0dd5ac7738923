import { describe, expect, it } from 'vitest';
import { decodeFlops, generationFlops, headFlops, sequenceFlops } from './flops.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from './model-config.js';

const cfg: ModelConfig = { ...DEFAULT_MODEL_CONFIG, vocabSize: 64 };

describe('flops', () => {
  it('counts 2 FLOPs per multiply-add of the projections, MLP, head and causal attention', () => {
    // one token: 4 layers × (q,k,v,o: 4·128² + gate, up, down: 3·128·384) + head 128·64, and q·k, p·v over 1 key
    const body = 2 * 4 * (4 * 128 * 128 + 3 * 128 * 384);
    expect(sequenceFlops(cfg, 1)).toBe(body + 2 * 128 * 64 + 4 * 4 * 128);
    // three tokens see 1 + 2 + 3 keys
    expect(sequenceFlops(cfg, 3)).toBe(3 * body + 3 * headFlops(cfg) + 4 * 4 * 128 * 6);
    expect(sequenceFlops(cfg, 3, 1)).toBe(sequenceFlops(cfg, 3) - 2 * headFlops(cfg));
  });

  it('a generation costs its prompt once and one decode step per further token, each seeing one more key', () => {
    const prompt = sequenceFlops(cfg, 5, 1);
    expect(generationFlops(cfg, 5, 1)).toBe(prompt);
    expect(generationFlops(cfg, 5, 3)).toBe(prompt + decodeFlops(cfg, 5) + decodeFlops(cfg, 6));
    expect(decodeFlops(cfg, 6) - decodeFlops(cfg, 5)).toBe(4 * 4 * 128);
    // decoding a whole sequence token by token does the work of one causal pass over it
    const n = 9;
    let steps = sequenceFlops(cfg, 1);
    for (let pos = 1; pos < n; pos++) steps += decodeFlops(cfg, pos);
    expect(steps).toBe(sequenceFlops(cfg, n));
  });
});
