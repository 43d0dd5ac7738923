/**
 * Fixed-point BigInt elementary functions for high-precision balls (bigball.ts): a value is m / 2^W.
 *
 * Each function documents its error in units of 2^-W; callers work W = F + 64 bits above the precision F they
 * report, so these constant-ulp errors and the series' truncation vanish below the reported radius.
 */

/** round(x / 2^k), k ≥ 0 */
export function shiftRound(x: bigint, k: number): bigint {
  if (k <= 0) return x << BigInt(-k);
  const b = BigInt(k);
  return (x + (1n << (b - 1n))) >> b;
}

export function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = (x < 0n ? -x : x).toString(16);
  return (hex.length - 1) * 4 + 32 - Math.clz32(Number.parseInt(hex[0]!, 16));
}

/** ⌊a / b⌋ for b > 0 */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Σ (−1)^k / ((2k+1) n^{2k+1}) · 2^W for an integer n ≥ 2 (error ≤ terms + 1 ulp) */
function atanInverse(n: bigint, W: number, hyperbolic: boolean): bigint {
  const n2 = n * n;
  let term = (1n << BigInt(W)) / n;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    const t = term / k;
    sum += hyperbolic || ((k - 1n) / 2n) % 2n === 0n ? t : -t;
    term /= n2;
  }
  return sum;
}

let piCache: { W: number; m: bigint } = { W: 0, m: 0n };
let ln2Cache: { W: number; m: bigint } = { W: 0, m: 0n };

/** π · 2^W (Machin), error ≤ 2^{-W+8} */
export function pi(W: number): bigint {
  if (piCache.W < W) {
    const w = W + 32;
    piCache = { W: w, m: 16n * atanInverse(5n, w, false) - 4n * atanInverse(239n, w, false) };
  }
  return shiftRound(piCache.m, piCache.W - W);
}

/** ln 2 · 2^W = 2 atanh(1/3), error ≤ 2^{-W+8} */
export function ln2(W: number): bigint {
  if (ln2Cache.W < W) {
    const w = W + 32;
    ln2Cache = { W: w, m: 2n * atanInverse(3n, w, true) };
  }
  return shiftRound(ln2Cache.m, ln2Cache.W - W);
}

const mul = (a: bigint, b: bigint, W: number): bigint => shiftRound(a * b, W);

/** e^x for |x| ≤ 1 (x at W): Taylor after halving 16 times, then squaring back; relative error ≤ 2^{-W+48} */
function expSmall(x: bigint, W: number): bigint {
  const s = 16;
  const w = W + 2 * s + 16;
  const t = x << BigInt(w - W - s);
  const one = 1n << BigInt(w);
  let sum = one;
  let term = one;
  for (let k = 1n; term !== 0n; k++) {
    term = mul(term, t, w) / k;
    sum += term;
  }
  for (let k = 0; k < s; k++) sum = mul(sum, sum, w);
  return shiftRound(sum, w - W);
}

/**
 * e^x for real x at W (|x| < 2^30): returns [m, k] with e^x ≈ m · 2^{k-W}, m ≈ 2^W, relative error ≤ 2^{-W+56}.
 */
export function exp(x: bigint, W: number): [bigint, number] {
  const w = W + 64 + bitLength(x >> BigInt(W));
  const l2 = ln2(w);
  const xw = x << BigInt(w - W);
  const k = floorDiv(xw + (l2 >> 1n), l2);
  const r = xw - k * l2;
  return [expSmall(shiftRound(r, w - W), W), Number(k)];
}

/** ln x for x > 0 at W: [value at W], absolute error ≤ 2^{-W+24} */
export function ln(x: bigint, W: number): bigint {
  const w = W + 48;
  const b = bitLength(x) - W; // x ∈ [2^{b-1}, 2^b)
  let y = b >= 0 ? shiftRound(x << BigInt(w - W), b) : x << BigInt(w - W - b); // y ∈ [1/2, 1) at w
  // ln y = 2^8 · ln y^{1/256}, which is close to 0, by atanh
  const s = 8;
  for (let k = 0; k < s; k++) y = isqrt(y << BigInt(w));
  const one = 1n << BigInt(w);
  const z = ((y - one) << BigInt(w)) / (y + one);
  const z2 = mul(z, z, w);
  let sum = 0n;
  let term = z;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = mul(term, z2, w);
  }
  const lnY = (2n * sum) << BigInt(s);
  return shiftRound(lnY + BigInt(b) * ln2(w), w - W);
}

/** sin and cos of any real x at W, absolute error ≤ 2^{-W+24} */
export function sinCos(x: bigint, W: number): [bigint, bigint] {
  const w = W + 64 + Math.max(0, bitLength(x) - W);
  const halfPi = pi(w) >> 1n;
  const xw = x << BigInt(w - W);
  let q = xw / halfPi;
  if (xw - q * halfPi > halfPi >> 1n) q++;
  if (xw - q * halfPi < -(halfPi >> 1n)) q--;
  const t = xw - q * halfPi; // |t| ≤ π/4
  const s = 12;
  const ws = w + 2 * s;
  const u = t << BigInt(ws - w - s);
  const u2 = mul(u, u, ws);
  // Taylor for sin u and cos u with |u| ≤ 2^-12
  let sin = 0n;
  let cos = 0n;
  let term = u;
  for (let k = 1n; term !== 0n; k += 2n) {
    sin += term;
    term = -mul(term, u2, ws) / ((k + 1n) * (k + 2n));
  }
  term = 1n << BigInt(ws);
  for (let k = 0n; term !== 0n; k += 2n) {
    cos += term;
    term = -mul(term, u2, ws) / ((k + 1n) * (k + 2n));
  }
  for (let k = 0; k < s; k++) {
    // sin 2a = 2 sin a cos a, cos 2a = 1 − 2 sin² a
    [sin, cos] = [2n * mul(sin, cos, ws), (1n << BigInt(ws)) - 2n * mul(sin, sin, ws)];
  }
  const quadrant = Number(((q % 4n) + 4n) % 4n);
  const [S, C] = [shiftRound(sin, ws - W), shiftRound(cos, ws - W)];
  return [[S, C, -S, -C][quadrant]!, [C, -S, -C, S][quadrant]!];
}

/** arctan of any real x at W, absolute error ≤ 2^{-W+24} */
export function atan(x: bigint, W: number): bigint {
  const w = W + 48;
  const one = 1n << BigInt(w);
  let v = x << BigInt(w - W);
  const negative = v < 0n;
  if (negative) v = -v;
  const invert = v > one;
  if (invert) v = (one << BigInt(w)) / v;
  // atan v = 2 atan(v / (1 + √(1 + v²))), 8 times
  const s = 8;
  for (let k = 0; k < s; k++) v = (v << BigInt(w)) / (one + isqrt((one + mul(v, v, w)) << BigInt(w)));
  const v2 = mul(v, v, w);
  let sum = 0n;
  let term = v;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += (((k - 1n) / 2n) % 2n === 0n ? 1n : -1n) * (term / k);
    term = mul(term, v2, w);
  }
  let out = sum << BigInt(s);
  if (invert) out = (pi(w) >> 1n) - out;
  return shiftRound(negative ? -out : out, w - W);
}
