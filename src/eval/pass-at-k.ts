/**
 * pass@k, the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code"):
 * with n samples of which c are correct, the probability that at least one of k samples drawn without
 * replacement is correct, 1 - C(n-c, k) / C(n, k). Computed as a product, 1 - Π_{i=n-c+1..n} (1 - k/i),
 * which never forms the huge binomials (the paper's numerically stable form).
 */
import { UserError } from '../core/errors.js';

export function passAtK(n: number, c: number, k: number): number {
  if (
    !Number.isInteger(n) ||
    !Number.isInteger(c) ||
    !Number.isInteger(k) ||
    n < 1 ||
    k < 1 ||
    c < 0 ||
    c > n
  )
    throw new UserError(`pass@k: need integers n >= 1, 0 <= c <= n, k >= 1 (got n=${n}, c=${c}, k=${k})`);
  if (k > n) throw new UserError(`pass@${k}: needs at least ${k} samples per problem, got ${n}`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** Mean pass@k over problems, each given as its sample count n and correct count c. */
export function meanPassAtK(problems: ReadonlyArray<{ n: number; c: number }>, k: number): number {
  if (problems.length === 0) return Number.NaN;
  return problems.reduce((s, p) => s + passAtK(p.n, p.c, k), 0) / problems.length;
}
