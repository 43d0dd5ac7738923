/**
 * Equality of two scalar values or expressions, in order of trust:
 *
 * 1. exact rationals (the fast path: integers, fractions, decimals);
 * 2. a one-point ball check that rejects the visibly different (most wrong answers) cheaply;
 * 3. exact identity modulo random primes (algebraic.ts): rational functions, radicals of rationals, π, e, logs,
 *    huge powers, and functions as oracles of their arguments;
 * 4. ball arithmetic at random points (numeric.ts, escalating to precise.ts) where an oracle may hide an
 *    identity; it says "equal" only when the evaluation provably resolved the values.
 *
 * A numeric approximation of an exact gold is a different answer unless the caller allows approximations
 * (`allowApproximation`); see valueEquivalent and docs/verifier.md, "Stated precision".
 */

import { algebraicCompare, algebraicProportional } from './algebraic.js';
import { type Expr, show } from './ast.js';
import type { CompareOptions, Method, Verdict } from './compare.js';
import { exact, freeVars, precision } from './evaluate.js';
import { checkSeed } from './field.js';
import { sampleable } from './kinks.js';
import {
  type NumericVerdict,
  numericCompare,
  numericProportional,
  ratioSign,
  spotDifferent,
} from './numeric.js';
import { roundsToDecimal } from './precise.js';
import * as Q from './rational.js';

const yes = (method: Method): Verdict => ({ equal: true, method });
const no = (method: Method, note?: string): Verdict =>
  note ? { equal: false, method, note } : { equal: false, method };

function varsOf(...es: Expr[]): string[] {
  const out = new Set<string>();
  for (const e of es) freeVars(e, out);
  return [...out];
}

/** Exact identity first, numeric second; never "equal" on an unreliable evaluation. */
export function identical(g: Expr, r: Expr): { verdict: NumericVerdict; method: Method } {
  const vars = varsOf(g, r);
  const exactMethod: Method = vars.length > 0 ? 'symbolic' : 'exact';
  const numericMethod: Method = vars.length > 0 ? 'symbolic' : 'numeric';
  const seed = checkSeed();
  // most wrong answers are visibly wrong at one point: no need for the exact machinery
  if (spotDifferent(g, r, vars, seed)) return { verdict: 'different', method: numericMethod };
  const alg = algebraicCompare(g, r);
  // (a modular collision would need a difference divisible by two random 62-bit primes)
  if (alg === 'equal') return { verdict: 'equal', method: exactMethod };
  if (alg === 'different') return { verdict: 'different', method: exactMethod };
  if (vars.length > 0 && !sampleable([g, r])) return { verdict: 'undecided', method: numericMethod };
  return { verdict: numericCompare(g, r, vars, seed), method: numericMethod };
}

const APPROXIMATION_NOTE = 'a decimal approximation of an exact answer (allowApproximation accepts it)';

/**
 * Scalar values: exact, then identity, then the approximation policy (docs/verifier.md, "Stated precision"):
 * - a decimal may stand for a rational gold that has no finite decimal form (1/3 ~ 0.333): at least
 *   `minDecimalDigits` significant digits, correctly rounded;
 * - with `allowApproximation` (the problem asks for a decimal): a correctly rounded decimal for any exact gold
 *   (3.1416 for π), and anything that rounds to a decimal gold at its digits while being at least as precise
 *   (1.59 or 1.6 for 1.6, √17 for 4.123105625617661);
 * - everything else must be equal in value: 4.5 + 10^{-30} is not 4.5.
 */
export function valueEquivalent(g: Expr, r: Expr, o: CompareOptions): Verdict {
  const gq = exact(g);
  const rq = exact(r);
  const gsig = precision(g);
  const rsig = precision(r);
  let id: { verdict: NumericVerdict; method: Method };
  if (gq && rq) {
    if (Q.eq(gq, rq)) return yes('exact');
    id = { verdict: 'different', method: 'exact' };
  } else {
    if (show(g) === show(r)) return yes('structural');
    id = identical(g, r);
    if (id.verdict === 'equal') return yes(id.method);
  }
  const note = id.verdict === 'undecided' ? 'cannot decide equality reliably' : undefined;
  if ((gsig === undefined && rsig === undefined) || varsOf(g, r).length > 0) return no(id.method, note);

  if (gsig !== undefined) {
    // a decimal gold: its stated precision counts only when approximations are asked for
    if (!o.allowApproximation) return no(id.method, note);
    const atLeastAsPrecise = rsig === undefined || rsig >= gsig;
    const rounds = gq && rq ? Q.eq(Q.roundSig(rq, gsig), Q.roundSig(gq, gsig)) : roundsToValue(r, g, gsig);
    return gsig >= 2 && atLeastAsPrecise && rounds ? yes('numeric') : no('numeric');
  }
  // a decimal response to an exact gold
  if (rsig! < o.minDecimalDigits || (gq && Q.isInt(gq))) return no(id.method, note);
  const rounds = gq && rq ? Q.eq(Q.roundSig(gq, rsig!), rq) : roundsToValue(g, r, rsig!);
  if (!rounds) return no('numeric', note);
  if (o.allowApproximation || (gq && !terminates(gq))) return yes('numeric');
  return no('numeric', APPROXIMATION_NOTE);
}

/** a rational with a finite decimal expansion: its denominator has no prime factor but 2 and 5 */
function terminates(q: Q.Rational): boolean {
  let d = q.d;
  for (const p of [2n, 5n]) while (d % p === 0n) d /= p;
  return d === 1n;
}

/** does the value of `e` round to the decimal `target` at `sig` significant digits, certainly? */
function roundsToValue(e: Expr, target: Expr, sig: number): boolean {
  const t = exact(target);
  return t !== undefined && roundsToDecimal(e, Q.roundSig(t, sig), sig);
}

/** `a = c·b` for a constant c ≠ 0 (c > 0 when `positive`): equations and inequalities, rearranged. */
export function proportionalSides(a: Expr, b: Expr, positive: boolean): boolean {
  const vars = varsOf(a, b);
  const seed = checkSeed();
  const alg = algebraicProportional(a, b);
  if (alg === 'equal') return !positive || ratioSign(a, b, vars, seed) > 0;
  if (alg === 'different' || (vars.length > 0 && !sampleable([a, b]))) return false;
  return numericProportional(a, b, vars, positive, seed) === 'equal';
}
