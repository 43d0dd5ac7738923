/**
 * Arithmetic modulo random 62-bit primes, for exact identity testing of algebraic answers (algebraic.ts).
 *
 * Values live in F_{p²} = F_p[i] with p ≡ 3 (mod 4), where −1 has no square root in F_p: the imaginary unit maps
 * to `i`, and every rational has a square root there. The primes are drawn at random when a process first needs
 * them, so an answer cannot be tuned to them: a difference that is not zero is zero modulo a random 62-bit prime
 * with probability below 2⁻⁴⁰ (it would need that prime among its few prime factors).
 */
import { randomBytes } from 'node:crypto';

/** a + b·i modulo p */
export type F2 = readonly [bigint, bigint];

const MASK64 = (1n << 64n) - 1n;

/** splitmix64's output function: a cheap bijective mixer with no algebraic structure. */
export function mix64(z: bigint): bigint {
  z &= MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** A splitmix64 stream: random points and per-check oracle seeds. */
export class Rng {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = seed & MASK64;
  }
  next(): bigint {
    this.s = (this.s + 0x9e3779b97f4a7c15n) & MASK64;
    return mix64(this.s);
  }
  /** uniform-ish in [0, 1) */
  unit(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }
}

export function cryptoSeed(): bigint {
  return randomBytes(8).readBigUInt64BE();
}

/** A hash of a string into 64 bits (FNV-1a, then mixed), for naming opaque function atoms. */
export function hashString(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let k = 0; k < s.length; k++) h = ((h ^ BigInt(s.charCodeAt(k))) * 0x100000001b3n) & MASK64;
  return mix64(h);
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  if (b < 0n) b += m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

const SMALL_PRIMES = [
  2n,
  3n,
  5n,
  7n,
  11n,
  13n,
  17n,
  19n,
  23n,
  29n,
  31n,
  37n,
  41n,
  43n,
  47n,
  53n,
  59n,
  61n,
  67n,
  71n,
];

/** Miller–Rabin with the first 12 prime bases: deterministic below 3.3·10²⁴. */
export function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const q of SMALL_PRIMES) {
    if (n === q) return true;
    if (n % q === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of SMALL_PRIMES.slice(0, 12)) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let k = 1; k < s; k++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** A prime field F_p with p ≡ 3 (mod 4), extended by i. */
export class Field {
  readonly p: bigint;
  /** order of the multiplicative group of F_{p²} */
  readonly order: bigint;
  constructor(p: bigint) {
    this.p = p;
    this.order = p * p - 1n;
  }
  of(n: bigint): F2 {
    const r = n % this.p;
    return [r < 0n ? r + this.p : r, 0n];
  }
  add(a: F2, b: F2): F2 {
    return [(a[0] + b[0]) % this.p, (a[1] + b[1]) % this.p];
  }
  neg(a: F2): F2 {
    return [(this.p - a[0]) % this.p, (this.p - a[1]) % this.p];
  }
  mul(a: F2, b: F2): F2 {
    const p = this.p;
    if (a[1] === 0n && b[1] === 0n) return [(a[0] * b[0]) % p, 0n];
    const re = (a[0] * b[0] - a[1] * b[1]) % p;
    return [re < 0n ? re + p : re, (a[0] * b[1] + a[1] * b[0]) % p];
  }
  isZero(a: F2): boolean {
    return a[0] === 0n && a[1] === 0n;
  }
  eq(a: F2, b: F2): boolean {
    return a[0] === b[0] && a[1] === b[1];
  }
  /** undefined for zero */
  inv(a: F2): F2 | undefined {
    const p = this.p;
    const norm = (a[0] * a[0] + a[1] * a[1]) % p;
    if (norm === 0n) return undefined;
    const ni = modPow(norm, p - 2n, p);
    return [(a[0] * ni) % p, ((p - a[1]) * ni) % p];
  }
  /** a^e for any integer e (negative: inverse); undefined for 0 to a non-positive power */
  pow(a: F2, e: bigint): F2 | undefined {
    if (this.isZero(a)) return e > 0n ? a : undefined;
    if (e < 0n) {
      const ia = this.inv(a);
      return ia && this.pow(ia, -e);
    }
    e %= this.order;
    let r: F2 = [1n, 0n];
    let b = a;
    while (e > 0n) {
      if (e & 1n) r = this.mul(r, b);
      b = this.mul(b, b);
      e >>= 1n;
    }
    return r;
  }
  /** a square root of c ∈ F_p: in F_p when c is a residue, else i·√(−c) */
  sqrt(c: bigint): F2 {
    const p = this.p;
    c %= p;
    if (c < 0n) c += p;
    if (c === 0n) return [0n, 0n];
    const t = modPow(c, (p + 1n) >> 2n, p);
    if ((t * t) % p === c) return [t, 0n];
    return [0n, modPow(p - c, (p + 1n) >> 2n, p)];
  }
  /** a square root of any z ∈ F_{p²}, or undefined when z is not a square */
  sqrt2(z: F2): F2 | undefined {
    const p = this.p;
    const [a, b] = z;
    if (b === 0n) return this.sqrt(a);
    const exp = (p + 1n) >> 2n;
    const rootF = (c: bigint): bigint | undefined => {
      const t = modPow(c, exp, p);
      return (t * t) % p === ((c % p) + p) % p ? t : undefined;
    };
    const t = rootF((a * a + b * b) % p);
    if (t === undefined) return undefined;
    const half = (p + 1n) >> 1n;
    for (const s of [t, p - t]) {
      const x = rootF((((a + s) % p) * half) % p);
      if (x === undefined || x === 0n) continue;
      const y = (b * modPow((2n * x) % p, p - 2n, p)) % p;
      return [x, y];
    }
    return undefined;
  }
  /** the unique m-th root of c ∈ F_p (m odd, gcd(m, p − 1) = 1) */
  oddRoot(c: bigint, m: bigint): bigint {
    const inv = modInverse(m, this.p - 1n);
    return modPow(c, inv, this.p);
  }
  random(rng: Rng): F2 {
    return [1n + (rng.next() % (this.p - 1n)), 0n];
  }
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

const pool: Field[] = [];
/** pool members usable for each set of root orders (see `fields`), by the orders joined */
const usable = new Map<string, { orders: readonly bigint[]; list: Field[] }>();
let poolRng: Rng | undefined;
const MIN_POOL = 8;

function newPrime(): bigint {
  poolRng ??= new Rng(cryptoSeed());
  for (;;) {
    const c = (poolRng.next() & ((1n << 62n) - 1n)) | (1n << 61n) | 3n;
    if (isPrime(c)) return c;
  }
}

/**
 * `count` distinct random primes p ≡ 3 (mod 4) with p ≢ 1 (mod q) for each q in `coprimeTo` (so q-th roots are
 * unique in F_p), chosen at random from a per-process pool that grows on demand.
 */
export function fields(count: number, coprimeTo: readonly bigint[], rng: Rng): Field[] {
  const ok = (f: Field, orders: readonly bigint[]): boolean => orders.every((q) => (f.p - 1n) % q !== 0n);
  const key = coprimeTo.join(',');
  let entry = usable.get(key);
  if (!entry) {
    entry = { orders: [...coprimeTo], list: pool.filter((f) => ok(f, coprimeTo)) };
    usable.set(key, entry);
  }
  const candidates = entry.list;
  while (candidates.length < Math.max(count + 2, MIN_POOL)) {
    const f = new Field(newPrime());
    pool.push(f);
    for (const u of usable.values()) if (ok(f, u.orders)) u.list.push(f);
  }
  const picked: Field[] = [];
  while (picked.length < count) {
    const f = candidates[Number(rng.next() % BigInt(candidates.length))]!;
    if (!picked.includes(f)) picked.push(f);
  }
  return picked;
}

let processRng: Rng | undefined;

/** A fresh seed for one check: random points and oracle values nobody can tune an answer to. */
export function checkSeed(): bigint {
  processRng ??= new Rng(cryptoSeed());
  return processRng.next();
}
