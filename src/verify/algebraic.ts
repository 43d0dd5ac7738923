/**
 * Exact identity testing by evaluation modulo random primes (field.ts).
 *
 * Each side is mapped into F_{p²} by a ring homomorphism: rationals to residues, free variables to random
 * residues, i to i, radicals of rationals to roots over a shared basis (powers.ts), huge integer powers by
 * exponent reduction. So a polynomial or rational-function identity, however large its exponents or tiny its
 * coefficients, is decided exactly (Schwartz–Zippel: a non-zero difference vanishes at a random point of a
 * random 62-bit prime field with negligible probability).
 *
 * What has no algebraic meaning becomes an atom (modeval.ts). π, e and logarithms of primes are independent
 * unknowns (believed algebraically independent): a difference that survives is a real difference. Other
 * functions are random oracles of their arguments' residues, so equal arguments give equal values
 * (`\sin(10^{30}x)` = `\sin(x·10^{30})`), but some identities between different arguments (sin 2x =
 * 2 sin x cos x) are not seen: a difference involving an oracle is inconclusive, for numeric.ts.
 */
import { type Expr, mapChildren } from './ast.js';
import { exact } from './evaluate.js';
import { checkSeed, type F2, type Field, fields, Rng } from './field.js';
import { ev, type Point, type Session, Unsupported } from './modeval.js';
import { type PowerProduct, powerProduct, RadicalBasis } from './powers.js';
import { rewriteSpecial } from './special.js';

/** radicals with a constant radicand: `\sqrt{12}`, `2^{1/3}`, `(-4)^{1/2}` */
function collectRadicals(e: Expr, out: Map<Expr, PowerProduct>): void {
  const visit = (x: Expr): void => collectRadicals(x, out);
  switch (e.t) {
    case 'pow': {
      const k = exact(e.b);
      if (k && k.d !== 1n) {
        const pp = powerProduct(e);
        if (pp) out.set(e, pp);
      }
      visit(e.a);
      visit(e.b);
      return;
    }
    case 'fn': {
      if ((e.name === 'sqrt' || e.name === 'root') && !exact(e)) {
        const pp = powerProduct(e);
        if (pp) out.set(e, pp);
      }
      e.args.forEach(visit);
      return;
    }
    case 'add':
    case 'mul':
      e.a.forEach(visit);
      return;
    case 'neg':
    case 'pct':
      visit(e.a);
      return;
    case 'div':
      visit(e.a);
      visit(e.b);
      return;
    default:
      return;
  }
}

const NO_RADICALS = new RadicalBasis([]);

export function session(exprs: Expr[]): Session {
  const radicals = new Map<Expr, PowerProduct>();
  for (const e of exprs) collectRadicals(e, radicals);
  let basis = radicals.size > 0 ? new RadicalBasis([...radicals.values()]) : NO_RADICALS;
  if (!basis.supported) {
    // roots the basis cannot embed (8th roots, complex roots of −1 other than i) stay opaque atoms
    radicals.clear();
    basis = NO_RADICALS;
  }
  return { radicals, basis, seed: checkSeed(), opaque: false };
}

export type AlgebraicVerdict =
  /** identical as functions of the variables and atoms: equal */
  | 'equal'
  /** different, and no opaque function was involved: different over the reals */
  | 'different'
  /** different modulo p, but an opaque atom may hide a real identity */
  | 'inconclusive'
  /** could not be evaluated (infinity, structures, division by zero everywhere) */
  | 'unknown';

const PRIMES_PER_CHECK = 2;
const TRIES_PER_PRIME = 4;

/**
 * Evaluates each expression of `exprs` at the same random points of several random prime fields, and reports
 * whether `test` holds at every point (one point per prime; retried where a division by zero occurs).
 */
function modular(exprs: Expr[], test: (f: Field, vals: F2[]) => boolean): AlgebraicVerdict {
  const rewritten = exprs.map(rewriteSpecial);
  const s = session(rewritten);
  const rng = new Rng(s.seed);
  let points = 0;
  try {
    for (const f of fields(PRIMES_PER_CHECK, s.basis.oddPrimes, rng)) {
      for (let t = 0; t < TRIES_PER_PRIME; t++) {
        const pt: Point = { f, s, vars: new Map(), roots: new Map(), rng };
        const vals: F2[] = [];
        for (const e of rewritten) {
          const v = ev(e, pt);
          if (!v) break;
          vals.push(v);
        }
        if (vals.length < rewritten.length) continue;
        if (!test(f, vals)) return s.opaque ? 'inconclusive' : 'different';
        points++;
        break;
      }
    }
  } catch (err) {
    if (err instanceof Unsupported) return 'unknown';
    throw err;
  }
  return points === PRIMES_PER_CHECK ? 'equal' : 'unknown';
}

/** Are two scalar expressions identical? */
export function algebraicCompare(g: Expr, r: Expr): AlgebraicVerdict {
  return modular([g, r], (f, [a, b]) => f.eq(a!, b!));
}

/**
 * Is a = c·b for a constant c ≠ 0 (or are both identically zero)? Two points per prime, so the ratio is
 * checked against itself: a(x)·b(y) = a(y)·b(x).
 */
export function algebraicProportional(a: Expr, b: Expr): AlgebraicVerdict {
  const y = renameVars(a, b);
  return modular([a, b, y.a, y.b], (f, [ax, bx, ay, by]) => {
    if (f.isZero(bx!) !== f.isZero(ax!) || f.isZero(by!) !== f.isZero(ay!)) return false;
    return f.eq(f.mul(ax!, by!), f.mul(ay!, bx!));
  });
}

/** copies of a and b with every variable renamed, so they are evaluated at a second, independent point */
function renameVars(a: Expr, b: Expr): { a: Expr; b: Expr } {
  const rename = (e: Expr): Expr =>
    e.t === 'var' ? { t: 'var', name: `${e.name}′` } : mapChildren(e, rename);
  return { a: rename(a), b: rename(b) };
}
