/**
 * High-precision balls: the same evaluation and precision-demand analysis as ball.ts, on BigInt fixed point with
 * F fractional bits, for what doubles cannot resolve (numeric.ts escalates to it). A value is (re + i·im)/2^F
 * with radius r/2^F.
 */
import type { Expr } from './ast.js';
import type { Demand } from './ball.js';
import { rootsAndLogs, Undefined } from './ball.js';
import * as B from './bigfloat.js';
import { exact } from './evaluate.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

export interface BigBall {
  re: bigint;
  im: bigint;
  r: bigint;
}

/** functions get this many bits beyond F, so their own error stays within a few units of 2^-F */
const GUARD = 64;
/** magnitudes beyond 2^this many bits are not evaluated */
const MAX_MAGNITUDE_BITS = 20_000;

const big = (re: bigint, im = 0n, r = 0n): BigBall => ({ re, im, r });
const isReal = (b: BigBall): boolean => b.im === 0n;
const isExactZero = (b: BigBall): boolean => b.re === 0n && b.im === 0n && b.r === 0n;
/** an upper bound of |z| in units */
const magUp = (b: BigBall): bigint => B.abs(b.re) + B.abs(b.im);
/** |z| ≤ r: the ball may contain zero */
const touchesZero = (b: BigBall): boolean => b.re * b.re + b.im * b.im <= b.r * b.r;

/** log2 of a positive bigint, to about 53 bits */
function log2(x: bigint): number {
  const n = B.bitLength(x);
  if (n <= 53) return Math.log2(Number(x));
  return Math.log2(Number(x >> BigInt(n - 53))) + n - 53;
}

/** work allowed per check, in transcendental evaluations weighted by (bits/256)² */
export interface Budget {
  units: number;
}

export class BigBallEvaluator {
  readonly demand: Demand = { bits: 0, unreliable: false };
  private readonly one: bigint;
  constructor(
    private readonly env: Record<string, Rational>,
    readonly F: number,
    private readonly budget: Budget,
  ) {
    this.one = 1n << BigInt(F);
  }

  private spend(): void {
    this.budget.units -= ((this.F + GUARD) / 256) ** 2;
    if (this.budget.units < 0) this.unreliable('precision budget spent');
  }

  private need(bits: number): void {
    if (bits > this.demand.bits) this.demand.bits = bits;
  }
  private unreliable(why: string): never {
    this.demand.unreliable = true;
    throw new Undefined(why);
  }
  /** log2 |value| of a resolved ball */
  private lg(b: BigBall): number {
    return log2(magUp(b) || 1n) - this.F;
  }

  private note(b: BigBall): BigBall {
    if (isExactZero(b)) return b;
    if (touchesZero(b)) this.demand.unreliable = true;
    else {
      const l = this.lg(b);
      if (l > MAX_MAGNITUDE_BITS) this.unreliable('overflow');
      if (l < 0) this.need(-l);
    }
    return b;
  }

  literal(q: Rational, counts = true): BigBall {
    if (counts) this.need(Math.max(Q.bits(q.n), Q.bits(q.d)));
    if (q.n !== 0n && Q.log2Abs(q) > MAX_MAGNITUDE_BITS) this.unreliable('overflow');
    const scaled = q.n << BigInt(this.F);
    const m = scaled / q.d;
    return this.note(big(m, 0n, m * q.d === scaled ? 0n : 1n));
  }

  eval(e: Expr): BigBall {
    switch (e.t) {
      case 'num':
        return this.literal(e.v);
      case 'var': {
        const v = this.env[e.name];
        if (!v) throw new Undefined(`unbound ${e.name}`);
        return this.literal(v, false);
      }
      case 'const':
        if (e.name === 'pi') return big(B.pi(this.F), 0n, 1n);
        if (e.name === 'e') return this.exp(big(this.one));
        if (e.name === 'i') return big(0n, this.one);
        throw new Undefined('infinity');
      case 'neg': {
        const a = this.eval(e.a);
        return big(-a.re, -a.im, a.r);
      }
      case 'add':
        return this.add(e.a.map((x) => this.eval(x)));
      case 'mul':
        return e.a.map((x) => this.eval(x)).reduce((acc, x) => this.mul(acc, x));
      case 'div':
        return this.div(this.eval(e.a), this.eval(e.b));
      case 'pct':
        return this.div(this.eval(e.a), big(100n * this.one));
      case 'pow':
        return this.pow(e);
      case 'base':
      case 'fn': {
        const q = exact(e);
        if (q) return this.literal(q);
        if (e.t === 'base') throw new Undefined('digits');
        return this.fn(e);
      }
      default:
        throw new Undefined(`not a scalar: ${e.t}`);
    }
  }

  add(terms: BigBall[]): BigBall {
    let re = 0n;
    let im = 0n;
    let r = 0n;
    let largest = 0;
    let small = Number.POSITIVE_INFINITY;
    for (const t of terms) {
      re += t.re;
      im += t.im;
      r += t.r;
      if (!isExactZero(t) && !touchesZero(t)) {
        largest = Math.max(largest, this.lg(t));
        small = Math.min(small, this.lg(t));
      }
    }
    const out = this.note(big(re, im, r));
    if (small < largest) this.need(largest - small);
    if (!isExactZero(out) && !touchesZero(out)) this.need(largest - this.lg(out));
    return out;
  }

  mul(a: BigBall, b: BigBall): BigBall {
    const F = this.F;
    const re = B.shiftRound(a.re * b.re - a.im * b.im, F);
    const im = B.shiftRound(a.re * b.im + a.im * b.re, F);
    const r = ((magUp(a) * b.r + magUp(b) * a.r + a.r * b.r) >> BigInt(F)) + 2n;
    return this.note(big(re, im, r));
  }

  div(a: BigBall, b: BigBall): BigBall {
    if (isExactZero(b)) throw new Undefined('division by zero');
    if (touchesZero(b)) this.unreliable('division by an unresolved value');
    const F = BigInt(this.F);
    const den = b.re * b.re + b.im * b.im;
    const re = ((a.re * b.re + a.im * b.im) << F) / den;
    const im = ((a.im * b.re - a.re * b.im) << F) / den;
    const low = B.isqrt(den) - b.r; // |b| − r ≥ this, in units
    const r = ((a.r << F) + (B.abs(re) + B.abs(im)) * b.r) / low + 3n;
    return this.note(big(re, im, r));
  }

  private pow(e: Extract<Expr, { t: 'pow' }>): BigBall {
    const k = exact(e.b);
    const a = this.eval(e.a);
    if (k && k.d === 1n) {
      if (k.n > 1n << 30n || k.n < -(1n << 30n)) this.unreliable('huge exponent');
      this.need(Q.bits(k.n));
      if (k.n === 0n) return big(this.one);
      if (isExactZero(a)) {
        if (k.n < 0n) throw new Undefined('0 to a negative power');
        return a;
      }
      if (!touchesZero(a) && Number(k.n < 0n ? -k.n : k.n) * Math.abs(this.lg(a)) > MAX_MAGNITUDE_BITS)
        this.unreliable('overflow');
      let acc = big(this.one);
      let base = a;
      for (let n = k.n < 0n ? -k.n : k.n; n > 0n; n >>= 1n) {
        if (n & 1n) acc = this.mul(acc, base);
        if (n > 1n) base = this.mul(base, base);
      }
      return k.n < 0n ? this.div(big(this.one), acc) : acc;
    }
    // an odd root of a negative real stays real: (-8)^{1/3} = -2
    if (k && k.d % 2n === 1n && isReal(a) && a.re + a.r < 0n) {
      const pos = this.exp(this.mul(this.literal(k), this.ln(big(-a.re, 0n, a.r))));
      return k.n % 2n === 0n ? pos : big(-pos.re, 0n, pos.r);
    }
    const b = this.eval(e.b);
    if (isExactZero(a)) {
      if (isReal(b) && b.re - b.r > 0n) return a;
      throw new Undefined('0 to a non-positive power');
    }
    return this.exp(this.mul(b, this.ln(a)));
  }

  /** a real function value m (at F) of a real ball a, with |f'| ≤ lip over the ball and κ = |x f'/f| */
  private real(a: BigBall, m: bigint, lip: bigint, log2Kappa: number): BigBall {
    // a flat function hides a perturbation of its argument (an exact zero argument has none)
    if (!isExactZero(a) && log2Kappa < 0) this.need(-log2Kappa);
    return this.note(big(m, 0n, ((lip * a.r) >> BigInt(this.F)) + 4n));
  }

  exp(a: BigBall): BigBall {
    const F = this.F;
    if (isExactZero(a)) return big(this.one);
    if (a.r > this.one >> 2n) this.unreliable('exponent too uncertain');
    this.spend();
    if (a.re > BigInt(MAX_MAGNITUDE_BITS) * this.one) this.unreliable('overflow');
    if (a.re < -BigInt(MAX_MAGNITUDE_BITS) * this.one) this.unreliable('underflow');
    const [m, k] = B.exp(a.re << BigInt(GUARD), F + GUARD);
    const modulus = B.shiftRound(m, GUARD - k); // e^{re} at F
    // |e^{z+δ} − e^z| ≤ |e^z|·2|δ| for |δ| ≤ 1/4
    if (isReal(a)) return this.real(a, modulus, 2n * modulus, this.lg(a));
    const [s, c] = B.sinCos(a.im << BigInt(GUARD), F + GUARD);
    const re = B.shiftRound(modulus * c, F + GUARD);
    const im = B.shiftRound(modulus * s, F + GUARD);
    return this.note(big(re, im, ((2n * modulus * a.r) >> BigInt(F)) + 4n));
  }

  ln(a: BigBall): BigBall {
    if (isExactZero(a)) throw new Undefined('log of zero');
    if (touchesZero(a)) this.unreliable('log of an unresolved value');
    const F = this.F;
    const W = F + GUARD;
    this.spend();
    if (isReal(a) && a.re > 0n) {
      const v = B.shiftRound(B.ln(a.re << BigInt(GUARD), W), GUARD);
      const lip = (this.one << BigInt(F)) / (a.re - a.r);
      return this.real(a, v, lip, -log2(B.abs(v) || 1n) + F);
    }
    // the principal branch jumps across the negative real axis
    if (a.re < 0n && B.abs(a.im) <= a.r && a.im !== 0n) this.demand.unreliable = true;
    const modulus = B.isqrt((a.re * a.re + a.im * a.im) << BigInt(2 * GUARD));
    const re = B.shiftRound(B.ln(modulus, W), GUARD);
    const im = this.atan2(a.im, a.re);
    const low = B.isqrt(a.re * a.re + a.im * a.im) - a.r;
    return this.note(big(re, im, (a.r << BigInt(F)) / low + 4n));
  }

  private atan2(y: bigint, x: bigint): bigint {
    const F = this.F;
    const W = F + GUARD;
    const piW = B.pi(W);
    if (x === 0n) return B.shiftRound(y > 0n ? piW / 2n : -piW / 2n, GUARD);
    const t = B.atan((y << BigInt(W)) / x, W);
    const v = x > 0n ? t : y >= 0n ? t + piW : t - piW;
    return B.shiftRound(v, GUARD);
  }

  private fn(e: Extract<Expr, { t: 'fn' }>): BigBall {
    const args = e.args.map((x) => this.eval(x));
    const a = args[0]!;
    const shared = rootsAndLogs(this, e, args, () => big(10n * this.one));
    if (shared !== undefined) return shared;
    switch (e.name) {
      case 'abs': {
        const m = B.isqrt((a.re * a.re + a.im * a.im) << BigInt(2 * GUARD)) >> BigInt(GUARD);
        return this.note(big(m, 0n, a.r + 2n));
      }
      case 'sinh':
      case 'cosh':
      case 'tanh': {
        const half = big(this.one >> 1n);
        const p = this.exp(a);
        const m = this.div(big(this.one), p);
        const sinh = this.mul(this.add([p, big(-m.re, -m.im, m.r)]), half);
        const cosh = this.mul(this.add([p, m]), half);
        return e.name === 'sinh' ? sinh : e.name === 'cosh' ? cosh : this.div(sinh, cosh);
      }
      default:
        return this.elementary(e.name, a);
    }
  }

  root(a: BigBall, n: bigint): BigBall {
    if (isExactZero(a)) return a;
    const inv = big(this.one / n, 0n, 1n);
    if (isReal(a) && a.re + a.r < 0n && n % 2n === 1n) {
      const pos = this.exp(this.mul(this.ln(big(-a.re, 0n, a.r)), inv));
      return big(-pos.re, 0n, pos.r);
    }
    return this.exp(this.mul(this.ln(a), inv));
  }

  private elementary(name: string, a: BigBall): BigBall {
    const F = this.F;
    const W = F + GUARD;
    if (!isReal(a)) {
      if (!['sin', 'cos', 'tan', 'cot', 'sec', 'csc'].includes(name)) throw new Undefined('complex argument');
      return this.complexTrig(name, a);
    }
    const x = a.re;
    const lx = x === 0n ? Number.NEGATIVE_INFINITY : log2(B.abs(x)) - F;
    this.spend();
    switch (name) {
      case 'sin':
      case 'cos':
      case 'tan':
      case 'cot':
      case 'sec':
      case 'csc': {
        if (lx > 0) this.need(lx);
        if (a.r > this.one >> 2n) this.unreliable('argument too uncertain');
        const [sW, cW] = B.sinCos(x << BigInt(GUARD), W);
        const [s, c] = [B.shiftRound(sW, GUARD), B.shiftRound(cW, GUARD)];
        const ls = s === 0n ? Number.NEGATIVE_INFINITY : log2(B.abs(s)) - F;
        const lc = c === 0n ? Number.NEGATIVE_INFINITY : log2(B.abs(c)) - F;
        const sin = this.real(a, s, this.one, lx + lc - ls);
        const cos = this.real(a, c, this.one, lx + ls - lc);
        if (name === 'sin') return sin;
        if (name === 'cos') return cos;
        if (name === 'tan') return this.div(sin, cos);
        if (name === 'cot') return this.div(cos, sin);
        return this.div(big(this.one), name === 'sec' ? cos : sin);
      }
      case 'arctan': {
        const v = B.shiftRound(B.atan(x << BigInt(GUARD), W), GUARD);
        const lk = v === 0n ? 0 : lx - Math.log2(1 + 2 ** (2 * Math.min(lx, 1000))) - (log2(B.abs(v)) - F);
        return this.real(a, v, this.one, lk);
      }
      case 'arcsin':
      case 'arccos': {
        const edge = B.abs(x) + a.r;
        if (B.abs(x) - a.r > this.one) throw new Undefined('outside the domain');
        if (B.abs(x) > this.one || (edge >= this.one && a.r > 0n)) this.unreliable('edge of the domain');
        const root = B.isqrt((this.one * this.one - x * x) << BigInt(2 * GUARD)) >> BigInt(GUARD);
        const asin =
          root === 0n
            ? x > 0n
              ? B.pi(F) >> 1n
              : -(B.pi(F) >> 1n)
            : B.shiftRound(B.atan((x << BigInt(W)) / root, W), GUARD);
        const v = name === 'arcsin' ? asin : (B.pi(F) >> 1n) - asin;
        const low = B.isqrt((this.one * this.one - edge * edge) << 0n);
        const lip = a.r === 0n ? 0n : low > 0n ? (this.one << BigInt(F)) / low : this.one << BigInt(F);
        return this.real(a, v, lip, 0);
      }
      case 'floor':
      case 'ceil': {
        const down = (v: bigint): bigint => (v >= 0n ? v >> BigInt(F) : -((-v + this.one - 1n) >> BigInt(F)));
        const f = (v: bigint): bigint => (name === 'floor' ? down(v) : -down(-v));
        if (f(x - a.r) !== f(x + a.r)) this.demand.unreliable = true;
        return big(f(x) << BigInt(F));
      }
      default:
        throw new Undefined(`cannot evaluate ${name}`);
    }
  }

  private complexTrig(name: string, a: BigBall): BigBall {
    const iz = big(-a.im, a.re, a.r);
    const p = this.exp(iz);
    const m = this.exp(big(-iz.re, -iz.im, iz.r));
    const sin = this.div(this.add([p, big(-m.re, -m.im, m.r)]), big(0n, 2n * this.one));
    const cos = this.div(this.add([p, m]), big(2n * this.one));
    if (name === 'sin') return sin;
    if (name === 'cos') return cos;
    if (name === 'tan') return this.div(sin, cos);
    if (name === 'cot') return this.div(cos, sin);
    return this.div(big(this.one), name === 'sec' ? cos : sin);
  }
}
