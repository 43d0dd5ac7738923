import { applyStep, type CountdownStep, combine } from './arithmetic.js';

/**
 * Exhaustive depth-first check for a solution, in SoS's order (pairs i<j; +, *, −, ÷).
 * Returns the first solution found, or null when none exists. This is the ground truth for
 * "solvable"; the solvers below may fail on solvable problems, this never does.
 */
export function findSolution(nums: readonly number[], target: number): CountdownStep[] | null {
  const path: CountdownStep[] = [];
  const rec = (cur: readonly number[]): boolean => {
    if (cur.length === 1) return cur[0] === target;
    for (let i = 0; i < cur.length; i++) {
      for (let j = i + 1; j < cur.length; j++) {
        for (const step of combine(cur[i], cur[j])) {
          path.push(step);
          if (rec(applyStep(cur, i, j, step.result))) return true;
          path.pop();
        }
      }
    }
    return false;
  };
  return rec(nums) ? path : null;
}

/** Size of the full search tree below k numbers, counting every generated node (SoS's max_nodes for rating). */
export function maxNodes(k: number): number {
  let total = 1;
  for (let n = k; n >= 2; n--) total *= ((n * (n - 1)) / 2) * 4;
  return total;
}
