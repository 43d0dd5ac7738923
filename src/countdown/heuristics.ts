/** Stream of Search's two heuristic costs (lower is closer to the target). */

/** Mean distance of the numbers to the target. */
export function sumHeuristic(nums: readonly number[], target: number): number {
  if (nums.length === 1) return Math.abs(nums[0] - target);
  let s = 0;
  for (const n of nums) s += Math.abs(n - target);
  return s / nums.length;
}

const factorCache = new Map<number, number[]>();

/** Factors of the target in [2, target]; a target below 2 falls back to itself so the cost stays defined. */
function factors(target: number): number[] {
  let f = factorCache.get(target);
  if (!f) {
    f = [];
    for (let i = 2; i <= target; i++) if (target % i === 0) f.push(i);
    if (f.length === 0) f.push(target);
    factorCache.set(target, f);
  }
  return f;
}

/** Sum over numbers of the distance to the nearest factor of the target. */
export function multHeuristic(nums: readonly number[], target: number): number {
  const fs = factors(target);
  let s = 0;
  for (const n of nums) {
    let best = Number.POSITIVE_INFINITY;
    for (const f of fs) {
      const d = Math.abs(n - f);
      if (d < best) best = d;
    }
    s += best;
  }
  return s;
}

export const HEURISTICS = { sum: sumHeuristic, mult: multHeuristic } as const;
export type HeuristicName = keyof typeof HEURISTICS;
