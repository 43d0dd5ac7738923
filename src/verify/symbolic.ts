/**
 * Compute-engine fallback for LaTeX the fast parser does not know (`y^{\prime}`, `\operatorname{arccot}`, `\sum`).
 * CortexJS parses it to MathJSON, which is mapped onto the verifier's own AST; heads without a numeric meaning
 * become opaque symbols, so equal subterms still compare equal under random evaluation.
 *
 * Import + init costs ~250-400 ms, so the engine loads only on `await loadSymbolicEngine()` (the worker pool,
 * CLI and reward server call it); until then `symbolicParse` returns undefined and the verifier falls back to text.
 */
import type { Expr, RelOp } from './ast.js';
import { parseDecimal } from './rational.js';

interface LatexParser {
  readonly peek: string;
  nextToken(): string;
  skipSpace(): boolean;
}
interface LatexEntry {
  latexTrigger: string;
  kind: 'expression';
  parse: (parser: LatexParser) => unknown;
}
interface Engine {
  parse(latex: string, options?: { canonical?: boolean }): { json: unknown; isValid: boolean };
  latexDictionary: readonly unknown[];
}

/**
 * `\angle ABC` as `["Angle", "A", "B", "C"]`: geometry answers name angles (`\angle ACB = 45^\circ`), and the
 * engine's releases that support Node 20 do not know the command (it parses to an error). Up to three vertex
 * letters, so `\angle A` and `\angle ABC` both read as one opaque term.
 */
const ANGLE: LatexEntry = {
  latexTrigger: '\\angle',
  kind: 'expression',
  parse(parser) {
    const vertices: string[] = [];
    while (vertices.length < 3) {
      parser.skipSpace();
      const token = parser.peek;
      if (!/^[A-Za-z]$/.test(token)) break;
      parser.nextToken();
      vertices.push(token);
    }
    return vertices.length > 0 ? ['Angle', ...vertices] : null;
  },
};

let engine: Engine | null = null;
let loading: Promise<void> | null = null;

export function symbolicEngineLoaded(): boolean {
  return engine !== null;
}

export function loadSymbolicEngine(): Promise<void> {
  loading ??= import('@cortex-js/compute-engine').then((m) => {
    const ce = new m.ComputeEngine() as unknown as Engine;
    ce.latexDictionary = [...ce.latexDictionary, ANGLE];
    engine = ce;
  });
  return loading;
}

export function symbolicParse(latex: string): Expr | undefined {
  if (!engine || latex.length > 2000) return undefined;
  try {
    const parsed = engine.parse(latex, { canonical: false });
    if (!parsed.isValid) return undefined;
    return fromJson(parsed.json, 0);
  } catch {
    // the engine throws on some malformed input; that is a parse failure, not a verifier bug
    return undefined;
  }
}

class Unsupported extends Error {}

const FN: Record<string, string> = {
  Sin: 'sin',
  Cos: 'cos',
  Tan: 'tan',
  Cot: 'cot',
  Sec: 'sec',
  Csc: 'csc',
  Arcsin: 'arcsin',
  Arccos: 'arccos',
  Arctan: 'arctan',
  Sinh: 'sinh',
  Cosh: 'cosh',
  Tanh: 'tanh',
  Ln: 'ln',
  Exp: 'exp',
  Abs: 'abs',
  Sqrt: 'sqrt',
  Factorial: 'fact',
  Floor: 'floor',
  Ceil: 'ceil',
  Binomial: 'binom',
  Root: 'root',
  Log: 'log',
  Max: 'max',
  Min: 'min',
  GCD: 'gcd',
  LCM: 'lcm',
};
const REL: Record<string, RelOp> = {
  Equal: '=',
  Less: '<',
  LessEqual: '<=',
  Greater: '>',
  GreaterEqual: '>=',
  NotEqual: '!=',
};
const SYMBOLS: Record<string, Expr> = {
  Pi: { t: 'const', name: 'pi' },
  ExponentialE: { t: 'const', name: 'e' },
  ImaginaryUnit: { t: 'const', name: 'i' },
  PositiveInfinity: { t: 'const', name: 'inf' },
  NegativeInfinity: { t: 'neg', a: { t: 'const', name: 'inf' } },
  Half: { t: 'div', a: { t: 'num', v: { n: 1n, d: 1n } }, b: { t: 'num', v: { n: 2n, d: 1n } } },
};

function fromJson(j: unknown, depth: number): Expr | undefined {
  try {
    return convert(j, depth);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function number(s: string): Expr {
  const v = parseDecimal(s);
  if (!v) throw new Unsupported(s);
  return { t: 'num', v };
}

function convert(j: unknown, depth: number): Expr {
  if (depth > 100) throw new Unsupported('deep');
  if (typeof j === 'number') {
    if (!Number.isFinite(j)) throw new Unsupported('non-finite');
    return number(String(j));
  }
  if (typeof j === 'string') {
    if (SYMBOLS[j]) return SYMBOLS[j]!;
    if (j.startsWith("'")) throw new Unsupported('string');
    return { t: 'var', name: j };
  }
  if (j && typeof j === 'object' && !Array.isArray(j)) {
    const o = j as { num?: string; sym?: string };
    if (typeof o.num === 'string') return number(o.num.replace(/[()]/g, ''));
    if (typeof o.sym === 'string') return convert(o.sym, depth);
    throw new Unsupported('object');
  }
  if (!Array.isArray(j) || typeof j[0] !== 'string') throw new Unsupported('shape');
  const head = j[0];
  const args = j.slice(1).map((x) => convert(x, depth + 1));
  if (head === 'Error') throw new Unsupported('error');
  switch (head) {
    case 'Add':
      return { t: 'add', a: args };
    case 'Subtract':
      return args.length === 1
        ? { t: 'neg', a: args[0]! }
        : { t: 'add', a: [args[0]!, { t: 'neg', a: args[1]! }] };
    case 'Negate':
      return { t: 'neg', a: args[0]! };
    case 'Multiply':
    case 'InvisibleOperator':
      return args.length === 1 ? args[0]! : { t: 'mul', a: args };
    case 'Divide':
    case 'Rational':
      return { t: 'div', a: args[0]!, b: args[1]! };
    case 'Power':
      return { t: 'pow', a: args[0]!, b: args[1]! };
    case 'Square':
      return { t: 'pow', a: args[0]!, b: number('2') };
    case 'Delimiter':
      return args.length === 1 ? args[0]! : { t: 'tuple', items: args };
    case 'Tuple':
    case 'Sequence':
    case 'Pair':
    case 'Triple':
      return args.length === 1 ? args[0]! : { t: 'tuple', items: args };
    case 'List':
      return { t: 'list', items: args };
    case 'Set':
      return { t: 'set', items: args };
    default:
      break;
  }
  if (REL[head] && args.length === 2) return { t: 'rel', ops: [REL[head]!], items: args };
  const fn = FN[head];
  if (fn === 'root' && args.length === 2) return { t: 'fn', name: 'root', args };
  if (fn === 'log' && args.length === 1) return { t: 'fn', name: 'ln', args };
  if (fn) return { t: 'fn', name: fn, args };
  // no numeric meaning known: an opaque symbol, identical for identical subterms
  return { t: 'var', name: `⟨${JSON.stringify(j)}⟩` };
}
