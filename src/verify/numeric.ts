/**
 * Numeric equality where exact methods cannot decide: ball evaluation (ball.ts) at random points.
 *
 * "Equal" needs agreement within the error radius at every sample point *and* a met precision demand; a point
 * doubles cannot resolve is re-evaluated at high precision (precise.ts). A check that still cannot separate the
 * values is undecided, and undecided is not equal.
 */
import type { Expr } from './ast.js';
import { type Ball, BallEvaluator, type Demand, Undefined } from './ball.js';
import type { Budget } from './bigball.js';
import { Rng } from './field.js';
import { CHECK_BUDGET, type PointVerdict, preciseComparePoint } from './precise.js';

export type NumericVerdict = 'equal' | 'different' | 'undecided';

/** precision demand (bits) that doubles resolve with a margin: 2·22 + slack < 53 */
export const DOUBLE_DEMAND = 22;
/** agreement within this many error radii counts as equal */
const SLACK = 16;
const EPS = 2 ** -52;

// ---------- sample points ----------

/** free variables' values: 6 positive points, then 4 with each variable negative in turn */
function samplePoints(vars: string[], rng: Rng, count = 10): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (let k = 0; k < count; k++) {
    const env: Record<string, number> = {};
    vars.forEach((v, j) => {
      // 24-bit dyadic values in [0.25, 3): products of a few stay exact in doubles
      const x = (2 ** 20 + Math.floor(rng.unit() * 11 * 2 ** 20)) / 2 ** 22;
      env[v] = k >= 6 && (k + j) % 2 === 0 ? -x : x;
    });
    out.push(env);
  }
  return out;
}

// ---------- identity tests ----------

interface Evaluated {
  value?: Ball;
  demand: Demand;
}

function evaluate(e: Expr, env: Record<string, number>): Evaluated {
  const ev = new BallEvaluator(env);
  try {
    return { value: ev.eval(e), demand: ev.demand };
  } catch (err) {
    if (err instanceof Undefined) return { demand: ev.demand };
    throw err;
  }
}

function comparePoint(g: Expr, r: Expr, env: Record<string, number>, budget: Budget): PointVerdict {
  const a = evaluate(g, env);
  const b = evaluate(r, env);
  const unreliable = a.demand.unreliable || b.demand.unreliable;
  const negative = Object.values(env).some((v) => v < 0);
  if (!a.value || !b.value) {
    if (unreliable) return preciseComparePoint(g, r, env, DOUBLE_DEMAND, budget);
    // defined on one side only: a real difference, except where a negative input may leave the real domain
    return !a.value && !b.value ? 'skip' : negative ? 'skip' : 'different';
  }
  const [u, v] = [a.value, b.value];
  const d = Math.hypot(u.re - v.re, u.im - v.im);
  const escalate = (): PointVerdict =>
    preciseComparePoint(g, r, env, Math.max(a.demand.bits, b.demand.bits, DOUBLE_DEMAND), budget);
  const tol = SLACK * (u.r + v.r) + 4 * EPS * (Math.hypot(u.re, u.im) + Math.hypot(v.re, v.im));
  if (d > tol) {
    // branch cuts: sqrt(1/n) and 1/sqrt(n) differ for n < 0 only by the choice of complex root
    if (negative && (u.im !== 0 || v.im !== 0)) return 'skip';
    return 'different';
  }
  if (unreliable || Math.max(a.demand.bits, b.demand.bits) > DOUBLE_DEMAND) return escalate();
  return 'equal';
}

/** Randomized identity test of two scalar expressions in `vars` (none for constants). */
export function numericCompare(g: Expr, r: Expr, vars: string[], seed: bigint): NumericVerdict {
  const budget: Budget = { units: CHECK_BUDGET };
  if (vars.length === 0) {
    const v = comparePoint(g, r, {}, budget);
    return v === 'skip' ? 'undecided' : v;
  }
  const points = samplePoints(vars, new Rng(seed));
  let agree = 0;
  let undecided = false;
  for (const env of points) {
    const v = comparePoint(g, r, env, budget);
    if (v === 'different') return 'different';
    if (v === 'undecided') undecided = true;
    if (v === 'equal') agree++;
  }
  return undecided || agree < 4 ? 'undecided' : 'equal';
}

/**
 * A cheap first look: are the values grossly different (relative 1e-6) at one positive point? Only real,
 * reliably evaluated values count, so branch choices and rounding never reject an identity.
 */
export function spotDifferent(g: Expr, r: Expr, vars: string[], seed: bigint): boolean {
  const env = vars.length === 0 ? {} : samplePoints(vars, new Rng(seed), 1)[0]!;
  const a = evaluate(g, env);
  const b = evaluate(r, env);
  if (!a.value || !b.value || a.value.im !== 0 || b.value.im !== 0) return false;
  if (a.demand.unreliable || b.demand.unreliable) return false;
  const d = Math.abs(a.value.re - b.value.re) - SLACK * (a.value.r + b.value.r);
  return d > 1e-6 * Math.max(Math.abs(a.value.re), Math.abs(b.value.re), 1);
}

/** Is a = c·b for a constant c (positive when `positive`), judged at random points? */
export function numericProportional(
  a: Expr,
  b: Expr,
  vars: string[],
  positive: boolean,
  seed: bigint,
): NumericVerdict {
  const points = vars.length === 0 ? [{}] : samplePoints(vars, new Rng(seed));
  let ratio: Ball | undefined;
  let valid = 0;
  let undecided = false;
  for (const env of points) {
    const u = evaluate(a, env);
    const v = evaluate(b, env);
    if (!u.value || !v.value) {
      if (u.demand.unreliable || v.demand.unreliable) undecided = true;
      continue;
    }
    if (u.value.im !== 0 || v.value.im !== 0) continue;
    if (u.demand.unreliable || v.demand.unreliable || Math.max(u.demand.bits, v.demand.bits) > DOUBLE_DEMAND)
      undecided = true;
    const zu = Math.abs(u.value.re) <= u.value.r;
    const zv = Math.abs(v.value.re) <= v.value.r;
    if (zu && zv) {
      // both sides vanish here: certain only when both are exact zeros
      if (u.value.r === 0 && v.value.r === 0) valid++;
      else undecided = true;
      continue;
    }
    if (zu || zv) {
      // one side certainly non-zero, the other zero or unresolved
      if ((zu && u.value.r === 0) || (zv && v.value.r === 0)) return 'different';
      undecided = true;
      continue;
    }
    const q = new BallEvaluator(env).div(u.value, v.value);
    if (ratio && Math.abs(q.re - ratio.re) > SLACK * (q.r + ratio.r)) return 'different';
    ratio ??= q;
    valid++;
  }
  if (ratio && positive && ratio.re < 0) return 'different';
  if (undecided || valid < Math.min(4, points.length)) return 'undecided';
  return 'equal';
}

/** The sign of a(x)/b(x) at a random point where both are resolved: for inequalities. */
export function ratioSign(a: Expr, b: Expr, vars: string[], seed: bigint): number {
  const points = vars.length === 0 ? [{}] : samplePoints(vars, new Rng(seed));
  for (const env of points) {
    const u = evaluate(a, env).value;
    const v = evaluate(b, env).value;
    if (!u || !v || u.im !== 0 || v.im !== 0) continue;
    if (Math.abs(u.re) > u.r && Math.abs(v.re) > v.r) return Math.sign(u.re) * Math.sign(v.re);
  }
  return 0;
}

// ---------- a value's place on the line, for ordering set endpoints (realset.ts) ----------

/** The value at one point with its rigorous error radius; undefined where it has none or doubles cannot tell. */
export function approximate(e: Expr, env: Record<string, number>): Ball | undefined {
  const a = evaluate(e, env);
  return a.value && !a.demand.unreliable ? a.value : undefined;
}
