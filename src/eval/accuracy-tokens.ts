/**
 * Accuracy against response length: samples sorted by token count and cut into `bins` groups of (nearly) equal
 * size; each bin reports its token range, mean tokens and the fraction correct. Shows whether long responses
 * (more search, more backtracking) pay off or signal a lost model.
 */
export interface TokenBin {
  min_tokens: number;
  max_tokens: number;
  mean_tokens: number;
  samples: number;
  accuracy: number;
}

export function accuracyByTokens(
  items: ReadonlyArray<{ tokens: number; correct: boolean }>,
  bins = 5,
): TokenBin[] {
  const sorted = [...items].sort((a, b) => a.tokens - b.tokens);
  const nb = Math.min(bins, sorted.length);
  const out: TokenBin[] = [];
  for (let b = 0; b < nb; b++) {
    const part = sorted.slice(
      Math.floor((b * sorted.length) / nb),
      Math.floor(((b + 1) * sorted.length) / nb),
    );
    if (part.length === 0) continue;
    out.push({
      min_tokens: part[0].tokens,
      max_tokens: part[part.length - 1].tokens,
      mean_tokens: part.reduce((s, x) => s + x.tokens, 0) / part.length,
      samples: part.length,
      accuracy: part.filter((x) => x.correct).length / part.length,
    });
  }
  return out;
}
