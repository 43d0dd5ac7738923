import type { CountdownStep, Op } from './arithmetic.js';

/**
 * Exhaustive depth-first check for a solution, in SoS's order (pairs i<j; +, *, −, ÷), returning
 * the first solution found, or null when none exists. This is the ground truth for "solvable"
 * (the symbolic solvers may fail on solvable problems; this never does).
 *
 * It is the generator's hot loop (most random draws are checked to exhaustion), so it works in
 * preallocated per-depth buffers and records steps only on the way back from a success.
 */
export function findSolution(nums: readonly number[], target: number): CountdownStep[] | null {
  const k = nums.length;
  if (k === 0) return null;
  if (k === 1) return nums[0] === target ? [] : null;
  const bufs: number[][] = Array.from({ length: k + 1 }, (_, n) => new Array<number>(n).fill(0));
  for (let i = 0; i < k; i++) bufs[k][i] = nums[i];
  const path: CountdownStep[] = [];

  const rec = (n: number): boolean => {
    const cur = bufs[n];
    if (n === 2) return lastStep(cur[0], cur[1], target, path);
    const next = bufs[n - 1];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = cur[i];
        const b = cur[j];
        let w = 0; // rec(n − 1) only reads `next` and writes deeper buffers
        for (let m = 0; m < n; m++) if (m !== i && m !== j) next[w++] = cur[m];
        const hi = Math.max(a, b);
        const lo = Math.min(a, b);
        const canDivide = lo !== 0 && hi % lo === 0;
        for (let o = 0; o < 4; o++) {
          let r: number;
          if (o === 0) r = a + b;
          else if (o === 1) r = a * b;
          else if (o === 2) r = hi - lo;
          else if (canDivide) r = hi / lo;
          else break;
          next[w] = r;
          if (rec(n - 1)) {
            path.push(o < 2 ? { a, b, op: OPS[o], result: r } : { a: hi, b: lo, op: OPS[o], result: r });
            return true;
          }
        }
      }
    }
    return false;
  };
  return rec(k) ? path.reverse() : null;
}

const OPS: Op[] = ['+', '*', '-', '/'];

function lastStep(a: number, b: number, target: number, path: CountdownStep[]): boolean {
  if (a + b === target) path.push({ a, b, op: '+', result: target });
  else if (a * b === target) path.push({ a, b, op: '*', result: target });
  else {
    const hi = Math.max(a, b);
    const lo = Math.min(a, b);
    if (hi - lo === target) path.push({ a: hi, b: lo, op: '-', result: target });
    else if (lo !== 0 && hi % lo === 0 && hi / lo === target)
      path.push({ a: hi, b: lo, op: '/', result: target });
    else return false;
  }
  return true;
}

/** Size of the full search tree below k numbers, counting every generated node (SoS's max_nodes for rating). */
export function maxNodes(k: number): number {
  let total = 1;
  for (let n = k; n >= 2; n--) total *= ((n * (n - 1)) / 2) * 4;
  return total;
}
