/** The inputs of the prefill and scoring graphs: right-padded token batches, positions and the causal mask. */
import * as ort from 'onnxruntime-node';

/** The additive mask value that hides a key. */
export const MASKED = -1e30;

/**
 * (S,S) additive causal mask. It is the only mask right-padded batches need: a real query never sees a
 * padded key, since padding comes after it.
 */
function causalMask(S: number): Float32Array {
  const mask = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) mask[i * S + j] = MASKED;
  return mask;
}

/**
 * The feeds of a prefill-shaped graph for the sequences as one right-padded (B,S) batch: tokens, positions,
 * the causal mask, and `rows`, the flat positions b·S + t whose outputs are wanted (as rowsOf(S) lists them).
 */
export function paddedFeeds(
  seqs: number[][],
  rowsOf: (S: number) => number[],
): { S: number; feeds: Record<string, ort.Tensor> } {
  const B = seqs.length;
  const S = Math.max(...seqs.map((s) => s.length));
  const tokens = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) for (let i = 0; i < seqs[b].length; i++) tokens[b * S + i] = BigInt(seqs[b][i]);
  const rows = BigInt64Array.from(rowsOf(S), BigInt);
  return {
    S,
    feeds: {
      tokens: new ort.Tensor('int64', tokens, [B, S]),
      positions: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: S }, (_, i) => BigInt(i)),
        [1, S],
      ),
      mask: new ort.Tensor('float32', causalMask(S), [1, 1, S, S]),
      rows: new ort.Tensor('int64', rows, [rows.length]),
    },
  };
}
