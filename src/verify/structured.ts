/**
 * Equivalence for the answers that parse to structured nodes: piecewise functions and set-builder sets whose
 * condition is not a union of intervals (those became intervals when parsed). compare() asks here first when
 * either side is one of them.
 */
import type { Expr } from './ast.js';
import { show } from './ast.js';
import { type CompareOptions, compare, type Verdict } from './compare.js';
import { comparePiecewise, isPiecewise } from './piecewise.js';
import { substitute } from './realset.js';

const isSetOf = (e: Expr): e is Extract<Expr, { t: 'fn' }> => e.t === 'fn' && e.name === 'setof';

export function compareStructured(
  gold: Expr,
  resp: Expr,
  o: CompareOptions,
  depth: number,
): Verdict | undefined {
  if (gold.t !== 'fn' && resp.t !== 'fn') return undefined;
  if (isPiecewise(gold) || isPiecewise(resp)) return comparePiecewise(gold, resp, o, depth);
  if (isSetOf(gold) || isSetOf(resp)) return compareSetOf(gold, resp, o, depth);
  return undefined;
}

/**
 * `\{x \mid x^2 < 4\}` against another set-builder: the same domain and equivalent conditions (the bound
 * variable renamed), or against the bare condition `x^2 < 4`. Not reduced to intervals, so not equal to one.
 */
function compareSetOf(gold: Expr, resp: Expr, o: CompareOptions, depth: number): Verdict {
  const no = (note: string): Verdict => ({ equal: false, method: 'structural', note });
  const cond = (e: Extract<Expr, { t: 'fn' }>, name: string): Expr => {
    const v = e.args[0] as Extract<Expr, { t: 'var' }>;
    return substitute(e.args[1]!, v.name, { t: 'var', name });
  };
  if (isSetOf(gold) && isSetOf(resp)) {
    if (show(gold.args[2]!) !== show(resp.args[2]!)) return no('set-builder domains differ');
    const name = (gold.args[0] as Extract<Expr, { t: 'var' }>).name;
    const g = cond(gold, name);
    const r = cond(resp, name);
    if (show(g) === show(r)) return { equal: true, method: 'structural' };
    if (g.t === 'rel' && r.t === 'rel') return compare(g, r, o, depth + 1);
    return no('set-builder conditions differ');
  }
  const sb = (isSetOf(gold) ? gold : resp) as Extract<Expr, { t: 'fn' }>;
  const other = isSetOf(gold) ? resp : gold;
  const real = sb.args[2]!.t === 'fn' && (sb.args[2] as Extract<Expr, { t: 'fn' }>).name === 'ℝ';
  if (real && other.t === 'rel') {
    const c = cond(sb, (sb.args[0] as Extract<Expr, { t: 'var' }>).name);
    return isSetOf(gold) ? compare(c, other, o, depth + 1) : compare(other, c, o, depth + 1);
  }
  return no('a set-builder condition that is not a union of intervals compares only with conditions');
}
