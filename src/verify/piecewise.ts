/**
 * Piecewise functions: `\begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}` becomes the node
 * `fn piecewise(value₁, condition₁, value₂, condition₂, …)` (an "otherwise" row has the condition `otherwise()`).
 * Two piecewise functions, or one and a closed form (`|x|`), are compared region by region along the variable of
 * their conditions (piecewise-regions.ts); conditions in several variables, piece by piece.
 */
import type { Expr } from './ast.js';
import { show } from './ast.js';
import type { CompareOptions, Verdict } from './compare.js';
import { compare } from './compare.js';
import { ParseError, type Tok } from './lex.js';
import { parseTokens } from './parse.js';
import { compareRegions, conditionVars, type Piece } from './piecewise-regions.js';
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

function pieces(e: Extract<Expr, { t: 'fn' }>): Piece[] {
  const out: Piece[] = [];
  for (let k = 0; k + 1 < e.args.length; k += 2) out.push({ value: e.args[k]!, cond: e.args[k + 1]! });
  return out;
}

/** A piecewise gold or response against anything (structured.ts sends only these here). */
export function comparePiecewise(gold: Expr, resp: Expr, o: CompareOptions, depth: number): Verdict {
  const count = (e: Expr): number => (isPiecewise(e) ? e.args.length / 2 : 1);
  if (count(gold) + count(resp) > MAX_PIECES) {
    return { equal: false, method: 'symbolic', note: 'too many pieces to compare' };
  }
  const side = (e: Expr) => ({ whole: e, pieces: isPiecewise(e) ? pieces(e) : undefined });
  const g = side(gold);
  const r = side(resp);
  const condVars = new Set([...conditionVars(g.pieces ?? []), ...conditionVars(r.pieces ?? [])]);
  if (condVars.size !== 1) return compareByPieces(gold, resp, o, depth);
  const verdict = compareRegions(g, r, [...condVars][0]!);
  if (verdict === 'undecidable') return compareByPieces(gold, resp, o, depth);
  return { ...verdict, method: 'symbolic' };
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
