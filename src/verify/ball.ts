/**
 * Complex double arithmetic with a rigorous error radius (midpoint–radius "balls"), for answers the algebraic
 * engine cannot decide (trigonometric, exponential and logarithmic identities).
 *
 * Besides the value, every evaluation measures how much precision the expression *demands*: bits of its literals,
 * magnitudes of tiny intermediate values, cancellation and absorption in sums, flatness of functions (a small
 * relative condition number hides a perturbation of the argument). A perturbation hidden under a huge or tiny
 * scale (`x + 10^{-30}`, `\sin(10^{30}x + 1)`, `\cos(10^{-600})`) shows up as demand, not as agreement, and
 * numeric.ts refuses to call two values equal when the demand exceeds what doubles can resolve.
 */
import type { Expr } from './ast.js';
import { exact } from './evaluate.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

export interface Ball {
  re: number;
  im: number;
  /** |true value − (re, im)| ≤ r */
  r: number;
}

/** No value at this point: a pole, a logarithm of zero, an argument outside the domain. */
export class Undefined extends Error {}

/** What rootsAndLogs needs of a ball engine (this file's in doubles, bigball.ts's in big integers). */
interface BallArithmetic<T> {
  root(a: T, n: bigint): T;
  exp(a: T): T;
  ln(a: T): T;
  div(a: T, b: T): T;
}

/**
 * sqrt, root, exp, ln, log10 and log, which both ball engines evaluate alike through their own arithmetic
 * (`ten` is the engine's 10); undefined for any other function, which each engine evaluates its own way.
 */
export function rootsAndLogs<T>(
  m: BallArithmetic<T>,
  e: Extract<Expr, { t: 'fn' }>,
  args: T[],
  ten: () => T,
): T | undefined {
  const a = args[0]!;
  switch (e.name) {
    case 'sqrt':
      return m.root(a, 2n);
    case 'root': {
      const n = exact(e.args[1]!);
      if (n?.d !== 1n || n.n < 2n || n.n > 1000n) throw new Undefined('root index');
      return m.root(a, n.n);
    }
    case 'exp':
      return m.exp(a);
    case 'ln':
      return m.ln(a);
    case 'log10':
      return m.div(m.ln(a), m.ln(ten()));
    case 'log':
      if (args.length !== 2) throw new Undefined('log');
      return m.div(m.ln(a), m.ln(args[1]!));
    default:
      return undefined;
  }
}

export interface Demand {
  /** bits of precision the comparison needs */
  bits: number;
  /** some intermediate value is indistinguishable from zero, or overflowed */
  unreliable: boolean;
}

const EPS = 2 ** -52;
/** radius arithmetic rounds too: inflate it slightly */
const UP = 1 + 2 ** -48;

const ball = (re: number, im = 0, r = 0): Ball => ({ re, im, r });
const mag = (b: Ball): number => Math.hypot(b.re, b.im);
const isExactZero = (b: Ball): boolean => b.re === 0 && b.im === 0 && b.r === 0;
const isReal = (b: Ball): boolean => b.im === 0;

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function split(a: number): [number, number] {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  if (!Number.isFinite(p) || Math.abs(a) > 2 ** 995 || Math.abs(b) > 2 ** 995) return [p, EPS * Math.abs(p)];
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

export class BallEvaluator {
  readonly demand: Demand = { bits: 0, unreliable: false };
  constructor(private readonly env: Record<string, number>) {}

  private need(bits: number): void {
    if (bits > this.demand.bits) this.demand.bits = bits;
  }

  /** every computed value: unresolved (could be zero) or tiny values raise the demand */
  private note(b: Ball): Ball {
    if (!Number.isFinite(b.re) || !Number.isFinite(b.im) || !Number.isFinite(b.r)) {
      this.demand.unreliable = true;
      throw new Undefined('overflow');
    }
    if (isExactZero(b)) return b;
    const m = mag(b);
    if (m <= b.r) this.demand.unreliable = true;
    else if (m < 1) this.need(-Math.log2(m));
    return b;
  }

  literal(q: Rational): Ball {
    this.need(Math.max(Q.bits(q.n), Q.bits(q.d)));
    const v = Q.toNumber(q);
    const dyadic = (q.d & (q.d - 1n)) === 0n && Q.bits(q.n) <= 53;
    return this.note(ball(v, 0, dyadic ? 0 : EPS * Math.abs(v)));
  }

  eval(e: Expr): Ball {
    switch (e.t) {
      case 'num':
        return this.literal(e.v);
      case 'var': {
        const v = this.env[e.name];
        if (v === undefined) throw new Undefined(`unbound ${e.name}`);
        return ball(v);
      }
      case 'const':
        if (e.name === 'pi') return ball(Math.PI, 0, EPS * 4);
        if (e.name === 'e') return ball(Math.E, 0, EPS * 3);
        if (e.name === 'i') return ball(0, 1);
        throw new Undefined('infinity');
      case 'neg': {
        const a = this.eval(e.a);
        // no negative zero: atan2 would put −1 + (−0)i on the other side of the branch cut
        return ball(0 - a.re, 0 - a.im, a.r);
      }
      case 'add':
        return this.add(e.a.map((x) => this.eval(x)));
      case 'mul':
        return e.a.map((x) => this.eval(x)).reduce((acc, x) => this.mul(acc, x));
      case 'div':
        return this.div(this.eval(e.a), this.eval(e.b));
      case 'pct':
        return this.div(this.eval(e.a), ball(100));
      case 'pow':
        return this.pow(e);
      case 'base': {
        const q = exact(e);
        if (!q) throw new Undefined('digits');
        return this.literal(q);
      }
      case 'fn':
        return this.fn(e);
      default:
        throw new Undefined(`not a scalar: ${e.t}`);
    }
  }

  add(terms: Ball[]): Ball {
    let re = 0;
    let im = 0;
    let r = 0;
    let big = 0;
    let small = Number.POSITIVE_INFINITY;
    for (const t of terms) {
      let err: number;
      [re, err] = twoSum(re, t.re);
      r += Math.abs(err);
      [im, err] = twoSum(im, t.im);
      r += Math.abs(err) + t.r;
      const m = mag(t);
      if (m > 0) {
        big = Math.max(big, m);
        small = Math.min(small, m);
      }
    }
    const out = this.note(ball(re, im, r * UP));
    // a term far smaller than another is absorbed; a sum far smaller than its terms is cancellation
    if (big > 0) this.need(Math.log2(big / small));
    const m = mag(out);
    if (m > out.r && big > 0) this.need(Math.log2(big / m));
    return out;
  }

  mul(a: Ball, b: Ball): Ball {
    if (isReal(a) && isReal(b)) {
      const [p, err] = twoProd(a.re, b.re);
      const r = Math.abs(a.re) * b.r + Math.abs(b.re) * a.r + a.r * b.r + Math.abs(err);
      return this.note(ball(p, 0, r * UP));
    }
    const re = a.re * b.re - a.im * b.im;
    const im = a.re * b.im + a.im * b.re;
    const r = mag(a) * b.r + mag(b) * a.r + a.r * b.r + 4 * EPS * mag(a) * mag(b);
    return this.note(ball(re, im, r * UP));
  }

  div(a: Ball, b: Ball): Ball {
    const mb = mag(b);
    if (isExactZero(b)) throw new Undefined('division by zero');
    if (mb <= b.r) {
      this.demand.unreliable = true;
      throw new Undefined('division by an unresolved value');
    }
    if (isReal(a) && isReal(b)) {
      const q = a.re / b.re;
      const [p, err] = twoProd(q, b.re);
      const residual = Math.abs(a.re - p - err) / mb;
      const r = (a.r + Math.abs(q) * b.r) / (mb - b.r) + residual * 2;
      return this.note(ball(q, 0, r * UP));
    }
    const d = b.re * b.re + b.im * b.im;
    const re = (a.re * b.re + a.im * b.im) / d;
    const im = (a.im * b.re - a.re * b.im) / d;
    const q = Math.hypot(re, im);
    const r = (a.r + q * b.r) / (mb - b.r) + 8 * EPS * q;
    return this.note(ball(re, im, r * UP));
  }

  private intPow(a: Ball, k: bigint): Ball {
    if (k === 0n) return ball(1);
    if (k < 0n) return this.div(ball(1), this.intPow(a, -k));
    if (isExactZero(a)) return a;
    if (Number(k) * Math.log2(Math.max(mag(a), 1e-300)) > 1000) {
      this.demand.unreliable = true;
      throw new Undefined('overflow');
    }
    let acc: Ball | undefined;
    let base = a;
    for (let e = k; e > 0n; e >>= 1n) {
      if (e & 1n) acc = acc ? this.mul(acc, base) : base;
      if (e > 1n) base = this.mul(base, base);
    }
    return acc!;
  }

  private pow(e: Extract<Expr, { t: 'pow' }>): Ball {
    const k = exact(e.b);
    const a = this.eval(e.a);
    if (k && k.d === 1n) {
      if (k.n > 1n << 30n || k.n < -(1n << 30n)) {
        this.demand.unreliable = true;
        throw new Undefined('huge exponent');
      }
      this.need(Q.bits(k.n));
      return this.intPow(a, k.n);
    }
    // an odd root of a negative real stays real, as a student means it: (-8)^{1/3} = -2
    if (k && k.d % 2n === 1n && isReal(a) && a.re < 0 && a.re + a.r < 0) {
      this.need(Math.max(Q.bits(k.n), Q.bits(k.d)));
      const pos = this.powPositive(ball(-a.re, 0, a.r), this.literal(k));
      return k.n % 2n === 0n ? pos : ball(-pos.re, 0, pos.r);
    }
    const b = this.eval(e.b);
    if (isExactZero(a)) {
      if (isReal(b) && b.re - b.r > 0) return a;
      throw new Undefined('0 to a non-positive power');
    }
    if (isReal(a) && isReal(b) && a.re - a.r > 0) return this.powPositive(a, b);
    return this.exp(this.mul(b, this.ln(a)));
  }

  private powPositive(a: Ball, b: Ball): Ball {
    return this.exp(this.mul(b, this.ln(a)));
  }

  /** f(x) for a real function with |f'| ≤ lip over the ball, and a relative condition number check */
  private real1(a: Ball, f: (x: number) => number, lip: number, slope: number): Ball {
    if (!isReal(a) || a.r > 0.25) {
      if (!isReal(a)) throw new Undefined('real function of a complex value');
      this.demand.unreliable = true;
    }
    const v = f(a.re);
    if (!Number.isFinite(v)) throw new Undefined('outside the domain');
    if (v !== 0 && a.re !== 0) {
      const kappa = Math.abs((a.re * slope) / v);
      if (kappa < 1) this.need(Math.log2(1 / kappa));
    }
    return this.note(ball(v, 0, (lip * a.r + 4 * EPS * Math.abs(v) + 2 ** -1070) * UP));
  }

  exp(a: Ball): Ball {
    if (a.re > 700) {
      this.demand.unreliable = true;
      throw new Undefined('overflow');
    }
    if (isReal(a)) return this.real1(a, Math.exp, Math.exp(a.re + a.r), Math.exp(a.re));
    const m = Math.exp(a.re);
    const v = ball(m * Math.cos(a.im), m * Math.sin(a.im));
    const r = Math.exp(a.re + a.r) * a.r * (1 + a.r) + 8 * EPS * m;
    return this.note({ ...v, r: r * UP });
  }

  ln(a: Ball): Ball {
    const m = mag(a);
    if (isExactZero(a)) throw new Undefined('log of zero');
    if (m <= a.r) {
      this.demand.unreliable = true;
      throw new Undefined('log of an unresolved value');
    }
    if (isReal(a) && a.re > 0) return this.real1(a, Math.log, 1 / (a.re - a.r), 1 / a.re);
    // the principal branch jumps across the negative real axis
    if (a.re < 0 && Math.abs(a.im) <= a.r && a.im !== 0) this.demand.unreliable = true;
    const v = ball(Math.log(m), Math.atan2(a.im === 0 ? 0 : a.im, a.re));
    return this.note({ ...v, r: (a.r / (m - a.r) + 8 * EPS * mag(v)) * UP });
  }

  private fn(e: Extract<Expr, { t: 'fn' }>): Ball {
    const q = exact(e);
    if (q) return this.literal(q);
    const args = e.args.map((x) => this.eval(x));
    const a = args[0]!;
    const shared = rootsAndLogs(this, e, args, () => ball(10));
    if (shared !== undefined) return shared;
    if (e.name === 'abs') return this.note(ball(mag(a), 0, (a.r + 2 * EPS * mag(a)) * UP));
    return this.elementary(e.name, a, args);
  }

  root(a: Ball, n: bigint): Ball {
    if (isExactZero(a)) return a;
    if (isReal(a) && a.re < 0 && n % 2n === 1n && a.re + a.r < 0) {
      const pos = this.exp(this.div(this.ln(ball(-a.re, 0, a.r)), ball(Number(n))));
      return ball(-pos.re, 0, pos.r);
    }
    return this.exp(this.div(this.ln(a), ball(Number(n))));
  }

  private periodic(a: Ball): void {
    if (Math.abs(a.re) > 1) this.need(Math.log2(Math.abs(a.re)));
  }

  private elementary(name: string, a: Ball, args: Ball[]): Ball {
    const x = a.re;
    switch (name) {
      case 'sin':
      case 'cos':
      case 'tan':
      case 'cot':
      case 'sec':
      case 'csc': {
        this.periodic(a);
        if (!isReal(a)) return this.complexTrig(name, a);
        const s = this.real1(a, Math.sin, 1, Math.cos(x));
        const c = this.real1(a, Math.cos, 1, -Math.sin(x));
        if (name === 'sin') return s;
        if (name === 'cos') return c;
        if (name === 'tan') return this.div(s, c);
        if (name === 'cot') return this.div(c, s);
        return this.div(ball(1), name === 'sec' ? c : s);
      }
      case 'arctan':
        return this.real1(a, Math.atan, 1, 1 / (1 + x * x));
      case 'arcsin':
      case 'arccos': {
        const edge = Math.abs(x) + a.r;
        if (Math.abs(x) - a.r > 1) throw new Undefined('outside the domain');
        // an exact ±1 is fine; a ball reaching the edge of the domain is not
        if (Math.abs(x) > 1 || (edge >= 1 && a.r > 0)) this.demand.unreliable = true;
        const lip = a.r === 0 ? 0 : 1 / Math.sqrt(Math.max(1 - edge * edge, 1e-300));
        const slope = (name === 'arcsin' ? 1 : -1) / Math.sqrt(1 - x * x);
        return this.real1(a, name === 'arcsin' ? Math.asin : Math.acos, lip, slope);
      }
      case 'sinh':
        return this.real1(a, Math.sinh, Math.cosh(Math.abs(x) + a.r), Math.cosh(x));
      case 'cosh':
        return this.real1(a, Math.cosh, Math.cosh(Math.abs(x) + a.r), Math.sinh(x));
      case 'tanh':
        return this.real1(a, Math.tanh, 1, 1 - Math.tanh(x) ** 2);
      case 'floor':
      case 'ceil': {
        if (!isReal(a)) throw new Undefined('floor of a complex value');
        const f = name === 'floor' ? Math.floor : Math.ceil;
        if (f(x - a.r) !== f(x + a.r)) this.demand.unreliable = true;
        return this.note(ball(f(x)));
      }
      case 'max':
      case 'min': {
        if (!args.every(isReal)) throw new Undefined('max of complex values');
        const pick = args.reduce((m, v) => ((name === 'max' ? v.re > m.re : v.re < m.re) ? v : m));
        // the choice is certain only when the chosen ball is clear of the others
        for (const v of args) {
          if (v !== pick && Math.abs(v.re - pick.re) <= v.r + pick.r && !(v.re === pick.re && v.r === 0))
            this.demand.unreliable = true;
        }
        return pick;
      }
      default:
        throw new Undefined(`cannot evaluate ${name}`);
    }
  }

  private complexTrig(name: string, a: Ball): Ball {
    // e^{iz}: sin z = (e^{iz} − e^{−iz}) / 2i, cos z = (e^{iz} + e^{−iz}) / 2
    const iz = ball(-a.im, a.re, a.r);
    const p = this.exp(iz);
    const m = this.exp(ball(-iz.re, -iz.im, iz.r));
    const sin = this.div(this.add([p, ball(-m.re, -m.im, m.r)]), ball(0, 2));
    const cos = this.div(this.add([p, m]), ball(2));
    if (name === 'sin') return sin;
    if (name === 'cos') return cos;
    if (name === 'tan') return this.div(sin, cos);
    if (name === 'cot') return this.div(cos, sin);
    return this.div(ball(1), name === 'sec' ? cos : sin);
  }
}
