/** Exact rationals over BigInt: the fast path for integers, decimals and fractions, with no float overflow. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint; // always > 0, gcd(n, d) = 1
}

/** Results larger than this many bits are refused, so `2^{10^{9}}` cannot stall a worker. */
export const MAX_BITS = 200_000;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rat(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g === 1n || g === 0n ? { n, d } : { n: n / g, d: d / g };
}

export const ZERO = rat(0n);
export const ONE = rat(1n);

export function bits(x: bigint): number {
  return (x < 0n ? -x : x).toString(16).length * 4;
}

export const add = (a: Rational, b: Rational): Rational => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rat(a.n * b.n, a.d * b.d);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
export function div(a: Rational, b: Rational): Rational | undefined {
  return b.n === 0n ? undefined : rat(a.n * b.d, a.d * b.n);
}
export const eq = (a: Rational, b: Rational): boolean => a.n === b.n && a.d === b.d;
export const isInt = (a: Rational): boolean => a.d === 1n;
export const cmp = (a: Rational, b: Rational): number => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};

/** Integer power; undefined when the result would exceed MAX_BITS (the caller then falls back to floats or logs). */
export function powInt(a: Rational, e: bigint): Rational | undefined {
  if (e < 0n) {
    if (a.n === 0n) return undefined;
    const inv = rat(a.d, a.n);
    return powInt(inv, -e);
  }
  if (e === 0n) return ONE;
  const b = Math.max(bits(a.n), bits(a.d));
  if (a.n !== 0n && Math.abs(Number(a.n)) !== 1 && b * Number(e) > MAX_BITS) return undefined;
  if (a.d !== 1n && b * Number(e) > MAX_BITS) return undefined;
  return { n: a.n ** e, d: a.d ** e };
}

/** log2 of |a|, accurate for huge values where Number() would overflow. */
export function log2Abs(a: Rational): number {
  return log2Big(a.n < 0n ? -a.n : a.n) - log2Big(a.d);
}

function log2Big(x: bigint): number {
  if (x === 0n) return Number.NEGATIVE_INFINITY;
  const s = x.toString(16);
  const head = Number.parseInt(s.slice(0, 13), 16);
  return Math.log2(head) + 4 * (s.length - Math.min(13, s.length));
}

export function toNumber(a: Rational): number {
  const x = Number(a.n) / Number(a.d);
  if (Number.isFinite(x) && !(x === 0 && a.n !== 0n)) return x;
  const l = log2Abs(a);
  const v = 2 ** l;
  return a.n < 0n ? -v : v;
}

export function ratToString(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}

/** Parses "123", "-1.25", ".5", "1.5e-3" exactly. */
export function parseDecimal(s: string): Rational | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] || '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const e = m[4] ? Number(m[4]) : 0;
  if (Math.abs(e) > 5000) return undefined;
  if (e > 0) n *= 10n ** BigInt(e);
  else if (e < 0) d *= 10n ** BigInt(-e);
  if (m[1] === '-') n = -n;
  return rat(n, d);
}

function pow10(k: number): Rational {
  return k >= 0 ? rat(10n ** BigInt(k)) : rat(1n, 10n ** BigInt(-k));
}

/** q rounded to `sig` significant decimal digits, half away from zero, exactly. */
export function roundSig(q: Rational, sig: number): Rational {
  if (q.n === 0n) return q;
  const a = q.n < 0n ? neg(q) : q;
  // 10^{k-1} <= a < 10^k
  let k = Math.floor(log2Abs(a) / Math.log2(10)) + 1;
  while (cmp(a, pow10(k - 1)) < 0) k--;
  while (cmp(a, pow10(k)) >= 0) k++;
  const scaled = mul(a, pow10(sig - k));
  const rounded = (2n * scaled.n + scaled.d) / (2n * scaled.d);
  const out = mul(rat(rounded), pow10(k - sig));
  return q.n < 0n ? neg(out) : out;
}
