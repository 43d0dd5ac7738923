/**
 * Seeded generators for the equivalence fuzz test: perturbations of a gold answer that change its value (every
 * one must be rejected) and rewrites that keep it (every one must be accepted). Golds come from MATH-500 (those
 * that are a single value or expression) and from a synthetic list that stresses scales, radicals and functions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Expr } from '../../src/verify/ast.js';
import { parseLatex } from '../../src/verify/parse.js';
import * as Q from '../../src/verify/rational.js';
import { explainAnswer, verify } from '../../src/verify/verify.js';
import { DATA_DIR } from './real-data.js';

/** mulberry32: a small seeded generator, so a failure reproduces */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SYNTHETIC_GOLDS = [
  'x',
  'x^2+1',
  '\\frac{x}{10^{20}}',
  'x^{1000000000}',
  '\\sin(10^{30}x)',
  '2^{100}',
  '2^{299999}',
  '3^{62500}',
  '\\sqrt{2}+\\sqrt{3}',
  '\\sqrt[3]{5}',
  '\\frac{\\pi}{7}',
  '\\frac{\\pi^2}{6}',
  'e^{x}',
  '\\ln(x+1)',
  '\\cos x+\\sin y',
  'xy+1',
  '\\frac{1}{x-1}',
  '10^{-30}',
  '\\sqrt{x}',
  '\\arctan x',
  '1+i',
  '\\frac{\\sqrt{3}}{2}',
  'e^{\\pi}',
  '\\log_2 3',
];

/** MATH-500 golds that are one value or expression (no text, units, lists or relations). */
export function realGolds(): string[] {
  const file = join(DATA_DIR, 'math500.test.jsonl');
  if (!existsSync(file)) return [];
  const out = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const gold = (JSON.parse(line) as { answer: string }).answer;
    if (/\\text|\\mbox|\\circ|\\%|\\\$|[,=<>]|\\in\b|\\pm|\\infty|\\le|\\ge|!|\\|\|/.test(gold)) continue;
    const t = explainAnswer(gold).type;
    if (t !== 'number' && t !== 'expression') continue;
    if (!verify({ gold, response: `\\boxed{1\\cdot(${gold})}` }).correct) continue;
    out.add(gold);
  }
  return [...out];
}

function vars(gold: string): string[] {
  const canonical = explainAnswer(gold).canonical;
  return [...new Set(canonical.match(/\b[a-df-hj-z]\b/g) ?? [])];
}

const equals = (gold: string, value: string): boolean =>
  verify({ gold, response: `\\boxed{${value}}` }).correct;

export interface Variant {
  kind: string;
  response: string;
}

/** Changes of value, small and hidden under scales. `k` is a decimal exponent. */
export function perturbations(gold: string, rnd: () => number): Variant[] {
  const G = `(${gold})`;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const k = (): number => pick([6, 9, 12, 17, 20, 30, 60, 200, 1000]);
  const zero = equals(gold, '0');
  const one = equals(gold, '1') || equals(gold, '-1');
  const v = vars(gold);
  const x = v[0];
  const out: Variant[] = [];
  const add = (kind: string, response: string): void => {
    out.push({ kind, response });
  };
  const a = k();
  const b = pick([60, 80, 200]);
  add('tiny additive', `${G}+10^{-${k()}}`);
  add('tiny additive under a scale', `\\frac{${G}\\cdot 10^{${a}}+1}{10^{${a}}}`);
  add('additive after huge cancellation', `(${G}+10^{${a}})-10^{${a}}+10^{-${k()}}`);
  add('catastrophic cancellation', `${G}+(2^{${b}}+1)-2^{${b}}`);
  add('huge power ratio', `${G}+\\frac{3^{1000001}}{3^{1000000}\\cdot 3+1}`);
  add('tiny in a sine', `${G}+\\sin(10^{-${k()}})`);
  add('tiny in a logarithm', `${G}+\\ln(1+10^{-${k()}})`);
  add('tiny in an exponential', `${G}+e^{-10^{${pick([2, 3, 4])}}}`);
  add('tiny in a nested radical', `${G}+\\sqrt{2+10^{-${k()}}}-\\sqrt{2}`);
  const c = pick([20, 30, 50]);
  add('trig of a huge argument', `${G}+\\sin(10^{${c}})-\\sin(10^{${c}}+1)`);
  add('1-ulp constant', `${G}+3.141592653589793-\\pi`);
  add('constant approximated by a fraction', `${G}+\\frac{314159265358979}{10^{14}}-\\pi`);
  if (!zero) {
    add('relative', `${G}\\cdot(1+10^{-${k()}})`);
    add('relative, in a cosine', `${G}\\cdot\\cos(10^{-${k()}})`);
    add('relative, exponential', `${G}\\cdot e^{10^{-${k()}}}`);
    add('relative, power of two', `${G}\\cdot 2^{10^{-${k()}}}`);
  }
  if (!zero && !one) add('exponent', `${G}^{1+10^{-${k()}}}`);
  if (x) {
    add('one variable, tiny', `${G}+10^{-${k()}}${x}`);
    add('huge exponent', `${G}+${x}^{1000000001}-${x}^{1000000000}`);
    add('only far out', `${G}+\\max(0,${x}-10^{6})`);
    add('only far out, floor', `${G}+\\lfloor \\frac{${x}}{10^{6}} \\rfloor`);
    add('only near a point', `${G}+\\max(0,10^{-3}-(${x}-1)^2)`);
    add('tent of absolute values', `${G}+|${x}-1|-2|${x}-1.0005|+|${x}-1.001|`);
    add(
      'tent of square roots',
      `${G}+\\sqrt{(${x}-1)^2}-2\\sqrt{(${x}-1.0005)^2}+\\sqrt{${x}^2-2.002${x}+1.002001}`,
    );
    add('trig of a huge multiple', `${G}+\\sin(10^{30}${x}+1)-\\sin(10^{30}${x})`);
    const y = v[1];
    if (y) add('second variable', `${G}+10^{-${k()}}${y}`);
  }
  for (const [c, approx] of [
    ['\\pi', '3.14159265358979'],
    ['\\sqrt{2}', '1.4142135623731'],
    ['\\sqrt{3}', '1.73205080756888'],
    ['e', '2.71828182845905'],
  ] as const) {
    if (gold.includes(c)) add(`ulp of ${c}`, gold.replace(c, `(${approx})`));
  }
  const lit = /(?<![\d.^{])(\d+)(?![\d.])/.exec(gold);
  if (lit) {
    const at = lit.index;
    add('literal nudged', `${gold.slice(0, at)}(${lit[1]}+10^{-${k()}})${gold.slice(at + lit[1]!.length)}`);
  }
  return out;
}

/** Value-preserving rewrites: commuting, expanding, factoring, powers, radicals, fractions, huge exact values. */
export function rewrites(gold: string, rnd: () => number): Variant[] {
  const G = `(${gold})`;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const zero = equals(gold, '0');
  const v = vars(gold);
  const x = v[0];
  const out: Variant[] = [];
  const add = (kind: string, response: string): void => {
    out.push({ kind, response });
  };
  const n = pick([3, 7, 20, 30, 100]);
  add('commute', `0+1\\cdot ${G}`);
  add('fraction', `\\frac{${G}}{2}+\\frac{${G}}{2}`);
  add('scaled fraction', `\\frac{${G}\\cdot 10^{${n}}}{10^{${n}}}`);
  add('huge cancellation', `(${G}+10^{${n}})-10^{${n}}`);
  add('radicals', `${G}\\cdot\\frac{\\sqrt{8}}{2\\sqrt{2}}`);
  add('nested radicals', `${G}\\cdot(\\sqrt{3+2\\sqrt{2}}-\\sqrt{2})`);
  add('huge powers', `${G}\\cdot\\frac{3^{1000001}}{3^{1000000}\\cdot 3}`);
  add('beyond the exact limit', `${G}+2^{300000}-2\\cdot 2^{299999}`);
  add('perfect power radical', `${G}\\cdot\\frac{\\sqrt{3^{125000}}}{3^{62500}}`);
  const t = pick([1, 2, 5]);
  add('trig identity', `${G}+\\sin^2 ${t}+\\cos^2 ${t}-1`);
  add('exact trig value', `${G}\\cdot 2\\sin\\frac{\\pi}{6}`);
  add('logarithm', `${G}\\cdot\\log_2 8-2${G}`);
  add('exponential', `${G}\\cdot e^{\\ln 3}-2${G}`);
  add('imaginary unit', `${G}\\cdot i^4`);
  if (!zero) {
    add('reciprocal', `\\frac{1}{\\frac{1}{${G}}}`);
    add('power', `\\frac{${G}^{3}}{${G}^{2}}`);
  }
  if (x) {
    add('factor', `\\frac{${G}(${x}+1)}{${x}+1}`);
    add('expand', `${G}+(${x}+1)^2-${x}^2-2${x}-1`);
    add('absolute value, sign flipped', `${G}+|${x}-1|-|1-${x}|`);
    add('root of a square', `${G}+\\sqrt{(${x}-3)^2}-|3-${x}|`);
    add(
      'substitute',
      gold.replace(new RegExp(`(?<![a-zA-Z\\\\])${x}(?![a-zA-Z])`, 'g'), `(\\frac{2${x}}{2})`),
    );
  }
  out.push(...treeRewrites(gold));
  return out;
}

// ---------- rewrites on the parsed expression ----------

const FN_LATEX: Record<string, string> = { log10: '\\log_{10}', ln: '\\ln' };

/** LaTeX for an expression tree, parenthesized generously (enough for the verifier's parser to read it back) */
export function toLatex(e: Expr): string {
  const p = (x: Expr): string => `(${toLatex(x)})`;
  switch (e.t) {
    case 'num':
      return e.v.d === 1n ? (e.v.n < 0n ? `(${e.v.n})` : `${e.v.n}`) : `\\frac{${e.v.n}}{${e.v.d}}`;
    case 'var':
      return e.name.length > 1 && !e.name.includes('_') ? `\\${e.name}` : e.name;
    case 'const':
      return e.name === 'pi' ? '\\pi' : e.name === 'inf' ? '\\infty' : e.name;
    case 'add':
      return e.a.map(p).join('+');
    case 'neg':
      return `-${p(e.a)}`;
    case 'mul':
      return e.a.map(p).join('\\cdot ');
    case 'div':
      return `\\frac{${toLatex(e.a)}}{${toLatex(e.b)}}`;
    case 'pow':
      return `${p(e.a)}^{${toLatex(e.b)}}`;
    case 'fn': {
      const [a, b] = e.args.map(toLatex);
      if (e.name === 'sqrt') return `\\sqrt{${a}}`;
      if (e.name === 'root') return `\\sqrt[${b}]{${a}}`;
      if (e.name === 'abs') return `|${a}|`;
      if (e.name === 'fact') return `(${a})!`;
      if (e.name === 'binom') return `\\binom{${a}}{${b}}`;
      if (e.name === 'floor') return `\\lfloor ${a} \\rfloor`;
      if (e.name === 'ceil') return `\\lceil ${a} \\rceil`;
      if (e.name === 'log') return `\\log_{${b}}(${a})`;
      return `${FN_LATEX[e.name] ?? `\\${e.name}`}(${e.args.map(toLatex).join(',')})`;
    }
    default:
      throw new Error(`no LaTeX for ${e.t}`);
  }
}

/** Applies `f` bottom-up to every node. */
function mapTree(e: Expr, f: (x: Expr) => Expr): Expr {
  const m = (x: Expr): Expr => mapTree(x, f);
  switch (e.t) {
    case 'add':
    case 'mul':
      return f({ ...e, a: e.a.map(m) });
    case 'neg':
      return f({ ...e, a: m(e.a) });
    case 'div':
    case 'pow':
      return f({ ...e, a: m(e.a), b: m(e.b) });
    case 'fn':
      return f({ ...e, args: e.args.map(m) });
    default:
      return f(e);
  }
}

const num = (q: Q.Rational): Expr => ({ t: 'num', v: q });

const TREE_REWRITES: [string, (x: Expr) => Expr][] = [
  [
    'commute sums and products',
    (x) => (x.t === 'add' || x.t === 'mul' ? { ...x, a: [...x.a].reverse() } : x),
  ],
  [
    'quotients as negative powers',
    (x) => (x.t === 'div' ? { t: 'mul', a: [x.a, { t: 'pow', a: x.b, b: num(Q.rat(-1n)) }] } : x),
  ],
  [
    'radicals as fractional powers',
    (x) =>
      x.t === 'fn' && x.name === 'sqrt'
        ? { t: 'pow', a: x.args[0]!, b: num(Q.rat(1n, 2n)) }
        : x.t === 'fn' && x.name === 'root' && x.args[1]!.t === 'num'
          ? { t: 'pow', a: x.args[0]!, b: num(Q.div(Q.ONE, x.args[1]!.v)!) }
          : x,
  ],
  [
    'expand one product',
    (x) => {
      if (x.t !== 'mul') return x;
      const k = x.a.findIndex((y) => y.t === 'add');
      if (k < 0) return x;
      const rest = x.a.filter((_, j) => j !== k);
      return {
        t: 'add',
        a: (x.a[k] as Extract<Expr, { t: 'add' }>).a.map((y) => ({ t: 'mul', a: [y, ...rest] }) as Expr),
      };
    },
  ],
  [
    'split integer powers',
    (x) =>
      x.t === 'pow' && x.b.t === 'num' && x.b.v.d === 1n && x.b.v.n >= 2n && x.b.v.n <= 50n
        ? { t: 'mul', a: [x.a, { t: 'pow', a: x.a, b: num(Q.sub(x.b.v, Q.ONE)) }] }
        : x,
  ],
  [
    'scale rationals',
    (x) =>
      x.t === 'num' && x.v.n !== 0n ? { t: 'div', a: num(Q.mul(x.v, Q.rat(6n))), b: num(Q.rat(6n)) } : x,
  ],
  ['negation as a product', (x) => (x.t === 'neg' ? { t: 'mul', a: [num(Q.rat(-1n)), x.a] } : x)],
];

/** The gold's expression tree rewritten by each value-preserving transformation, in LaTeX. */
export function treeRewrites(gold: string): Variant[] {
  let tree: Expr;
  try {
    tree = parseLatex(gold);
    toLatex(tree);
  } catch {
    return [];
  }
  return TREE_REWRITES.map(([kind, f]) => ({ kind, response: toLatex(mapTree(tree, f)) }));
}
