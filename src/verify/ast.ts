import type { Rational } from './rational.js';

/** The answer AST produced by the hand-written LaTeX-subset parser. */
export type Expr =
  /** `sig` is set when the literal was written as a decimal: its count of significant digits (precision policy). */
  | { t: 'num'; v: Rational; sig?: number }
  | { t: 'var'; name: string }
  | { t: 'const'; name: 'pi' | 'e' | 'i' | 'inf' }
  | { t: 'add'; a: Expr[] }
  | { t: 'neg'; a: Expr }
  | { t: 'mul'; a: Expr[] }
  | { t: 'div'; a: Expr; b: Expr }
  | { t: 'pow'; a: Expr; b: Expr }
  | { t: 'fn'; name: string; args: Expr[] }
  | { t: 'pm'; a: Expr | null; b: Expr }
  | { t: 'pct'; a: Expr }
  | { t: 'base'; digits: string; base: number }
  | { t: 'tuple'; items: Expr[] }
  | { t: 'set'; items: Expr[] }
  | { t: 'list'; items: Expr[] }
  | { t: 'interval'; lo: Expr; hi: Expr; loOpen: boolean; hiOpen: boolean }
  | { t: 'union'; items: Expr[] }
  | { t: 'matrix'; rows: Expr[][] }
  | { t: 'rel'; ops: RelOp[]; items: Expr[] };

/** `~` is `\approx`: an approximation step in a chain, never the exact answer when an `=` precedes it */
export type RelOp = '=' | '~' | '<' | '<=' | '>' | '>=' | '!=';

export function show(e: Expr): string {
  switch (e.t) {
    case 'num':
      return e.v.d === 1n ? e.v.n.toString() : `${e.v.n}/${e.v.d}`;
    case 'var':
      return e.name;
    case 'const':
      return e.name;
    case 'add':
      return `(${e.a.map(show).join(' + ')})`;
    case 'neg':
      return `-${show(e.a)}`;
    case 'mul':
      return `(${e.a.map(show).join(' * ')})`;
    case 'div':
      return `(${show(e.a)} / ${show(e.b)})`;
    case 'pow':
      return `(${show(e.a)}^${show(e.b)})`;
    case 'fn':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'pm':
      return `(${e.a ? show(e.a) : ''} ± ${show(e.b)})`;
    case 'pct':
      return `${show(e.a)}%`;
    case 'base':
      return `${e.digits}_${e.base}`;
    case 'tuple':
      return `(${e.items.map(show).join(', ')})`;
    case 'set':
      return `{${e.items.map(show).join(', ')}}`;
    case 'list':
      return e.items.map(show).join(', ');
    case 'interval':
      return `${e.loOpen ? '(' : '['}${show(e.lo)}, ${show(e.hi)}${e.hiOpen ? ')' : ']'}`;
    case 'union':
      return e.items.map(show).join(' ∪ ');
    case 'matrix':
      return `[${e.rows.map((r) => r.map(show).join(', ')).join('; ')}]`;
    case 'rel':
      return e.items.map((x, i) => (i === 0 ? show(x) : `${e.ops[i - 1]} ${show(x)}`)).join(' ');
  }
}

const TRIG = new Set(['sin', 'cos', 'tan', 'cot', 'sec', 'csc']);

/** `x^\circ` is x inside a trigonometric function's argument scaled to radians, and plain x anywhere else. */
export function resolveDegrees(e: Expr, inTrig: boolean): Expr {
  if (e.t === 'fn') {
    if (e.name === 'deg') {
      const a = resolveDegrees(e.args[0]!, inTrig);
      if (!inTrig) return a;
      const pi: Expr = { t: 'const', name: 'pi' };
      return { t: 'div', a: { t: 'mul', a: [a, pi] }, b: { t: 'num', v: { n: 180n, d: 1n } } };
    }
    const trig = TRIG.has(e.name);
    return { ...e, args: e.args.map((x) => resolveDegrees(x, inTrig || trig)) };
  }
  return mapChildren(e, (x) => resolveDegrees(x, inTrig));
}

/** `e` with `f` applied to each of its direct subexpressions: the one place that knows where they are. */
export function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  switch (e.t) {
    case 'add':
    case 'mul':
      return { ...e, a: e.a.map(f) };
    case 'neg':
    case 'pct':
      return { ...e, a: f(e.a) };
    case 'div':
    case 'pow':
      return { ...e, a: f(e.a), b: f(e.b) };
    case 'fn':
      return { ...e, args: e.args.map(f) };
    case 'pm':
      return { ...e, a: e.a ? f(e.a) : null, b: f(e.b) };
    case 'tuple':
    case 'set':
    case 'list':
    case 'union':
    case 'rel':
      return { ...e, items: e.items.map(f) };
    case 'interval':
      return { ...e, lo: f(e.lo), hi: f(e.hi) };
    case 'matrix':
      return { ...e, rows: e.rows.map((row) => row.map(f)) };
    default:
      return e;
  }
}

/** The direct subexpressions of `e`. */
export function childrenOf(e: Expr): Expr[] {
  const out: Expr[] = [];
  mapChildren(e, (x) => {
    out.push(x);
    return x;
  });
  return out;
}
