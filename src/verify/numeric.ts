/**
 * Numeric equality: stated-precision rounding, float closeness, huge integers by logarithm and modular residues,
 * and randomized identity tests for expressions with free variables.
 */
import type { Expr } from './ast.js';
import type { CompareOptions } from './compare.js';
import { type C, EvaluationError, exact, log2Magnitude, numeric } from './evaluate.js';

/** Decimal answers: a stated precision is honoured in both directions (see docs/verifier.md). */
export function roundingEqual(
  g: number,
  r: number,
  gsig: number | undefined,
  rsig: number | undefined,
  gIsInt: boolean,
  o: CompareOptions,
): boolean {
  if (!Number.isFinite(g) || !Number.isFinite(r)) return false;
  if (close(g, r, o.relTol)) return true;
  // gold 1.6 (stated to 2 digits) accepts 1.59 and 1.6; gold 0.5 accepts only 0.5
  if (gsig !== undefined && gsig >= 2 && (rsig === undefined || rsig >= gsig)) {
    return close(Number(r.toPrecision(gsig)), Number(g.toPrecision(gsig)), 1e-12);
  }
  // gold 1/3 accepts 0.333 (3+ digits), never a rounded integer gold
  if (gsig === undefined && rsig !== undefined && rsig >= o.minDecimalDigits && !gIsInt) {
    return close(Number(g.toPrecision(rsig)), r, 1e-12);
  }
  return false;
}

export function close(a: number, b: number, tol: number): boolean {
  if (a === b) return true;
  const m = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= tol * m;
}

export function complexClose(a: C, b: C, tol: number): boolean {
  if (![a.re, a.im, b.re, b.im].every(Number.isFinite)) return a.re === b.re && a.im === b.im;
  const m = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  const d = Math.hypot(a.re - b.re, a.im - b.im);
  return d <= tol * m || (m < 1e-300 && d === 0);
}

const PRIMES = [1_000_000_007n, 998_244_353n, 1_000_000_009n];

/** Huge exact integers (`2^{2^{40}}`): compare magnitudes by logarithm and values modulo three primes. */
export function hugeEqual(g: Expr, r: Expr): boolean | 'undecidable' | undefined {
  const lg = log2Magnitude(g);
  const lr = log2Magnitude(r);
  if (lg === undefined || lr === undefined) return undefined;
  if (Math.max(lg, lr) < 1000) return undefined;
  if (Math.abs(lg - lr) > 1e-9 * Math.max(lg, lr)) return false;
  for (const p of PRIMES) {
    const a = modValue(g, p);
    const b = modValue(r, p);
    if (a === undefined || b === undefined) return 'undecidable';
    if (a !== b) return false;
  }
  return true;
}

function modPow(b: bigint, e: bigint, p: bigint): bigint {
  let r = 1n;
  b %= p;
  if (b < 0n) b += p;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % p;
    b = (b * b) % p;
    e >>= 1n;
  }
  return r;
}

function modValue(e: Expr, p: bigint): bigint | undefined {
  switch (e.t) {
    case 'num':
      return e.v.d === 1n ? ((e.v.n % p) + p) % p : undefined;
    case 'neg': {
      const a = modValue(e.a, p);
      return a === undefined ? undefined : (p - a) % p;
    }
    case 'add':
    case 'mul': {
      let acc = e.t === 'add' ? 0n : 1n;
      for (const x of e.a) {
        const v = modValue(x, p);
        if (v === undefined) return undefined;
        acc = e.t === 'add' ? (acc + v) % p : (acc * v) % p;
      }
      return acc;
    }
    case 'pow': {
      const a = modValue(e.a, p);
      // exponent reduced mod p-1 (Fermat), valid when the base is not a multiple of p
      const ex = exponentMod(e.b, p - 1n);
      if (a === undefined || ex === undefined || a === 0n) return undefined;
      return modPow(a, ex, p);
    }
    default:
      return undefined;
  }
}

function exponentMod(e: Expr, m: bigint): bigint | undefined {
  const q = exact(e);
  if (q) return q.d === 1n && q.n >= 0n ? q.n % m : undefined;
  if (e.t === 'pow') {
    const base = exact(e.a);
    const ex = exact(e.b);
    if (!base || !ex || base.d !== 1n || ex.d !== 1n || ex.n < 0n) return undefined;
    // a^(huge) mod m, with the exponent itself reduced only via direct modPow (m is not prime: use CRT-free path)
    return modPow(base.n, ex.n, m);
  }
  return undefined;
}

// ---------- expressions with free variables ----------

const POINTS = [0.5377, 1.8339, 0.2588, 0.8622, 1.3188, -1.3077, 0.6715, -0.4336, 2.7694, 0.3426];

function env(vars: string[], k: number): Record<string, number> {
  const out: Record<string, number> = {};
  vars.forEach((v, j) => {
    out[v] = POINTS[(k + 3 * j) % POINTS.length]! + 0.1 * j;
  });
  return out;
}

/** Randomized identity test: agree at every sample point where both sides are defined, at least 4 of them. */
export function functionEqual(g: Expr, r: Expr, vars: string[]): boolean {
  let valid = 0;
  for (let k = 0; k < POINTS.length; k++) {
    const x = env(vars, k);
    let a: C;
    let b: C;
    try {
      a = numeric(g, x);
      b = numeric(r, x);
    } catch (err) {
      if (err instanceof EvaluationError) continue;
      throw err;
    }
    const fa = Number.isFinite(a.re) && Number.isFinite(a.im);
    const fb = Number.isFinite(b.re) && Number.isFinite(b.im);
    if (!fa && !fb) continue;
    const negative = Object.values(x).some((v) => v < 0);
    if (fa !== fb) {
      if (negative) continue;
      return false;
    }
    if (!complexClose(a, b, 1e-8) && !(Math.hypot(a.re - b.re, a.im - b.im) < 1e-10)) {
      // branch cuts: sqrt(1/n) and 1/sqrt(n) differ for n < 0 only by the choice of complex root
      if (negative && (Math.abs(a.im) > 1e-12 || Math.abs(b.im) > 1e-12)) continue;
      return false;
    }
    valid++;
  }
  return valid >= 4;
}

/** f1 = c·f2 at every sample point, with c constant (and positive for inequalities). */
export function proportional(a: Expr, b: Expr, vars: string[], positive: boolean): boolean {
  let ratio: number | undefined;
  let valid = 0;
  let bothZero = 0;
  for (let k = 0; k < POINTS.length; k++) {
    const x = env(vars, k);
    let u: C;
    let v: C;
    try {
      u = numeric(a, x);
      v = numeric(b, x);
    } catch (err) {
      if (err instanceof EvaluationError) continue;
      throw err;
    }
    if (![u.re, v.re].every(Number.isFinite) || Math.abs(u.im) > 1e-9 || Math.abs(v.im) > 1e-9) continue;
    const zu = Math.abs(u.re) < 1e-10;
    const zv = Math.abs(v.re) < 1e-10;
    if (zu && zv) {
      bothZero++;
      continue;
    }
    if (zu !== zv) return false;
    const q = u.re / v.re;
    if (ratio === undefined) ratio = q;
    else if (!close(ratio, q, 1e-8)) return false;
    valid++;
  }
  if (ratio === undefined) return bothZero >= 4;
  if (positive && ratio <= 0) return false;
  return valid + bothZero >= 4;
}
