/**
 * Evaluation of an answer expression at one random point of F_{p²} (algebraic.ts explains the method).
 *
 * The map must be a ring homomorphism wherever it claims one, so every "equal" it finds is a true identity:
 * - rationals, variables, i, radicals of rationals (over the shared basis of powers.ts), integer powers;
 * - π, e and ln p (p prime) are independent unknowns; ln of a rational expands over its prime factors;
 * - the exponential is an oracle E of its argument's residue, and sin u, cos u, tan u, … are written through
 *   z = E(iu) as (z − 1/z)/2i, (z + 1/z)/2, …, and sinh, cosh, tanh through E(u); a^u = E(u·ln a) for a > 0.
 *   So sin² + cos² = 1, tan = sin/cos and 2^x = 4^{x/2} hold exactly, while identities relating different
 *   arguments (sin 2x = 2 sin x cos x) are not seen;
 * - any other function is an oracle of its arguments' residues.
 * An oracle value marks the session `opaque`: a difference found then may still be a real identity.
 */
import type { Expr } from './ast.js';
import { exact } from './evaluate.js';
import { type F2, type Field, hashString, mix64, type Rng } from './field.js';
import { factorPositive, type PowerProduct, type RadicalBasis } from './powers.js';
import * as Q from './rational.js';

/** an expression the field cannot represent (infinity, structures, matrices) */
export class Unsupported extends Error {}

/** A comparison's shared state: radicals, random seed, and whether an oracle was used. */
export interface Session {
  radicals: Map<Expr, PowerProduct>;
  basis: RadicalBasis;
  seed: bigint;
  opaque: boolean;
}

/** One evaluation point: a field, residues for the free variables, roots of the radical basis. */
export interface Point {
  f: Field;
  s: Session;
  vars: Map<string, F2>;
  roots: Map<bigint, F2>;
  rng: Rng;
}

const I: F2 = [0n, 1n];
const HALF: Expr = { t: 'num', v: Q.rat(1n, 2n) };
const TRIG = new Set(['sin', 'cos', 'tan', 'cot', 'sec', 'csc']);
const HYPERBOLIC = new Set(['sinh', 'cosh', 'tanh']);

function oracle(pt: Point, tag: string, args: F2[]): F2 {
  let h = mix64(pt.s.seed ^ hashString(tag));
  for (const [a, b] of args) h = mix64(mix64(h ^ a) ^ b);
  return [h % pt.f.p, 0n];
}

/** E(w) = e^w, an oracle of w: consistent wherever the same exponent recurs */
function expOf(pt: Point, w: F2): F2 {
  pt.s.opaque = true;
  return oracle(pt, 'exp', [w]);
}

function rootOf(pt: Point, b: bigint): F2 {
  let r = pt.roots.get(b);
  if (r) return r;
  const m = pt.s.basis.degree.get(b) ?? 1n;
  const f = pt.f;
  // r^m = b: the odd part of m by the unique odd root in F_p, then one or two square roots in F_{p²};
  // −1 has degree 1 (−1) or 2 (i, the same i as the constant)
  let twos = 0n;
  let odd = m;
  while (odd % 2n === 0n) {
    odd /= 2n;
    twos++;
  }
  let v: F2 | undefined = f.of(odd > 1n ? f.oddRoot(b % f.p, odd) : b);
  if (b === -1n) v = m === 2n ? I : v;
  else for (let k = 0n; k < twos && v; k++) v = f.sqrt2(v);
  if (!v) throw new Unsupported('root');
  r = v;
  pt.roots.set(b, r);
  return r;
}

function radical(pt: Point, pp: PowerProduct): F2 | undefined {
  let acc: F2 = [1n, 0n];
  for (const [b, e] of pt.s.basis.exponents(pp)) {
    const v = pt.f.pow(rootOf(pt, b), e);
    if (!v) return undefined;
    acc = pt.f.mul(acc, v);
  }
  return acc;
}

/** ln of a positive rational: a combination of the unknowns ln p for its prime factors */
function lnRational(pt: Point, q: Q.Rational): F2 {
  let acc: F2 = [0n, 0n];
  for (const [n, sign] of [
    [q.n, 1n],
    [q.d, -1n],
  ] as const) {
    for (const [b, k] of factorPositive(n)) {
      acc = pt.f.add(acc, pt.f.mul(pt.f.of(sign * k), oracle(pt, `ln ${b}`, [])));
    }
  }
  return acc;
}

const before = (a: F2, b: F2): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function opaque(pt: Point, tag: string, args: Expr[]): F2 | undefined {
  pt.s.opaque = true;
  const vals: F2[] = [];
  for (const a of args) {
    const v = ev(a, pt);
    if (!v) return undefined;
    vals.push(v);
  }
  // |u| = |−u|, and max, min, gcd, lcm ignore the order of their arguments
  if (tag === 'abs' && vals.length === 1) {
    const m = pt.f.neg(vals[0]!);
    if (before(m, vals[0]!)) vals[0] = m;
  }
  if (['max', 'min', 'gcd', 'lcm'].includes(tag))
    vals.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return oracle(pt, tag, vals);
}

/** an integer exponent as a BigInt, or reduced modulo the group order for a tower of integers */
function integerExponent(e: Expr, pt: Point): bigint | undefined {
  const q = exact(e);
  if (q) return q.d === 1n ? q.n : undefined;
  if (e.t === 'pow') {
    const c = exact(e.a);
    const d = exact(e.b);
    if (c && d && c.d === 1n && d.d === 1n && c.n > 0n && d.n >= 0n) {
      let r = 1n;
      let base = c.n % pt.f.order;
      // c^d mod (p² − 1), plus one order so the result stays positive like c^d itself
      for (let k = d.n; k > 0n; k >>= 1n) {
        if (k & 1n) r = (r * base) % pt.f.order;
        base = (base * base) % pt.f.order;
      }
      return r + pt.f.order;
    }
  }
  return undefined;
}

function lnOf(a: Expr, pt: Point): F2 | undefined {
  const q = exact(a);
  if (q && q.n > 0n) return lnRational(pt, q);
  return opaque(pt, 'ln', [a]);
}

/** (z − 1/z)/2 and (z + 1/z)/2 */
function halves(pt: Point, z: F2): [F2, F2] | undefined {
  const f = pt.f;
  const inv = f.inv(z);
  const half = f.inv(f.of(2n))!;
  if (!inv) return undefined;
  return [f.mul(f.add(z, f.neg(inv)), half), f.mul(f.add(z, inv), half)];
}

function elementary(name: string, u: F2, pt: Point): F2 | undefined {
  const f = pt.f;
  const quotient = (a: F2, b: F2): F2 | undefined => {
    const inv = f.inv(b);
    return inv && f.mul(a, inv);
  };
  if (HYPERBOLIC.has(name)) {
    const h = halves(pt, expOf(pt, u));
    if (!h) return undefined;
    const [sinh, cosh] = h;
    return name === 'sinh' ? sinh : name === 'cosh' ? cosh : quotient(sinh, cosh);
  }
  const h = halves(pt, expOf(pt, f.mul(I, u)));
  if (!h) return undefined;
  const sin = quotient(h[0], I);
  const cos = h[1];
  if (!sin) return undefined;
  switch (name) {
    case 'sin':
      return sin;
    case 'cos':
      return cos;
    case 'tan':
      return quotient(sin, cos);
    case 'cot':
      return quotient(cos, sin);
    case 'sec':
      return quotient([1n, 0n], cos);
    default:
      return quotient([1n, 0n], sin);
  }
}

function evFn(e: Extract<Expr, { t: 'fn' }>, pt: Point): F2 | undefined {
  const radicand = pt.s.radicals.get(e);
  if (radicand) return radical(pt, radicand);
  const q = exact(e);
  if (q) return ev({ t: 'num', v: q }, pt);
  const [a, b] = e.args;
  if ((TRIG.has(e.name) || HYPERBOLIC.has(e.name) || e.name === 'exp') && e.args.length === 1) {
    const u = ev(a!, pt);
    if (!u) return undefined;
    return e.name === 'exp' ? expOf(pt, u) : elementary(e.name, u, pt);
  }
  switch (e.name) {
    case 'ln':
      return lnOf(a!, pt);
    case 'log10':
    case 'log': {
      const base = e.name === 'log10' ? ({ t: 'num', v: Q.rat(10n) } as Expr) : b;
      if (!base || !a) throw new Unsupported('log');
      const num = lnOf(a, pt);
      const den = lnOf(base, pt);
      const inv = den && pt.f.inv(den);
      return num && inv ? pt.f.mul(num, inv) : undefined;
    }
    case 'det':
      throw new Unsupported('det');
    // √u = u^{1/2}, \sqrt[n]{u} = u^{1/n}: one oracle, however the root is written
    case 'sqrt':
      return opaque(pt, 'pow', [a!, HALF]);
    case 'root':
      return b ? opaque(pt, 'pow', [a!, { t: 'div', a: { t: 'num', v: Q.ONE }, b }]) : undefined;
    default:
      return opaque(pt, e.name, e.args);
  }
}

function evPow(e: Extract<Expr, { t: 'pow' }>, pt: Point): F2 | undefined {
  const radicand = pt.s.radicals.get(e);
  if (radicand) return radical(pt, radicand);
  const k = integerExponent(e.b, pt);
  if (k !== undefined) {
    const base = ev(e.a, pt);
    return base && pt.f.pow(base, k);
  }
  // e^u and a^u = e^{u ln a} for a positive rational a
  const base = e.a.t === 'const' && e.a.name === 'e' ? undefined : exact(e.a);
  if ((e.a.t === 'const' && e.a.name === 'e') || (base && base.n > 0n)) {
    const u = ev(e.b, pt);
    if (!u) return undefined;
    return expOf(pt, base ? pt.f.mul(u, lnRational(pt, base)) : u);
  }
  return opaque(pt, 'pow', [e.a, e.b]);
}

export function ev(e: Expr, pt: Point): F2 | undefined {
  const f = pt.f;
  switch (e.t) {
    case 'num': {
      if (e.v.d === 1n) return f.of(e.v.n);
      const inv = f.inv(f.of(e.v.d));
      return inv && f.mul(f.of(e.v.n), inv);
    }
    case 'var': {
      let v = pt.vars.get(e.name);
      if (!v) {
        v = f.random(pt.rng);
        pt.vars.set(e.name, v);
      }
      return v;
    }
    case 'const':
      if (e.name === 'i') return I;
      if (e.name === 'inf') throw new Unsupported('infinity');
      return oracle(pt, e.name, []);
    case 'neg': {
      const a = ev(e.a, pt);
      return a && f.neg(a);
    }
    case 'add':
    case 'mul': {
      let acc: F2 = e.t === 'add' ? [0n, 0n] : [1n, 0n];
      for (const x of e.a) {
        const v = ev(x, pt);
        if (!v) return undefined;
        acc = e.t === 'add' ? f.add(acc, v) : f.mul(acc, v);
      }
      return acc;
    }
    case 'div': {
      const a = ev(e.a, pt);
      const b = a && ev(e.b, pt);
      const inv = b && f.inv(b);
      return a && inv ? f.mul(a, inv) : undefined;
    }
    case 'pct': {
      const a = ev(e.a, pt);
      return a && f.mul(a, f.inv(f.of(100n))!);
    }
    case 'pow':
      return evPow(e, pt);
    case 'fn':
      return evFn(e, pt);
    case 'base': {
      const q = exact(e);
      if (!q) throw new Unsupported('digits');
      return f.of(q.n);
    }
    default:
      throw new Unsupported(e.t);
  }
}
