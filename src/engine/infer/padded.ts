/** The inputs of the prefill and scoring graphs: right-padded token batches, positions and the causal mask. */

/** The additive mask value that hides a key. */
export const MASKED = -1e30;

/**
 * (S,S) additive causal mask. It is the only mask right-padded batches need: a real query never sees a
 * padded key, since padding comes after it.
 */
export function causalMask(S: number): Float32Array {
  const mask = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) mask[i * S + j] = MASKED;
  return mask;
}

/** The sequences as one right-padded (B,S) batch of token ids. */
export function rightPadded(seqs: number[][]): { B: number; S: number; tokens: BigInt64Array } {
  const B = seqs.length;
  const S = Math.max(...seqs.map((s) => s.length));
  const tokens = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) for (let i = 0; i < seqs[b].length; i++) tokens[b * S + i] = BigInt(seqs[b][i]);
  return { B, S, tokens };
}

export function positionsUpTo(S: number): BigInt64Array {
  return BigInt64Array.from({ length: S }, (_, i) => BigInt(i));
}
