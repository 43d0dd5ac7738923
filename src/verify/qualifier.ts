/**
 * Domain qualifiers after an answer: `f(x) = x - 1, x \in \mathbb{R}`, `x^2, x \ge 0`, `y = 2x+1 (x \neq 0)`,
 * `\frac{\pi}{4} + k\pi, k \in \mathbb{Z}`, `\sqrt{x} \text{ for } x \ge 0`. The qualifier is recognized only
 * when it restricts one variable that is free in the answer's value, and the answer is not itself an inequality
 * (so `x < -1, x > 1` stays a union of two intervals). Policy (docs/verifier.md, "Domain qualifiers"): the main
 * answers are compared; qualifiers matter only when both sides state one, and then they must describe the same set.
 */
import type { Expr } from './ast.js';
import { show } from './ast.js';
import { type CompareOptions, compare } from './compare.js';
import { freeVars } from './evaluate.js';
import { ParseError, tokenize } from './lex.js';
import { conditionSet, domainName, REALS, toExpr } from './realset.js';
import { readCondition } from './setbuilder.js';

export interface Qualifier {
  /** the restricted variable */
  v: string;
  /** the condition, as readCondition builds it; null for "for all x" */
  cond: Expr | null;
  /** the condition as a set of reals, when it is one (`x \ne 0` → (-∞, 0) ∪ (0, ∞)) */
  set?: Expr;
  /** no restriction at all: `x \in \mathbb{R}`, "for all real x" */
  trivial: boolean;
}

const HINT = /[<>]|\\(?:in|notin|ge|le|ne|gt|lt)(?![a-zA-Z])|\b(?:for|where|when|if|with)\b/;
const KEYWORD = /^\s*(?:(?:for|where|when|if|with)\s+)?(?:(?:all|every|any)\s+)?(?:real\s+)?(?:numbers?\s+)?/;

/** Candidate splits of an answer into main part and qualifier, most specific first. */
export function qualifierSplits(text: string): { main: string; tail: string }[] {
  if (!HINT.test(text)) return [];
  const out: { main: string; tail: string }[] = [];
  let depth = 0;
  let lastSep = -1;
  let openAt = -1;
  const opens: number[] = [];
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c === '\\') {
      k++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      opens.push(k);
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      const at = opens.pop();
      if (depth === 0 && c === ')' && k === text.length - 1 && at !== undefined) openAt = at;
    } else if (depth === 0 && (c === ',' || c === ';')) lastSep = k;
  }
  if (openAt > 0) out.push({ main: text.slice(0, openAt), tail: text.slice(openAt + 1, -1) });
  if (lastSep > 0) out.push({ main: text.slice(0, lastSep), tail: text.slice(lastSep + 1) });
  let word: RegExpExecArray | null = null;
  for (const m of text.matchAll(/\s(?:for|where|when|if|with)\s/g)) word = m as RegExpExecArray;
  if (word && word.index > 0) out.push({ main: text.slice(0, word.index), tail: text.slice(word.index) });
  return out.filter((s) => s.main.trim() !== '' && s.tail.trim() !== '');
}

/** The qualifier a tail states, or undefined when it is not one (a second answer, prose). */
export function readQualifier(tail: string): Qualifier | undefined {
  const body = tail.replace(KEYWORD, '').trim();
  if (/^[a-zA-Z]$/.test(body) && KEYWORD.exec(tail)![0].trim() !== '') {
    return { v: body, cond: null, trivial: true };
  }
  let cond: Expr | undefined;
  try {
    cond = readCondition(tokenize(body), 0);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  if (!cond || hasEquation(cond)) return undefined;
  const vars = freeVars(cond);
  if (vars.size !== 1) return undefined;
  const v = [...vars][0]!;
  const set = conditionSet(cond, v);
  const trivial =
    set !== undefined
      ? set.length === 1 && set[0]!.lo.v === REALS[0]!.lo.v && set[0]!.hi.v === REALS[0]!.hi.v
      : cond.t === 'fn' && cond.name === 'in' && domainName(cond.args[1]!) === 'ℝ';
  return set ? { v, cond, set: toExpr(set), trivial } : { v, cond, trivial };
}

function hasEquation(c: Expr): boolean {
  if (c.t === 'rel') return c.ops.some((op) => op === '=' || op === '~');
  return c.t === 'fn' && (c.name === 'and' || c.name === 'or') && c.args.some(hasEquation);
}

/** Whether `q` qualifies `main`: the variable is free in main's value, and main is not itself a condition. */
export function qualifies(main: Expr, q: Qualifier): boolean {
  let value = main;
  if (main.t === 'rel') {
    if (!main.ops.every((op) => op === '=')) return false;
    // `x = 3, x > 0` restates a root with its constraint: two statements about x, not a domain
    const lhs = main.items[0]!;
    if (lhs.t === 'var' && lhs.name === q.v) return false;
    value = main.items[main.items.length - 1]!;
  }
  return freeVars(value).has(q.v);
}

/** Both qualifiers describe the same set of the same variable. */
export function sameQualifier(a: Qualifier, b: Qualifier, o: CompareOptions): boolean {
  if (a.trivial || b.trivial) return a.trivial && b.trivial;
  if (a.v !== b.v) return false;
  if (a.set && b.set) return compare(a.set, b.set, o).equal;
  if (a.set || b.set) return false;
  if (show(a.cond!) === show(b.cond!)) return true;
  return a.cond!.t === 'rel' && b.cond!.t === 'rel' && compare(a.cond!, b.cond!, o).equal;
}
