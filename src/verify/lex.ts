/** Tokens and vocabulary of the answer parser: numbers, single letters, LaTeX commands and operator characters. */
import type { Expr, RelOp } from './ast.js';
import { parseDecimal } from './rational.js';

export class ParseError extends Error {
  override name = 'ParseError';
}

export type Tok = { k: 'num' | 'id' | 'cmd' | 'op'; s: string };

export const MAX_TOKENS = 4000;
export const MAX_DEPTH = 120;

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    if (out.length > MAX_TOKENS) throw new ParseError('too many tokens');
    const c = src[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+(?![a-zA-Z]))?/.exec(src.slice(i, i + 400))!;
      out.push({ k: 'num', s: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i, i + 40));
      if (!m) throw new ParseError('dangling backslash');
      out.push({ k: 'cmd', s: m[1]! });
      i += m[0].length;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      out.push({ k: 'id', s: c });
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '==') {
      out.push({ k: 'op', s: two === '==' ? '=' : two });
      i += 2;
      continue;
    }
    if ("+-*/^_()[]{},=<>!|&;:'".includes(c)) {
      out.push({ k: 'op', s: c });
      i++;
      continue;
    }
    throw new ParseError(`unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}

export const FUNCS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
  'ln',
  'log',
  'lg',
  'exp',
  'max',
  'min',
  'gcd',
  'lcm',
  'det',
]);
export const GREEK = new Set([
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'varepsilon',
  'zeta',
  'eta',
  'theta',
  'vartheta',
  'iota',
  'kappa',
  'lambda',
  'mu',
  'nu',
  'xi',
  'rho',
  'sigma',
  'tau',
  'upsilon',
  'phi',
  'varphi',
  'chi',
  'psi',
  'omega',
  'Gamma',
  'Delta',
  'Theta',
  'Lambda',
  'Xi',
  'Sigma',
  'Phi',
  'Psi',
  'Omega',
  'ell',
]);
export const REL: Record<string, RelOp> = {
  '=': '=',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
  '!=': '!=',
  le: '<=',
  ge: '>=',
  ne: '!=',
  lt: '<',
  gt: '>',
  approx: '~',
  simeq: '~',
  thickapprox: '~',
  eq: '=',
};
export const MATRIX_ENVS = new Set([
  'pmatrix',
  'bmatrix',
  'Bmatrix',
  'matrix',
  'smallmatrix',
  'array',
  'vmatrix',
]);

export const FUNCTION_NAMES: ReadonlySet<string> = FUNCS;

export function num(s: string): Expr {
  const v = parseDecimal(s);
  // 1e999999: too big to expand, exact as mantissa·10^exponent (the algebraic engine never expands it)
  const sci = v ? undefined : /^(\d*\.?\d*)[eE]([+-]?\d{1,9})$/.exec(s);
  if (sci) {
    const ten: Expr = { t: 'pow', a: { t: 'num', v: parseDecimal('10')! }, b: num(sci[2]!.replace('+', '')) };
    return mul(num(sci[1]!), ten);
  }
  if (!v) throw new ParseError(`bad number ${s}`);
  if (!s.includes('.')) return { t: 'num', v };
  const mant = s.replace(/[eE].*$/, '');
  const frac = mant.split('.')[1] ?? '';
  // 27.0 and 150.00 are integers written with a point: no precision policy for them
  if (/^0*$/.test(frac) && !/[eE]/.test(s)) return { t: 'num', v };
  const digits = mant.replace('.', '').replace(/^0+/, '');
  return { t: 'num', v, sig: Math.max(1, digits.length) };
}

export function mul(a: Expr, b: Expr): Expr {
  return a.t === 'mul' ? { t: 'mul', a: [...a.a, b] } : { t: 'mul', a: [a, b] };
}

/** `3\frac{1}{2}` is the mixed number 3½, not 3·½ (policy; see docs/verifier.md). */
export function mixedNumber(a: Expr, b: Expr): Expr | undefined {
  if (a.t !== 'num' || a.sig !== undefined || a.v.d !== 1n || a.v.n < 0n) return undefined;
  if (b.t !== 'div' || b.a.t !== 'num' || b.b.t !== 'num' || b.a.v.d !== 1n || b.b.v.d !== 1n)
    return undefined;
  if (b.a.v.n >= b.b.v.n || b.a.v.n <= 0n) return undefined;
  return { t: 'add', a: [a, b] };
}
