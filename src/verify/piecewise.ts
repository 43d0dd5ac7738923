/**
 * Piecewise functions: `\begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}` becomes the node
 * `fn piecewise(value₁, condition₁, value₂, condition₂, …)` (an "otherwise" row has the condition `otherwise()`).
 * Two piecewise functions, or one and a closed form (`|x|`), are compared by evaluation on both sides of every
 * boundary their conditions name, at the boundaries themselves, and at generic points.
 */
import type { Expr } from './ast.js';
import { show } from './ast.js';
import type { CompareOptions, Verdict } from './compare.js';
import { compare } from './compare.js';
import { freeVars } from './evaluate.js';
import { ParseError, type Tok } from './lex.js';
import { approximate, compareAt, signAt } from './numeric.js';
import { parseTokens } from './parse.js';
import { boundaries, conditionSet, domainName, setOf } from './realset.js';
import { readCondition, splitTop } from './setbuilder.js';

export const CASES_ENVS = new Set(['cases', 'dcases', 'rcases', 'cases*']);
/** More pieces than this (both sides together) is not an answer anyone writes: not compared. */
const MAX_PIECES = 64;
const OTHERWISE: Expr = { t: 'fn', name: 'otherwise', args: [] };

/**
 * The body of a cases environment, from `p` (after `\begin{cases}`) to past its `\end{…}`. Rows of
 * `value & condition` make a piecewise function; rows without a condition are a system (a list of equations).
 */
export function readCases(toks: Tok[], p: number, depth: number): { expr: Expr; end: number } {
  let level = 0;
  let stop = -1;
  for (let k = p; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.k === 'cmd' && t.s === 'begin') level++;
    if (t.k === 'cmd' && t.s === 'end') {
      if (level === 0) {
        stop = k;
        break;
      }
      level--;
    }
  }
  if (stop < 0) throw new ParseError('unclosed cases');
  let end = stop + 1;
  if (toks[end]?.k === 'op' && toks[end]!.s === '{') {
    while (end < toks.length && !(toks[end]!.k === 'op' && toks[end]!.s === '}')) end++;
    end++;
  }
  const rows = splitTop(toks.slice(p, stop), (t) => t.k === 'cmd' && (t.s === 'cr' || t.s === '\\')).filter(
    (r) => r.length > 0,
  );
  if (rows.length === 0) throw new ParseError('empty cases');
  const cells = rows.map((r) => splitTop(r, (t) => t.k === 'op' && t.s === '&'));
  if (cells.every((c) => c.length === 1)) {
    const items = cells.map((c) => parseTokens(c[0]!, depth));
    return { expr: items.length === 1 ? items[0]! : { t: 'list', items }, end };
  }
  const args: Expr[] = [];
  for (const c of cells) {
    if (c.length !== 2) throw new ParseError('a cases row needs a value and a condition');
    const value = c[0]!.filter(
      (t, k, all) => !(k === all.length - 1 && t.k === 'op' && (t.s === ',' || t.s === ';')),
    );
    args.push(parseTokens(value, depth));
    const cond = c[1]!;
    if (cond.length === 0 || (cond.length === 1 && cond[0]!.k === 'cmd' && cond[0]!.s === 'otherwise')) {
      args.push(OTHERWISE);
      continue;
    }
    const parsed = readCondition(cond, depth);
    if (!parsed) throw new ParseError('unreadable condition in cases');
    args.push(parsed);
  }
  return { expr: { t: 'fn', name: 'piecewise', args }, end };
}

export const isPiecewise = (e: Expr): e is Extract<Expr, { t: 'fn' }> =>
  e.t === 'fn' && e.name === 'piecewise';

interface Piece {
  value: Expr;
  cond: Expr;
}

function pieces(e: Extract<Expr, { t: 'fn' }>): Piece[] {
  const out: Piece[] = [];
  for (let k = 0; k + 1 < e.args.length; k += 2) out.push({ value: e.args[k]!, cond: e.args[k + 1]! });
  return out;
}

class Undecided extends Error {}
/** A point where a condition cannot be decided (its sides too close for the arithmetic): skipped, not guessed. */
class Blurred extends Error {}

function decided<T>(v: T | undefined): T {
  if (v === undefined) throw new Blurred();
  return v;
}

/** Whether a condition holds at a point, decided by rigorous arithmetic (numeric.ts), never by a tolerance. */
function holds(c: Expr, env: Record<string, number>): boolean {
  if (c.t === 'rel') {
    return c.ops.every((op, k) => {
      const d = decided(signAt(c.items[k]!, c.items[k + 1]!, env));
      if (op === '=') return d === 0;
      if (op === '!=') return d !== 0;
      if (op === '<') return d < 0;
      if (op === '<=') return d <= 0;
      if (op === '>') return d > 0;
      if (op === '>=') return d >= 0;
      throw new Undecided();
    });
  }
  if (c.t !== 'fn') throw new Undecided();
  if (c.name === 'and') return c.args.every((x) => holds(x, env));
  if (c.name === 'or') return c.args.some((x) => holds(x, env));
  if (c.name === 'in' || c.name === 'notin') {
    const x = c.args[0]!;
    const set = c.args[1]!;
    const name = domainName(set);
    let inside: boolean;
    if (name === 'ℝ') inside = true;
    else if (name === 'ℤ') {
      const b = decided(approximate(x, env));
      if (b.im !== 0) throw new Undecided();
      if (b.r === 0) inside = Number.isInteger(b.re);
      else if (Math.abs(b.re - Math.round(b.re)) > 2 * b.r) inside = false;
      else throw new Blurred();
    } else {
      const spans = setOf(set);
      if (!spans) throw new Undecided();
      inside = spans.some((s) => {
        const above = (): boolean => {
          const d = decided(signAt(x, s.lo.e, env));
          return d > 0 || (d === 0 && !s.loOpen);
        };
        const below = (): boolean => {
          const d = decided(signAt(x, s.hi.e, env));
          return d < 0 || (d === 0 && !s.hiOpen);
        };
        return (
          (s.lo.v === Number.NEGATIVE_INFINITY || above()) && (s.hi.v === Number.POSITIVE_INFINITY || below())
        );
      });
    }
    return c.name === 'in' ? inside : !inside;
  }
  throw new Undecided();
}

/** The expression that gives the value at a point (the piece whose condition holds), null where none applies. */
function pieceAt(e: Expr, env: Record<string, number>): Expr | null {
  if (!isPiecewise(e)) return e;
  for (const p of pieces(e)) {
    if (p.cond.t === 'fn' && p.cond.name === 'otherwise') return p.value;
    if (holds(p.cond, env)) return p.value;
  }
  return null;
}

const GENERIC = [0.5377, -1.3077, 2.7694, -0.4336, 1.8339];

/** Points on both sides of each boundary, at each boundary, between boundaries and beyond them. */
function samplePoints(bounds: number[]): number[] {
  const b = [...new Set(bounds)].sort((x, y) => x - y);
  const out = [...GENERIC];
  if (b.length === 0) return out;
  out.push(b[0]! - 0.7213, b[0]! - 2.2361 * (1 + Math.abs(b[0]!)));
  out.push(b[b.length - 1]! + 0.5774, b[b.length - 1]! + 3.1623 * (1 + Math.abs(b[b.length - 1]!)));
  for (let k = 0; k < b.length; k++) {
    const gap = Math.min(k > 0 ? b[k]! - b[k - 1]! : 1, k + 1 < b.length ? b[k + 1]! - b[k]! : 1);
    const delta = Math.min(1e-3 * Math.max(1, Math.abs(b[k]!)), gap / 4);
    out.push(b[k]!, b[k]! - delta, b[k]! + delta);
    if (k + 1 < b.length) out.push(b[k]! + 0.382 * (b[k + 1]! - b[k]!), b[k]! + 0.618 * (b[k + 1]! - b[k]!));
  }
  return out;
}

function conditionVars(e: Expr): Set<string> {
  const out = new Set<string>();
  if (isPiecewise(e)) for (const p of pieces(e)) for (const v of freeVars(p.cond)) out.add(v);
  return out;
}

/** A piecewise gold or response against anything (structured.ts sends only these here). */
export function comparePiecewise(gold: Expr, resp: Expr, o: CompareOptions, depth: number): Verdict {
  const count = (e: Expr): number => (isPiecewise(e) ? e.args.length / 2 : 1);
  if (count(gold) + count(resp) > MAX_PIECES) {
    return { equal: false, method: 'symbolic', note: 'too many pieces to compare' };
  }
  const condVars = new Set([...conditionVars(gold), ...conditionVars(resp)]);
  if (condVars.size !== 1) return compareByPieces(gold, resp, o, depth);
  const v = [...condVars][0]!;
  const bounds: number[] = [];
  for (const e of [gold, resp]) {
    if (!isPiecewise(e)) continue;
    for (const p of pieces(e)) {
      const set = conditionSet(p.cond, v);
      if (set) bounds.push(...boundaries(set));
    }
  }
  const params = [...new Set([...freeVars(gold), ...freeVars(resp)])].filter((x) => x !== v);
  let compared = 0;
  for (const shift of [0, 0.618]) {
    const env: Record<string, number> = {};
    params.forEach((p, j) => {
      env[p] = 0.8622 + shift + 0.31 * j;
    });
    for (const x of samplePoints(bounds)) {
      env[v] = x;
      let a: Expr | null;
      let b: Expr | null;
      try {
        a = pieceAt(gold, env);
        if (a === null) continue; // outside the gold's domain: the response need not restate it
        b = pieceAt(resp, env);
      } catch (err) {
        if (err instanceof Blurred) continue;
        if (err instanceof Undecided)
          return { equal: false, method: 'symbolic', note: 'cannot evaluate the piecewise function' };
        throw err;
      }
      if (b === null) return { equal: false, method: 'symbolic', note: `response undefined at ${v} = ${x}` };
      const verdict = compareAt(a, b, env);
      if (verdict === 'skip') continue;
      if (verdict === 'undecided')
        return { equal: false, method: 'symbolic', note: `cannot decide equality reliably at ${v} = ${x}` };
      if (verdict === 'different')
        return { equal: false, method: 'symbolic', note: `differs at ${v} = ${x}` };
      compared++;
    }
  }
  return compared >= 4 ? { equal: true, method: 'symbolic' } : { equal: false, method: 'symbolic' };
}

/** Without one variable to sample along: the same pieces in any order, values and conditions equal. */
function compareByPieces(gold: Expr, resp: Expr, o: CompareOptions, depth: number): Verdict {
  if (!isPiecewise(gold) || !isPiecewise(resp)) return { equal: false, method: 'structural' };
  const a = pieces(gold);
  const b = pieces(resp);
  if (a.length !== b.length)
    return { equal: false, method: 'structural', note: 'different number of pieces' };
  const used = new Array<boolean>(b.length).fill(false);
  const sameCond = (x: Expr, y: Expr): boolean =>
    show(x) === show(y) || (x.t === 'rel' && y.t === 'rel' && compare(x, y, o, depth + 1).equal);
  for (const p of a) {
    const j = b.findIndex(
      (q, k) => !used[k] && sameCond(p.cond, q.cond) && compare(p.value, q.value, o, depth + 1).equal,
    );
    if (j < 0) return { equal: false, method: 'structural', note: 'pieces differ' };
    used[j] = true;
  }
  return { equal: true, method: 'structural' };
}
