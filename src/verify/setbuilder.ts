/**
 * Set-builder notation (`\{x \mid x > 0\}`, `\{x : x>0\}`, `\{x\in\mathbb{R} \mid 1 \le x < 3\}`) and the
 * conditions it shares with piecewise functions and domain qualifiers. A set-builder whose condition is a union of
 * intervals becomes that interval, union or finite set, so it compares like one; any other stays a `setof` node
 * whose condition is compared with another set-builder's (structured.ts).
 */
import type { Expr } from './ast.js';
import { GREEK, ParseError, type Tok } from './lex.js';
import { parseTokens } from './parse.js';
import { conditionSet, domainName, integersIn, intersect, namedDomain, setOf, toExpr } from './realset.js';

/** More elements than this in `\{n \in \mathbb{Z} \mid …\}` is not written out. */
const MAX_ENUMERATED = 1000;

const isCmd = (t: Tok | undefined, ...names: string[]): boolean => t?.k === 'cmd' && names.includes(t.s);
const isOp = (t: Tok | undefined, ...names: string[]): boolean => t?.k === 'op' && names.includes(t.s);
const isSeparator = (t: Tok | undefined): boolean => isCmd(t, 'mid', 'colon', 'vert') || isOp(t, '|', ':');

/** A bound variable: one letter (not the constants e, i) or a Greek letter. */
function varName(t: Tok | undefined): string | undefined {
  if (t?.k === 'id' && t.s !== 'e' && t.s !== 'i') return t.s;
  if (t?.k === 'cmd' && GREEK.has(t.s)) return t.s;
  return undefined;
}

/** Bracket depth change of a token: intervals may close with another bracket than they open with. */
function depthStep(t: Tok): number {
  if (t.k === 'op') return '([{'.includes(t.s) ? 1 : ')]}'.includes(t.s) ? -1 : 0;
  if (t.k === 'cmd') return t.s === '{' || t.s === 'langle' ? 1 : t.s === '}' || t.s === 'rangle' ? -1 : 0;
  return 0;
}

/** Splits tokens at depth-0 tokens that satisfy `at`. */
export function splitTop(toks: Tok[], at: (t: Tok) => boolean): Tok[][] {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (depth === 0 && at(t)) {
      parts.push([]);
      continue;
    }
    depth += depthStep(t);
    parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/**
 * `\{ v [\in D] SEP condition \}` starting right after the `\{` at `p`. Returns the set and the index after its
 * `\}`, or undefined when the tokens are not set-builder notation this reader understands (the caller then parses
 * them as a plain set).
 */
export function readSetBuilder(
  toks: Tok[],
  p: number,
  depth: number,
): { expr: Expr; end: number } | undefined {
  const v = varName(toks[p]);
  if (!v) return undefined;
  let close = -1;
  let sep = -1;
  let level = 0;
  for (let k = p + 1; k < toks.length; k++) {
    const t = toks[k]!;
    if (level === 0 && isCmd(t, '}')) {
      close = k;
      break;
    }
    if (level === 0 && sep < 0 && isSeparator(t)) sep = k;
    level += depthStep(t);
    if (level < 0) return undefined;
  }
  if (close < 0 || sep < 0) return undefined;
  let domain: Expr = namedDomain('ℝ');
  if (sep !== p + 1) {
    if (!isCmd(toks[p + 1], 'in')) return undefined;
    const d = readSet(toks.slice(p + 2, sep), depth);
    if (!d) return undefined;
    domain = d;
  }
  const cond = readCondition(toks.slice(sep + 1, close), depth);
  if (!cond) return undefined;
  return { expr: buildSet(v, domain, cond), end: close + 1 };
}

function buildSet(v: string, domain: Expr, cond: Expr): Expr {
  const opaque: Expr = { t: 'fn', name: 'setof', args: [{ t: 'var', name: v }, cond, domain] };
  const set = conditionSet(cond, v);
  if (!set) return opaque;
  const name = domainName(domain);
  if (name === undefined) {
    const d = setOf(domain);
    return d ? toExpr(intersect(d, set)) : opaque;
  }
  if (name === 'ℝ') return toExpr(set);
  // integers are written out when the condition bounds them; ℕ may or may not hold 0, so only when 0 is out anyway
  const lowest = name === 'ℤ+' ? 1n : name === 'ℤ≥0' || name === 'ℕ' ? 0n : undefined;
  if (name !== 'ℤ' && lowest === undefined) return opaque;
  if (name === 'ℕ' && intersect(set, setOf({ t: 'set', items: [num(0n)] })!).length > 0) return opaque;
  const within =
    lowest === undefined
      ? set
      : intersect(set, setOf({ t: 'interval', lo: num(lowest), hi: INF, loOpen: false, hiOpen: true })!);
  const items = integersIn(within, MAX_ENUMERATED);
  return items ? { t: 'set', items } : opaque;
}

const INF: Expr = { t: 'const', name: 'inf' };
const num = (n: bigint): Expr => ({ t: 'num', v: { n, d: 1n } });

/** `\mathbb{R}`, `\mathbb{Z}^+`, `\mathbb{N}_0`, … as a named domain, or an interval / union / finite set. */
function readSet(toks: Tok[], depth: number): Expr | undefined {
  const named = readNamedDomain(toks);
  if (named) return named;
  try {
    const e = parseTokens(toks, depth);
    return e.t === 'interval' || e.t === 'union' || e.t === 'set' ? e : undefined;
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

function readNamedDomain(toks: Tok[]): Expr | undefined {
  if (!isCmd(toks[0], 'mathbb', 'Bbb', 'mathbf')) return undefined;
  let k = 1;
  let letter: string | undefined;
  if (isOp(toks[k], '{') && toks[k + 1]?.k === 'id' && isOp(toks[k + 2], '}')) {
    letter = toks[k + 1]!.s;
    k += 3;
  } else if (toks[k]?.k === 'id') letter = toks[k++]!.s;
  if (!letter) return undefined;
  // the decoration: ^+, ^*, _+, ^{+}, _{>0}, _0, _{\ge 0}
  const rest = toks
    .slice(k)
    .map((t) => (t.k === 'cmd' ? `\\${t.s}` : t.s))
    .join('')
    .replace(/[{}]/g, '');
  const positive = /^(?:\^\+|\^\*|_\+|_>0|_\\gt0|_\\ge1)$/.test(rest);
  const withZero = /^(?:_0|_\\ge0|\^\{?0\}?)$/.test(rest);
  if (rest !== '' && !positive && !withZero) return undefined;
  if (letter === 'R' && positive) return { t: 'interval', lo: num(0n), hi: INF, loOpen: true, hiOpen: true };
  if (letter === 'Z' || letter === 'N') {
    if (positive) return namedDomain('ℤ+');
    if (withZero) return namedDomain('ℤ≥0');
    return namedDomain(letter === 'Z' ? 'ℤ' : 'ℕ');
  }
  if (rest !== '') return undefined;
  const names: Record<string, string> = { R: 'ℝ', Q: 'ℚ', C: 'ℂ' };
  return names[letter] ? namedDomain(names[letter]) : undefined;
}

/**
 * A condition: relations and memberships joined by `,` / `\land` (and) and `\lor` (or, weaker). Returns a
 * relation chain, `in(v, S)`, `notin(v, S)`, `and(…)` or `or(…)`; undefined for anything else.
 */
export function readCondition(toks: Tok[], depth: number): Expr | undefined {
  const alternatives: Expr[] = [];
  for (const alt of splitTop(toks, (t) => isCmd(t, 'lor', 'vee'))) {
    const all: Expr[] = [];
    for (const part of splitTop(alt, (t) => isOp(t, ',', ';') || isCmd(t, 'land', 'wedge'))) {
      const c = readAtom(part, depth);
      if (!c) return undefined;
      all.push(c);
    }
    alternatives.push(all.length === 1 ? all[0]! : { t: 'fn', name: 'and', args: all });
  }
  return alternatives.length === 1 ? alternatives[0]! : { t: 'fn', name: 'or', args: alternatives };
}

function readAtom(toks: Tok[], depth: number): Expr | undefined {
  if (toks.length === 0) return undefined;
  const v = varName(toks[0]);
  if (v && isCmd(toks[1], 'in', 'notin')) {
    const set = readSet(toks.slice(2), depth);
    if (!set) return undefined;
    return { t: 'fn', name: toks[1]!.s, args: [{ t: 'var', name: v }, set] };
  }
  try {
    const e = parseTokens(toks, depth);
    return e.t === 'rel' ? e : undefined;
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

/**
 * Text-level: inside set-builder braces and `cases` environments, "or" and "and" join conditions
 * (`\{x \mid x < 0 \text{ or } x > 2\}`), so they become `\lor` / `\land` before the answer-list rule turns
 * them into commas.
 */
export function markConnectives(text: string): string {
  if (!text.includes('\\{') && !text.includes('cases')) return text;
  return text.replace(
    /\\\{[^{}]*?(?:\\mid|\\colon|\||:)[\s\S]*?\\\}|\\begin\s*\{[a-z]*cases\}[\s\S]*?\\end\s*\{[a-z]*cases\}/g,
    (m) => m.replace(/\s+or\s+/g, ' \\lor ').replace(/\s+and\s+/g, ' \\land '),
  );
}
