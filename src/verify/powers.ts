/**
 * Exact products of rational powers of integers (`2^{1/2}·3^{62500}`), for radicals of rational numbers.
 *
 * A constant radicand is factored (trial division, then a coprime basis over everything both answers take roots
 * of), so that `\sqrt{8}`, `2\sqrt2` and `\sqrt2^{3}` all become 2^{3/2}, and `\sqrt{3^{125000}}` becomes
 * 3^{62500} without ever computing 3^{125000}. Each basis element b then needs one root r_b with r_b^{M_b} = b,
 * chosen once per check (algebraic.ts): any choice is a field embedding, so identities between radicals hold
 * modulo p exactly when they hold over the reals.
 */
import type { Expr } from './ast.js';
import { exact } from './evaluate.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

/** base → rational exponent; the key −1 carries the sign (its exponent kept in [0, 2)) */
export type PowerProduct = Map<bigint, Rational>;

const MAX_FACTOR_BITS = 4096;
/** exponents beyond this are not radicals anyone writes; refusing them bounds the work */
const MAX_EXPONENT = 1n << 40n;
/** root orders beyond this, or more distinct odd prime orders than this, leave radicals opaque */
const MAX_DEGREE = 1_000_000n;
const MAX_ODD_ORDERS = 4;
const MAX_BASIS = 64;

function bump(pp: PowerProduct, base: bigint, e: Rational): void {
  if (e.n === 0n) return;
  const next = Q.add(pp.get(base) ?? Q.ZERO, e);
  if (next.n === 0n) pp.delete(base);
  else pp.set(base, next);
}

/** n > 0 split into prime factors found by trial division, plus at most one unfactored cofactor. */
export function factorPositive(n: bigint, out: Map<bigint, bigint> = new Map()): Map<bigint, bigint> {
  const add = (b: bigint, k: bigint): void => {
    out.set(b, (out.get(b) ?? 0n) + k);
  };
  if (n < 1n << 53n) {
    let m = Number(n);
    for (let q = 2; q <= 65_536 && q * q <= m; q += q === 2 ? 1 : 2) {
      if (m % q !== 0) continue;
      let k = 0n;
      while (m % q === 0) {
        m /= q;
        k++;
      }
      add(BigInt(q), k);
    }
    if (m > 1) add(BigInt(m), 1n);
    return out;
  }
  if (Q.bits(n) > MAX_FACTOR_BITS) {
    add(n, 1n);
    return out;
  }
  for (let q = 2n; q < 1024n; q += q === 2n ? 1n : 2n) {
    if (n % q !== 0n) continue;
    let k = 0n;
    while (n % q === 0n) {
      n /= q;
      k++;
    }
    add(q, k);
  }
  if (n > 1n) add(n, 1n);
  return out;
}

function fromRational(q: Rational): PowerProduct | undefined {
  if (q.n === 0n) return undefined;
  const pp: PowerProduct = new Map();
  if (q.n < 0n) pp.set(-1n, Q.ONE);
  for (const [b, k] of factorPositive(q.n < 0n ? -q.n : q.n)) bump(pp, b, Q.rat(k));
  for (const [b, k] of factorPositive(q.d)) bump(pp, b, Q.rat(-k));
  return pp;
}

/** x mod 2 for a rational x, in [0, 2) */
function mod2(x: Rational): Rational {
  const two = Q.rat(2n * x.d);
  let n = x.n % two.n;
  if (n < 0n) n += two.n;
  return Q.rat(n, x.d);
}

/**
 * `a^e` for a power product a: principal value, except that an odd root of a negative number is the real root
 * (`\sqrt[3]{-8}` = −2, as a student means it). Undefined for complex bases to non-integer powers.
 */
function raise(a: PowerProduct, e: Rational): PowerProduct | undefined {
  const out: PowerProduct = new Map();
  const s = a.get(-1n);
  if (s) {
    if (s.d === 1n) {
      // a negative real: odd denominators keep it real, even ones take the principal branch
      bump(out, -1n, mod2(e.d % 2n === 1n ? Q.rat(e.n) : e));
    } else if (e.d === 1n) bump(out, -1n, mod2(Q.mul(s, e)));
    else return undefined;
  }
  for (const [b, k] of a) if (b !== -1n) bump(out, b, Q.mul(k, e));
  return out;
}

function exponentOf(e: Expr): Rational | undefined {
  const q = exact(e);
  if (!q || q.n > MAX_EXPONENT || q.n < -MAX_EXPONENT || q.d > MAX_EXPONENT) return undefined;
  return q;
}

/** The exact power product of a constant expression made of rationals, products, quotients and powers. */
export function powerProduct(e: Expr): PowerProduct | undefined {
  switch (e.t) {
    case 'num':
      return fromRational(e.v);
    case 'neg': {
      const a = powerProduct(e.a);
      if (a) bump(a, -1n, Q.ONE);
      if (a?.has(-1n)) a.set(-1n, mod2(a.get(-1n)!));
      return a;
    }
    case 'mul':
    case 'div': {
      const parts = e.t === 'mul' ? e.a : [e.a, e.b];
      const out: PowerProduct = new Map();
      for (let k = 0; k < parts.length; k++) {
        const p = powerProduct(parts[k]!);
        if (!p) return undefined;
        const sign = e.t === 'div' && k === 1 ? -1n : 1n;
        for (const [b, x] of p) bump(out, b, Q.mul(x, Q.rat(sign)));
      }
      if (out.has(-1n)) out.set(-1n, mod2(out.get(-1n)!));
      return out;
    }
    case 'pow': {
      const x = exponentOf(e.b);
      const a = x && powerProduct(e.a);
      return a && x ? raise(a, x) : undefined;
    }
    case 'fn': {
      if (e.name === 'sqrt' && e.args.length === 1) {
        const a = powerProduct(e.args[0]!);
        return a && raise(a, Q.rat(1n, 2n));
      }
      if (e.name === 'root' && e.args.length === 2) {
        const n = exponentOf(e.args[1]!);
        const a = n && n.d === 1n && n.n >= 2n ? powerProduct(e.args[0]!) : undefined;
        return a && n ? raise(a, Q.rat(1n, n.n)) : undefined;
      }
      break;
    }
    default:
      break;
  }
  const q = exact(e);
  return q && fromRational(q);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** largest r with r^k ≤ n */
function iroot(n: bigint, k: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << (BigInt(Q.bits(n)) / k + 1n);
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) break;
    x = y;
  }
  while (x ** k > n) x--;
  while ((x + 1n) ** k <= n) x++;
  return x;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

function oddPrimesOf(m: bigint): bigint[] {
  const out: bigint[] = [];
  for (let q = 3n; q * q <= m; q += 2n) {
    if (m % q !== 0n) continue;
    out.push(q);
    while (m % q === 0n) m /= q;
  }
  if (m > 2n) out.push(m);
  return out;
}

/**
 * The radicals of one comparison, over a shared basis of pairwise coprime integers that are not perfect powers.
 * `exponents(pp)` gives, per basis element b, the integer E with value = ∏ r_b^E where r_b^{M_b} = b.
 */
export class RadicalBasis {
  readonly degree = new Map<bigint, bigint>();
  /** odd primes dividing some degree: the prime field must have unique roots of these orders */
  readonly oddPrimes: bigint[] = [];
  /** false when a root would need an 8th root, or a complex root of −1 other than i */
  readonly supported: boolean;
  private basis: bigint[];

  constructor(pps: PowerProduct[]) {
    let basis = [...new Set(pps.flatMap((pp) => [...pp.keys()].filter((b) => b > 1n)))];
    if (basis.length > MAX_BASIS) {
      // refining a long list into a coprime basis is quadratic or worse: such answers keep their radicals opaque
      this.basis = [];
      this.supported = false;
      return;
    }
    for (let changed = true; changed; ) {
      changed = false;
      search: for (let i = 0; i < basis.length; i++) {
        for (let j = i + 1; j < basis.length; j++) {
          const g = gcd(basis[i]!, basis[j]!);
          if (g === 1n) continue;
          const next = [g, basis[i]! / g, basis[j]! / g].filter((x) => x > 1n);
          basis = [...new Set([...basis.filter((_, k) => k !== i && k !== j), ...next])];
          changed = true;
          break search;
        }
      }
    }
    this.basis = basis;
    const degrees = new Map<bigint, bigint>();
    for (const pp of pps) {
      for (const [b, e] of this.expand(pp)) degrees.set(b, lcm(degrees.get(b) ?? 1n, e.d));
    }
    // a basis element that is itself a perfect power would make two "independent" roots dependent
    this.basis = this.basis.map((b) => {
      const m = degrees.get(b) ?? 1n;
      for (const q of [2n, ...oddPrimesOf(m)]) {
        if (m % q !== 0n) continue;
        const r = iroot(b, q);
        if (r ** q === b) return -b;
      }
      return b;
    });
    let ok = !this.basis.some((b) => b < 0n);
    for (const [b, m] of degrees) {
      // 4th roots exist in F_{p²} for p ≡ 3 (mod 4), 8th roots not always. For −1 only i: √i = (1 + i)/√2
      // would tie −1 to the basis element 2, and e^{iπ/6} to cube roots of unity
      if (m > MAX_DEGREE || m % 8n === 0n || (b === -1n && m > 2n)) {
        ok = false;
        break;
      }
      this.degree.set(b, m);
      for (const q of oddPrimesOf(m)) if (!this.oddPrimes.includes(q)) this.oddPrimes.push(q);
    }
    // each odd root order rules out a share of the primes (those p ≡ 1 mod q): keep the search short
    this.supported = ok && this.oddPrimes.length <= MAX_ODD_ORDERS;
  }

  /** exponents per basis element (and −1) */
  private expand(pp: PowerProduct): Map<bigint, Rational> {
    const out = new Map<bigint, Rational>();
    for (const [key, e] of pp) {
      if (key === -1n) {
        out.set(-1n, Q.add(out.get(-1n) ?? Q.ZERO, e));
        continue;
      }
      let k = key;
      for (const b of this.basis) {
        let times = 0n;
        while (k % b === 0n) {
          k /= b;
          times++;
        }
        if (times > 0n) out.set(b, Q.add(out.get(b) ?? Q.ZERO, Q.mul(e, Q.rat(times))));
      }
    }
    return out;
  }

  /** integer exponents E_b of the roots r_b (r_b^{M_b} = b) whose product is the power product */
  exponents(pp: PowerProduct): Map<bigint, bigint> {
    const out = new Map<bigint, bigint>();
    for (const [b, e] of this.expand(pp)) {
      const m = this.degree.get(b) ?? 1n;
      const scaled = Q.mul(e, Q.rat(m));
      if (scaled.d !== 1n) throw new RangeError('radical basis does not cover its power product');
      if (scaled.n !== 0n) out.set(b, scaled.n);
    }
    return out;
  }
}
