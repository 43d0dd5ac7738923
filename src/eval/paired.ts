import { Rng } from '../core/rng.js';

/**
 * Statistics over per-prompt outcomes (one boolean per distinct prompt): a percentile-bootstrap
 * interval for one model's accuracy, and for two models on the same prompts the exact McNemar test
 * and a paired-bootstrap interval of the difference. Each resample draws prompts, never samples,
 * so a prompt counts once however many draws a test set took to collect it.
 */

/** Resamples per bootstrap: the 2.5% tails of a 0–1 accuracy move by well under a point between seeds. */
export const BOOTSTRAP_RESAMPLES = 2000;

/** Percentile-bootstrap 95% interval of the mean of `xs` (resampling indices with a fixed seed). */
export function bootstrapCi95(
  xs: readonly number[],
  seed = 0,
  resamples = BOOTSTRAP_RESAMPLES,
): [number, number] {
  const n = xs.length;
  if (n === 0) return [0, 0];
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[rng.int(n)];
    means[r] = s / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * resamples)], means[Math.ceil(0.975 * resamples) - 1]];
}

/**
 * Exact two-sided McNemar test: under "A and B are equally good", each discordant prompt (solved by
 * one model only) is a fair coin, so p = P(|Binomial(b + c, ½) − (b + c)/2| ≥ |b − (b + c)/2|).
 */
export function mcnemarExact(aOnly: number, bOnly: number): number {
  const n = aOnly + bOnly;
  if (n === 0) return 1;
  const k = Math.min(aOnly, bOnly);
  // Σ_{i ≤ k} C(n, i) / 2ⁿ in log space, so n in the thousands neither overflows nor underflows.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/** A beats B (or not) on the same prompts: the difference, its paired-bootstrap interval, McNemar's p. */
export interface PairedComparison {
  a: string;
  b: string;
  /** Distinct prompts both were scored on. */
  n: number;
  accuracy_a: number;
  accuracy_b: number;
  /** accuracy_a − accuracy_b */
  diff: number;
  diff_ci95: [number, number];
  /** Prompts only A solved, only B solved. */
  a_only: number;
  b_only: number;
  /** Exact two-sided McNemar p-value. */
  p_mcnemar: number;
}

/** Compares two models' outcomes prompt by prompt; `a` and `b` must list the same prompts in the same order. */
export function comparePaired(
  names: [string, string],
  a: readonly boolean[],
  b: readonly boolean[],
  seed = 0,
): PairedComparison {
  if (a.length !== b.length) throw new Error(`paired outcomes differ in length: ${a.length} vs ${b.length}`);
  let aOnly = 0;
  let bOnly = 0;
  let sa = 0;
  let sb = 0;
  const diffs = a.map((x, i) => {
    sa += Number(x);
    sb += Number(b[i]);
    if (x && !b[i]) aOnly++;
    if (!x && b[i]) bOnly++;
    return Number(x) - Number(b[i]);
  });
  const n = a.length;
  return {
    a: names[0],
    b: names[1],
    n,
    accuracy_a: n ? sa / n : 0,
    accuracy_b: n ? sb / n : 0,
    diff: n ? (sa - sb) / n : 0,
    diff_ci95: bootstrapCi95(diffs, seed),
    a_only: aOnly,
    b_only: bOnly,
    p_mcnemar: mcnemarExact(aOnly, bOnly),
  };
}
