/**
 * Best-of-N by score: among k samples, the one with the highest `score` (a reward model's or verifier's value)
 * is the answer; ties go to the earliest. Returns its index, or -1 when a sample in the group has no score.
 */
export function bestByScore(scores: ReadonlyArray<number | undefined>, samples: readonly number[]): number {
  let best = -1;
  for (const i of samples) {
    const s = scores[i];
    if (s === undefined) return -1;
    if (best < 0 || s > scores[best]!) best = i;
  }
  return best;
}
