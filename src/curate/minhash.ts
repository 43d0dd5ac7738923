/**
 * MinHash signatures over word shingles (Broder 1997): `numPerm` independent 32-bit hash functions,
 * each keeping its minimum over the shingles, so two signatures agree in a slot with probability
 * equal to the Jaccard similarity of the shingle sets.
 */
import { hash32, normalizeForDedup, tokens } from './text.js';

export interface MinHashOptions {
  numPerm: number;
  /** words per shingle */
  shingle: number;
  seed: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { numPerm: 128, shingle: 3, seed: 1 };

export class MinHasher {
  private readonly mulA: Uint32Array;
  private readonly addB: Uint32Array;
  constructor(readonly options: MinHashOptions = DEFAULT_MINHASH) {
    this.mulA = new Uint32Array(options.numPerm);
    this.addB = new Uint32Array(options.numPerm);
    let s = options.seed >>> 0 || 1;
    const next = () => {
      // xorshift32: a fixed, seedable stream of parameters
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s >>> 0;
    };
    for (let i = 0; i < options.numPerm; i++) {
      this.mulA[i] = next() | 1;
      this.addB[i] = next();
    }
  }

  /** Shingle hashes of a problem: its normalized tokens, `shingle` at a time (the whole text if shorter). */
  shingles(problem: string): Uint32Array {
    const t = tokens(normalizeForDedup(problem));
    const k = this.options.shingle;
    if (t.length <= k) return Uint32Array.of(hash32(t.join(' ')));
    const out = new Uint32Array(t.length - k + 1);
    for (let i = 0; i + k <= t.length; i++) {
      let h = 0x811c9dc5;
      for (let j = i; j < i + k; j++) h = hash32(t[j]!, Math.imul(h ^ 0x20, 0x01000193));
      out[i] = h >>> 0;
    }
    return out;
  }

  signature(problem: string): Uint32Array {
    const sh = this.shingles(problem);
    const n = this.options.numPerm;
    const sig = new Uint32Array(n).fill(0xffffffff);
    for (let i = 0; i < n; i++) {
      const a = this.mulA[i]!;
      const b = this.addB[i]!;
      let min = 0xffffffff;
      for (let j = 0; j < sh.length; j++) {
        // multiply-add then a xor-shift mix: a cheap permutation of the 32-bit space
        let x = (Math.imul(sh[j]!, a) + b) >>> 0;
        x ^= x >>> 15;
        x = Math.imul(x, 0x2c1b3c6d) >>> 0;
        x ^= x >>> 12;
        if (x >>> 0 < min) min = x >>> 0;
      }
      sig[i] = min;
    }
    return sig;
  }
}

/** Fraction of equal slots: the estimated Jaccard similarity. */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
