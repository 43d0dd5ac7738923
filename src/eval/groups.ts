/**
 * maj@k and best-of-N@k use k samples at a time. With n >= k samples of a problem we average over the
 * floor(n/k) disjoint groups of k consecutive samples (in file order): every sample is used at most once, and for
 * independent samples each group is an unbiased draw, so the mean is too. With n = k it is the usual single vote.
 */
export function groupsOf<T>(items: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start + k <= items.length; start += k) out.push(items.slice(start, start + k));
  return out;
}

/** Mean of f over the disjoint k-groups of `items` (NaN when there are fewer than k items). */
export function meanOverGroups<T>(items: readonly T[], k: number, f: (group: T[]) => number): number {
  const groups = groupsOf(items, k);
  if (groups.length === 0) return Number.NaN;
  return groups.reduce((s, g) => s + f(g), 0) / groups.length;
}
