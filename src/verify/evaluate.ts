/**
 * Exact (rational) evaluation of scalar answer expressions, free variables and stated precision. Everything that
 * needs more than rationals is decided in equivalence.ts.
 */
import type { Expr } from './ast.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

/** Exact value when the expression is rational arithmetic; undefined when it needs floats (or would be too big). */
export function exact(e: Expr): Rational | undefined {
  switch (e.t) {
    case 'num':
      return e.v;
    case 'neg': {
      const a = exact(e.a);
      return a && Q.neg(a);
    }
    case 'add': {
      let acc = Q.ZERO;
      for (const x of e.a) {
        const v = exact(x);
        if (!v) return undefined;
        acc = Q.add(acc, v);
      }
      return acc;
    }
    case 'mul': {
      let acc = Q.ONE;
      for (const x of e.a) {
        const v = exact(x);
        if (!v) return undefined;
        acc = Q.mul(acc, v);
      }
      return acc;
    }
    case 'div': {
      const a = exact(e.a);
      const b = a && exact(e.b);
      return a && b ? Q.div(a, b) : undefined;
    }
    case 'pow': {
      const a = exact(e.a);
      const b = a && exact(e.b);
      if (!a || !b || b.d !== 1n) return undefined;
      if (b.n > 10_000_000n || b.n < -10_000_000n) return undefined;
      return Q.powInt(a, b.n);
    }
    case 'base': {
      let v = 0n;
      for (const ch of e.digits) {
        const d = Number.parseInt(ch, 36);
        if (!(d < e.base)) return undefined;
        v = v * BigInt(e.base) + BigInt(d);
      }
      return Q.rat(v);
    }
    case 'fn':
      return exactFn(e.name, e.args);
    default:
      return undefined;
  }
}

function exactFn(name: string, args: Expr[]): Rational | undefined {
  const vs = args.map(exact);
  if (vs.some((v) => v === undefined)) return undefined;
  const [a, b] = vs as Rational[];
  if (name === 'fact') {
    if (a?.d !== 1n || a.n < 0n || a.n > 3000n) return undefined;
    let r = 1n;
    for (let k = 2n; k <= a.n; k++) r *= k;
    return Q.rat(r);
  }
  if (name === 'binom') {
    if (!a || !b || a.d !== 1n || b.d !== 1n || a.n < 0n || b.n < 0n || a.n > 100_000n) return undefined;
    if (b.n > a.n) return Q.ZERO;
    let r = 1n;
    // biome-ignore lint/complexity/useMathMinMax: bigint operands; Math.min takes numbers
    const k = b.n < a.n - b.n ? b.n : a.n - b.n;
    for (let j = 1n; j <= k; j++) r = (r * (a.n - k + j)) / j;
    return Q.rat(r);
  }
  if (name === 'abs' && a) return a.n < 0n ? Q.neg(a) : a;
  if (name === 'sqrt' && a && a.n >= 0n) {
    const n = isqrt(a.n);
    const d = isqrt(a.d);
    return n * n === a.n && d * d === a.d ? Q.rat(n, d) : undefined;
  }
  if ((name === 'floor' || name === 'ceil') && a) {
    let q = a.n / a.d;
    if (name === 'floor' && a.n < 0n && q * a.d !== a.n) q -= 1n;
    if (name === 'ceil' && a.n > 0n && q * a.d !== a.n) q += 1n;
    return Q.rat(q);
  }
  if ((name === 'gcd' || name === 'lcm') && vs.length >= 2 && vs.every((v) => v!.d === 1n)) {
    let g = vs[0]!.n < 0n ? -vs[0]!.n : vs[0]!.n;
    for (const v of vs.slice(1)) {
      const x = v!.n < 0n ? -v!.n : v!.n;
      if (name === 'gcd') g = gcdBig(g, x);
      else g = g === 0n || x === 0n ? 0n : (g / gcdBig(g, x)) * x;
    }
    return Q.rat(g);
  }
  if ((name === 'max' || name === 'min') && vs.length >= 1) {
    return (vs as Rational[]).reduce((m, v) => (Q.cmp(v, m) * (name === 'max' ? 1 : -1) > 0 ? v : m));
  }
  return undefined;
}

function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Newton from above: start at a power of two over the root (Number(n) overflows past 2^1024)
  let x = 1n << BigInt(Math.ceil(Q.bits(n) / 2) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return x;
}

/** Free variables, in first-seen order. */
export function freeVars(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.t) {
    case 'var':
      out.add(e.name);
      break;
    case 'add':
    case 'mul':
      for (const x of e.a) freeVars(x, out);
      break;
    case 'neg':
    case 'pct':
      freeVars(e.a, out);
      break;
    case 'div':
    case 'pow':
      freeVars(e.a, out);
      freeVars(e.b, out);
      break;
    case 'fn':
      for (const x of e.args) freeVars(x, out);
      break;
    case 'pm':
      if (e.a) freeVars(e.a, out);
      freeVars(e.b, out);
      break;
    case 'tuple':
    case 'set':
    case 'list':
    case 'union':
    case 'rel':
      for (const x of e.items) freeVars(x, out);
      break;
    case 'interval':
      freeVars(e.lo, out);
      freeVars(e.hi, out);
      break;
    case 'matrix':
      for (const r of e.rows) for (const x of r) freeVars(x, out);
      break;
    default:
      break;
  }
  return out;
}

/** Least significant-digit count among decimal literals: how precisely the answer was stated. */
export function precision(e: Expr): number | undefined {
  let best: number | undefined;
  const visit = (x: Expr): void => {
    if (x.t === 'num') {
      if (x.sig !== undefined) best = best === undefined ? x.sig : Math.min(best, x.sig);
      return;
    }
    if (x.t === 'add' || x.t === 'mul') x.a.forEach(visit);
    else if (x.t === 'neg' || x.t === 'pct') visit(x.a);
    else if (x.t === 'div' || x.t === 'pow') {
      visit(x.a);
      visit(x.b);
    } else if (x.t === 'fn') x.args.forEach(visit);
  };
  visit(e);
  return best;
}
