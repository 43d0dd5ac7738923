/**
 * Escalation to high precision (bigball.ts) when doubles cannot separate two values: the precision grows with the
 * measured demand (F ≥ 2·demand + 64 bits) up to a cap and a per-check work budget; past them the comparison stays
 * undecided, which is not equal.
 */
import type { Expr } from './ast.js';
import { Undefined } from './ball.js';
import { type BigBall, BigBallEvaluator, type Budget } from './bigball.js';
import { bitLength } from './bigfloat.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

export type PointVerdict = 'equal' | 'different' | 'undecided' | 'skip';

export const MAX_PRECISION_BITS = 8192;
/** about 0.1 s of transcendental work at the largest precision */
export const CHECK_BUDGET = 4000;
const SLACK = 16n;

/** a double as the exact rational it is */
export function fromDouble(x: number): Rational {
  let k = 0;
  while (!Number.isInteger(x * 2 ** k) && k < 1100) k++;
  return Q.rat(BigInt(x * 2 ** k), 1n << BigInt(k));
}

interface Evaluated {
  value?: BigBall;
  bits: number;
  unreliable: boolean;
}

function evaluate(e: Expr, env: Record<string, Rational>, F: number, budget: Budget): Evaluated {
  const ev = new BigBallEvaluator(env, F, budget);
  try {
    const value = ev.eval(e);
    return { value, bits: ev.demand.bits, unreliable: ev.demand.unreliable };
  } catch (err) {
    if (err instanceof Undefined) return { bits: ev.demand.bits, unreliable: ev.demand.unreliable };
    throw err;
  }
}

/** One sample point at growing precision, starting from the demand doubles measured. */
export function preciseComparePoint(
  g: Expr,
  r: Expr,
  point: Record<string, number>,
  demand: number,
  budget: Budget,
): PointVerdict {
  const env = Object.fromEntries(Object.entries(point).map(([k, v]) => [k, fromDouble(v)]));
  const negative = Object.values(point).some((v) => v < 0);
  let F = Math.max(128, 2 * Math.ceil(demand) + 64);
  while (F <= MAX_PRECISION_BITS && budget.units > 0) {
    const a = evaluate(g, env, F, budget);
    const b = evaluate(r, env, F, budget);
    const unreliable = a.unreliable || b.unreliable;
    const need = Math.max(a.bits, b.bits);
    if (!a.value || !b.value) {
      if (!unreliable) return !a.value && !b.value ? 'skip' : negative ? 'skip' : 'different';
    } else {
      const [u, v] = [a.value, b.value];
      const dre = u.re - v.re;
      const dim = u.im - v.im;
      const tol = SLACK * (u.r + v.r) + 4n;
      if (dre * dre + dim * dim > tol * tol) {
        return negative && (u.im !== 0n || v.im !== 0n) ? 'skip' : 'different';
      }
      if (!unreliable && 2 * need + 64 <= F) return 'equal';
    }
    if (!Number.isFinite(need)) return 'undecided';
    F = Math.max(2 * F, 2 * Math.ceil(need) + 128);
  }
  return 'undecided';
}

/**
 * Does the value of the constant `e` round to `want` (a decimal of `sig` significant digits), certainly? The
 * ball is refined until both of its ends round the same way or the precision cap is reached.
 */
export function roundsToDecimal(e: Expr, want: Rational, sig: number): boolean {
  const budget: Budget = { units: CHECK_BUDGET };
  const scale = want.n === 0n ? 0 : Math.max(0, -Math.floor(Q.log2Abs(want)));
  for (let F = Math.ceil(sig * 3.33) + 96 + scale; F <= MAX_PRECISION_BITS && budget.units > 0; F *= 2) {
    const v = evaluate(e, {}, F, budget).value;
    if (v?.im !== 0n || bitLength(v.r) > F) return false;
    const den = 1n << BigInt(F);
    const lo = Q.roundSig(Q.rat(v.re - v.r, den), sig);
    const hi = Q.roundSig(Q.rat(v.re + v.r, den), sig);
    if (Q.eq(lo, hi)) return Q.eq(lo, want);
  }
  return false;
}
