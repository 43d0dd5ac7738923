/** Exact (rational) and numeric (complex double) evaluation of scalar answer expressions. */
import type { Expr } from './ast.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

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
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  for (let k = 0; k < 200; k++) {
    const y = (x + n / x) >> 1n;
    if (y === x || y === x + 1n) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** log2 of |value| for huge integer powers such as `2^{2^{40}}`, so magnitudes compare without overflow. */
export function log2Magnitude(e: Expr): number | undefined {
  const q = exact(e);
  if (q) return q.n === 0n ? undefined : Q.log2Abs(q);
  if (e.t === 'pow') {
    const a = exact(e.a);
    const lb = log2Magnitude(e.b);
    const b = exact(e.b);
    if (!a || a.n === 0n) return undefined;
    const la = Q.log2Abs(a);
    if (b) return la * Q.toNumber(b);
    if (lb !== undefined && e.b.t === 'pow') return la * 2 ** lb;
  }
  if (e.t === 'neg') return log2Magnitude(e.a);
  return undefined;
}

export interface C {
  re: number;
  im: number;
}

const c = (re: number, im = 0): C => ({ re, im });

function cmul(a: C, b: C): C {
  return b.im === 0 && a.im === 0 ? c(a.re * b.re) : c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
function cdiv(a: C, b: C): C {
  if (b.im === 0 && a.im === 0) return c(a.re / b.re);
  const d = b.re * b.re + b.im * b.im;
  return c((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
function cexp(a: C): C {
  const m = Math.exp(a.re);
  return a.im === 0 ? c(m) : c(m * Math.cos(a.im), m * Math.sin(a.im));
}
function clog(a: C): C {
  return c(Math.log(Math.hypot(a.re, a.im)), Math.atan2(a.im, a.re));
}
function cpow(a: C, b: C): C {
  if (a.im === 0 && b.im === 0 && (a.re >= 0 || Number.isInteger(b.re))) return c(a.re ** b.re);
  if (a.re === 0 && a.im === 0) return c(0);
  // odd roots of negative reals stay real: (-8)^{1/3} = -2, as a student means it
  if (a.im === 0 && b.im === 0 && a.re < 0) {
    const inv = 1 / b.re;
    if (Math.abs(inv - Math.round(inv)) < 1e-12 && Math.round(inv) % 2 !== 0) return c(-((-a.re) ** b.re));
  }
  return cexp(cmul(b, clog(a)));
}
function csqrt(a: C): C {
  if (a.im === 0) return a.re >= 0 ? c(Math.sqrt(a.re)) : c(0, Math.sqrt(-a.re));
  return cpow(a, c(0.5));
}

function realOnly(name: string, f: (x: number) => number): (a: C) => C {
  return (a) => {
    if (Math.abs(a.im) > 1e-12 * Math.max(1, Math.abs(a.re)))
      throw new EvaluationError(`${name} of a complex value`);
    return c(f(a.re));
  };
}

function csin(a: C): C {
  return a.im === 0
    ? c(Math.sin(a.re))
    : c(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
}
function ccos(a: C): C {
  return a.im === 0
    ? c(Math.cos(a.re))
    : c(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));
}
const ONE_C = c(1);

const UNARY: Record<string, (a: C) => C> = {
  sin: csin,
  cos: ccos,
  tan: (a) => cdiv(csin(a), ccos(a)),
  cot: (a) => cdiv(ccos(a), csin(a)),
  sec: (a) => cdiv(ONE_C, ccos(a)),
  csc: (a) => cdiv(ONE_C, csin(a)),
  arcsin: realOnly('arcsin', Math.asin),
  arccos: realOnly('arccos', Math.acos),
  arctan: realOnly('arctan', Math.atan),
  sinh: realOnly('sinh', Math.sinh),
  cosh: realOnly('cosh', Math.cosh),
  tanh: realOnly('tanh', Math.tanh),
  exp: cexp,
  ln: (a) => (a.im === 0 && a.re > 0 ? c(Math.log(a.re)) : clog(a)),
  log10: (a) => cdiv(clog(a), c(Math.LN10)),
  sqrt: csqrt,
  abs: (a) => c(Math.hypot(a.re, a.im)),
  floor: realOnly('floor', Math.floor),
  ceil: realOnly('ceil', Math.ceil),
  fact: realOnly('fact', (x) => {
    if (!Number.isInteger(x) || x < 0) return Number.NaN;
    if (x > 170) return Number.POSITIVE_INFINITY;
    let r = 1;
    for (let k = 2; k <= x; k++) r *= k;
    return r;
  }),
};

/** Numeric value at a point (`env` maps free variables to numbers). Throws EvaluationError for non-scalars. */
export function numeric(e: Expr, env: Record<string, number>): C {
  switch (e.t) {
    case 'num':
      return c(Q.toNumber(e.v));
    case 'var': {
      const v = env[e.name];
      if (v === undefined) throw new EvaluationError(`unbound ${e.name}`);
      return c(v);
    }
    case 'const':
      if (e.name === 'pi') return c(Math.PI);
      if (e.name === 'e') return c(Math.E);
      if (e.name === 'i') return c(0, 1);
      return c(Number.POSITIVE_INFINITY);
    case 'neg': {
      const a = numeric(e.a, env);
      return c(-a.re, -a.im);
    }
    case 'add': {
      let re = 0;
      let im = 0;
      for (const x of e.a) {
        const v = numeric(x, env);
        re += v.re;
        im += v.im;
      }
      return c(re, im);
    }
    case 'mul':
      return e.a.reduce((acc, x) => cmul(acc, numeric(x, env)), c(1));
    case 'div':
      return cdiv(numeric(e.a, env), numeric(e.b, env));
    case 'pow':
      return cpow(numeric(e.a, env), numeric(e.b, env));
    case 'pct':
      return cdiv(numeric(e.a, env), c(100));
    case 'base': {
      const q = exact(e);
      if (!q) throw new EvaluationError('bad digits');
      return c(Q.toNumber(q));
    }
    case 'fn': {
      const q = exact(e);
      if (q) return c(Q.toNumber(q));
      if (e.name === 'root') return cpow(numeric(e.args[0]!, env), cdiv(c(1), numeric(e.args[1]!, env)));
      if (e.name === 'log' && e.args.length === 2) {
        return cdiv(clog(numeric(e.args[0]!, env)), clog(numeric(e.args[1]!, env)));
      }
      if (e.name === 'binom') {
        const n = numeric(e.args[0]!, env).re;
        const k = numeric(e.args[1]!, env).re;
        let r = 1;
        for (let j = 1; j <= k && j < 1000; j++) r = (r * (n - k + j)) / j;
        return c(r);
      }
      const f = UNARY[e.name];
      if (!f || e.args.length !== 1) throw new EvaluationError(`cannot evaluate ${e.name}`);
      return f(numeric(e.args[0]!, env));
    }
    default:
      throw new EvaluationError(`not a scalar: ${e.t}`);
  }
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
