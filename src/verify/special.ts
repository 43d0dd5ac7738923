/**
 * Exact values that both equivalence engines should see as algebraic numbers: trigonometric functions at rational
 * multiples of π with denominator dividing 12 (`\sin\frac{\pi}{3}` = √3/2, `\cos 60^\circ` = 1/2), e^{iqπ},
 * `\ln 1`, `\ln e`, `e^0`. Anything else is left as it is.
 */
import type { Expr } from './ast.js';
import { exact } from './evaluate.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

const num = (n: bigint, d = 1n): Expr => ({ t: 'num', v: Q.rat(n, d) });
const sqrt = (n: bigint): Expr => ({ t: 'fn', name: 'sqrt', args: [num(n)] });
const div = (a: Expr, d: bigint): Expr => ({ t: 'div', a, b: num(d) });

/** sin(kπ/12) for k = 0..6 */
const SIN_FIRST_QUADRANT: Expr[] = [
  num(0n),
  div({ t: 'add', a: [sqrt(6n), { t: 'neg', a: sqrt(2n) }] }, 4n),
  num(1n, 2n),
  div(sqrt(2n), 2n),
  div(sqrt(3n), 2n),
  div({ t: 'add', a: [sqrt(6n), sqrt(2n)] }, 4n),
  num(1n),
];

/** q with e = q·π, for sums and products of rationals and a single π */
export function piMultiple(e: Expr): Rational | undefined {
  switch (e.t) {
    case 'const':
      return e.name === 'pi' ? Q.ONE : undefined;
    case 'neg': {
      const a = piMultiple(e.a);
      return a && Q.neg(a);
    }
    case 'mul': {
      let q: Rational | undefined;
      let factor = Q.ONE;
      for (const x of e.a) {
        const v = exact(x);
        if (v) factor = Q.mul(factor, v);
        else if (q === undefined) {
          q = piMultiple(x);
          if (!q) return undefined;
        } else return undefined;
      }
      return q && Q.mul(q, factor);
    }
    case 'div': {
      const a = piMultiple(e.a);
      const b = a && exact(e.b);
      return a && b ? Q.div(a, b) : undefined;
    }
    case 'add': {
      let acc = Q.ZERO;
      for (const x of e.a) {
        const v = piMultiple(x) ?? (exact(x)?.n === 0n ? Q.ZERO : undefined);
        if (!v) return undefined;
        acc = Q.add(acc, v);
      }
      return acc;
    }
    default:
      return undefined;
  }
}

/** sin(qπ) when 12q is an integer */
function sinPi(q: Rational): Expr | undefined {
  const t = Q.mul(q, Q.rat(12n));
  if (t.d !== 1n) return undefined;
  let k = ((t.n % 24n) + 24n) % 24n; // k·π/12 in [0, 2π)
  let sign = 1n;
  if (k >= 12n) {
    k -= 12n;
    sign = -1n;
  }
  if (k > 6n) k = 12n - k;
  const v = SIN_FIRST_QUADRANT[Number(k)]!;
  return sign < 0n ? { t: 'neg', a: v } : v;
}

function trigAt(name: string, q: Rational): Expr | undefined {
  const s = sinPi(q);
  const c = sinPi(Q.add(q, Q.rat(1n, 2n)));
  if (!s || !c) return undefined;
  switch (name) {
    case 'sin':
      return s;
    case 'cos':
      return c;
    case 'tan':
      return { t: 'div', a: s, b: c };
    case 'cot':
      return { t: 'div', a: c, b: s };
    case 'sec':
      return { t: 'div', a: num(1n), b: c };
    case 'csc':
      return { t: 'div', a: num(1n), b: s };
    default:
      return undefined;
  }
}

const isE = (e: Expr): boolean => e.t === 'const' && e.name === 'e';

/** q with e = q·iπ */
function iPiMultiple(e: Expr): Rational | undefined {
  const isI = (x: Expr): boolean => x.t === 'const' && x.name === 'i';
  if (e.t === 'neg') {
    const a = iPiMultiple(e.a);
    return a && Q.neg(a);
  }
  if (e.t === 'div') {
    const a = iPiMultiple(e.a);
    const b = a && exact(e.b);
    return a && b ? Q.div(a, b) : undefined;
  }
  if (e.t !== 'mul') return undefined;
  const k = e.a.findIndex(isI);
  if (k < 0) return undefined;
  const rest = e.a.filter((_, j) => j !== k);
  return piMultiple(rest.length === 1 ? rest[0]! : { t: 'mul', a: rest });
}

/** e^{x} for a special exponent x: 1 for 0, cos qπ + i sin qπ for iqπ, u for ln u */
function expAt(x: Expr): Expr | undefined {
  const z = exact(x);
  if (z?.n === 0n) return num(1n);
  if (x.t === 'fn' && x.name === 'ln' && x.args.length === 1) return x.args[0];
  const q = iPiMultiple(x);
  if (!q) return undefined;
  const c = sinPi(Q.add(q, Q.rat(1n, 2n)));
  const s = sinPi(q);
  if (!c || !s) return undefined;
  return { t: 'add', a: [c, { t: 'mul', a: [{ t: 'const', name: 'i' }, s] }] };
}

function lnAt(x: Expr): Expr | undefined {
  if (exact(x)?.n === 1n && exact(x)?.d === 1n) return num(0n);
  if (isE(x)) return num(1n);
  if (x.t === 'pow' && isE(x.a) && exact(x.b)) return x.b;
  return undefined;
}

/** k·√c with rational k and c, in the shapes answers write it */
function surd(e: Expr): { k: Rational; c: Rational } | undefined {
  if (e.t === 'fn' && e.name === 'sqrt' && e.args.length === 1) {
    const c = exact(e.args[0]!);
    return c && c.n > 0n ? { k: Q.ONE, c } : undefined;
  }
  if (e.t === 'neg') {
    const s = surd(e.a);
    return s && { k: Q.neg(s.k), c: s.c };
  }
  if (e.t === 'div') {
    const s = surd(e.a);
    const d = s && exact(e.b);
    const k = s && d && Q.div(s.k, d);
    return s && k ? { k, c: s.c } : undefined;
  }
  if (e.t === 'mul') {
    let found: { k: Rational; c: Rational } | undefined;
    let k = Q.ONE;
    for (const x of e.a) {
      const v = exact(x);
      if (v) k = Q.mul(k, v);
      else if (!found) found = surd(x);
      else return undefined;
      if (!v && !found) return undefined;
    }
    return found && { k: Q.mul(k, found.k), c: found.c };
  }
  return undefined;
}

/**
 * √(a + k√c) = √x + sign(k)·√y when a² − k²c is a rational square s² (x, y = (a ± s)/2): the nested radicals
 * answers contain (`\sqrt{3+2\sqrt2}` = 1 + √2) become plain radicals the algebraic engine decides.
 */
function denest(arg: Expr): Expr | undefined {
  if (arg.t !== 'add' || arg.a.length !== 2) return undefined;
  for (const [i, j] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const a = exact(arg.a[i]!);
    const s = a && surd(arg.a[j]!);
    if (!a || !s) continue;
    const disc = Q.sub(Q.mul(a, a), Q.mul(Q.mul(s.k, s.k), s.c));
    if (disc.n < 0n) return undefined;
    const root = exact({ t: 'fn', name: 'sqrt', args: [{ t: 'num', v: disc }] });
    if (!root) return undefined;
    const half = Q.rat(1n, 2n);
    const x = Q.mul(Q.add(a, root), half);
    const y = Q.mul(Q.sub(a, root), half);
    if (x.n < 0n || y.n < 0n) return undefined;
    const rx: Expr = { t: 'fn', name: 'sqrt', args: [{ t: 'num', v: x }] };
    const ry: Expr = { t: 'fn', name: 'sqrt', args: [{ t: 'num', v: y }] };
    return { t: 'add', a: [rx, s.k.n < 0n ? { t: 'neg', a: ry } : ry] };
  }
  return undefined;
}

/** a rational function of the variables with rational coefficients: real wherever the variables are */
function realRational(e: Expr): boolean {
  switch (e.t) {
    case 'num':
    case 'var':
      return true;
    case 'add':
    case 'mul':
      return e.a.every(realRational);
    case 'neg':
      return realRational(e.a);
    case 'div':
      return realRational(e.a) && realRational(e.b);
    case 'pow':
      return exact(e.b)?.d === 1n && realRational(e.a);
    default:
      return false;
  }
}

/** √(w²) = |w| for real w */
function rootOfSquare(x: Expr): Expr | undefined {
  if (x.t !== 'pow' || exact(x.b)?.n !== 2n || exact(x.b)?.d !== 1n || !realRational(x.a)) return undefined;
  return { t: 'fn', name: 'abs', args: [x.a] };
}

const SPECIAL: Record<string, (x: Expr) => Expr | undefined> = {
  exp: expAt,
  ln: lnAt,
  sqrt: (x) => rootOfSquare(x) ?? denest(x),
};

/** The expression with every special value replaced by its exact algebraic form. */
export function rewriteSpecial(e: Expr): Expr {
  switch (e.t) {
    case 'fn': {
      const args = e.args.map(rewriteSpecial);
      const a = args[0]!;
      if (args.length === 1) {
        const q = piMultiple(a);
        const v = q ? trigAt(e.name, q) : SPECIAL[e.name]?.(a);
        if (v) return v;
      }
      return { ...e, args };
    }
    case 'pow': {
      const a = rewriteSpecial(e.a);
      const b = rewriteSpecial(e.b);
      return (isE(a) && expAt(b)) || { t: 'pow', a, b };
    }
    case 'add':
    case 'mul':
      return { ...e, a: e.a.map(rewriteSpecial) };
    case 'neg':
    case 'pct':
      return { ...e, a: rewriteSpecial(e.a) };
    case 'div':
      return { t: 'div', a: rewriteSpecial(e.a), b: rewriteSpecial(e.b) };
    default:
      return e;
  }
}
