/**
 * Where sampling proves nothing: a piecewise function of the variables, or an even root of a perfect square, has
 * kinks, and a difference can live between two kinks that no sample point hits
 * (`\\max(0, 10^{-3} - (x-1)^2)`, `|x-a| - 2|x-m| + |x-b|`, `\\sqrt{(x-a)^2} - …`). Such comparisons are decided
 * exactly or not at all.
 */
import { session } from './algebraic.js';
import type { Expr } from './ast.js';
import { exact, freeVars } from './evaluate.js';
import { fields, modPow, Rng } from './field.js';
import { ev, Unsupported } from './modeval.js';
import { rewriteSpecial } from './special.js';

const PIECEWISE = new Set(['floor', 'ceil', 'max', 'min', 'abs', 'gcd', 'lcm']);

/**
 * A piecewise function of the variables (`\max(0, 10^{-3} - (x-1)^2)`, `|x-a| - 2|x-m| + |x-b|`) can be zero
 * everywhere but on an interval no sample hits: agreement at sample points proves nothing about it.
 */
function piecewiseInVariables(e: Expr): boolean {
  switch (e.t) {
    case 'fn':
      return (
        (PIECEWISE.has(e.name) && e.args.some((a) => freeVars(a).size > 0)) ||
        e.args.some(piecewiseInVariables)
      );
    case 'add':
    case 'mul':
      return e.a.some(piecewiseInVariables);
    case 'neg':
    case 'pct':
      return piecewiseInVariables(e.a);
    case 'div':
    case 'pow':
      return piecewiseInVariables(e.a) || piecewiseInVariables(e.b);
    default:
      return false;
  }
}

/** radicands of square roots (and other even roots) that depend on the variables */
function evenRadicands(e: Expr, out: Expr[]): Expr[] {
  const visit = (x: Expr): void => {
    evenRadicands(x, out);
  };
  const even = (n: Expr | undefined): boolean => {
    const q = n && exact(n);
    return q !== undefined && q.d % 2n === 0n;
  };
  switch (e.t) {
    case 'fn': {
      const [u, n] = e.args;
      const evenRoot =
        e.name === 'sqrt' || (e.name === 'root' && exact(n!)?.n !== undefined && exact(n!)!.n % 2n === 0n);
      if (evenRoot && freeVars(u!).size > 0) out.push(u!);
      e.args.forEach(visit);
      break;
    }
    case 'pow':
      if (even(e.b) && freeVars(e.a).size > 0) out.push(e.a);
      visit(e.a);
      visit(e.b);
      break;
    case 'add':
    case 'mul':
      e.a.forEach(visit);
      break;
    case 'neg':
    case 'pct':
      visit(e.a);
      break;
    case 'div':
      visit(e.a);
      visit(e.b);
      break;
    default:
      break;
  }
  return out;
}

const SQUARE_TRIALS = 12;

/**
 * Does some even root take a radicand that is a perfect square (`\sqrt{(x-1)^2}` = |x − 1|)? Such a root has a
 * kink where the radicand touches zero, so differences can hide between two kinks. A square takes only
 * quadratic-residue values modulo p; anything else fails that test at a random point half the time.
 */
function hasSquareRadicand(exprs: Expr[]): boolean {
  const radicands = exprs.flatMap((e) => evenRadicands(e, []));
  if (radicands.length === 0) return false;
  const s = session(radicands);
  const rng = new Rng(s.seed);
  const [f] = fields(1, s.basis.oddPrimes, rng);
  try {
    return radicands.some((u) => {
      let residues = 0;
      for (let t = 0; t < SQUARE_TRIALS; t++) {
        const v = ev(u, { f: f!, s, vars: new Map(), roots: new Map(), rng });
        if (!v) continue;
        if (v[1] !== 0n) return false;
        if (v[0] !== 0n && modPow(v[0], (f!.p - 1n) / 2n, f!.p) !== 1n) return false;
        residues++;
      }
      return residues >= SQUARE_TRIALS / 2;
    });
  } catch (err) {
    if (err instanceof Unsupported) return false;
    throw err;
  }
}

/** Can agreement at sample points stand for agreement everywhere? */
export function sampleable(exprs: Expr[]): boolean {
  const rewritten = exprs.map(rewriteSpecial);
  return !rewritten.some(piecewiseInVariables) && !hasSquareRadicand(rewritten);
}
