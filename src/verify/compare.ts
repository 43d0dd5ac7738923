/**
 * Gold-type-aware equivalence. The gold answer's shape decides how the response is read; a response never
 * earns a match through "any candidate equals any candidate".
 */
import type { Expr, RelOp } from './ast.js';
import { show } from './ast.js';
import { proportionalSides, valueEquivalent } from './equivalence.js';
import { freeVars } from './evaluate.js';
import * as Q from './rational.js';
import { compareStructured } from './structured.js';

export type Method = 'exact' | 'numeric' | 'symbolic' | 'structural' | 'string' | 'choice';

export interface Verdict {
  equal: boolean;
  method: Method;
  /** why the answers differ, in words, when that is more than "different values" */
  note?: string;
}

export interface CompareOptions {
  /** accept a decimal response for an exact non-integer gold when it rounds correctly at >= this many digits */
  minDecimalDigits: number;
  /**
   * the problem asks for a numeric approximation: a decimal response may stand for an exact irrational gold
   * (`3.1416` for `\pi`) when it rounds correctly at >= minDecimalDigits digits. Off by default: a decimal is
   * then only right for a rational gold or a decimal gold.
   */
  allowApproximation: boolean;
  /** percent answers may match the bare number or the fraction (28% ~ 28 ~ 0.28) */
  percentLenient: boolean;
}

export const DEFAULT_COMPARE: CompareOptions = {
  minDecimalDigits: 3,
  allowApproximation: false,
  percentLenient: true,
};

const yes = (method: Method): Verdict => ({ equal: true, method });
const no = (method: Method, note?: string): Verdict =>
  note ? { equal: false, method, note } : { equal: false, method };

/** Expands `a \pm b` into the list it stands for. */
export function expandPm(e: Expr): Expr {
  if (e.t === 'pm') {
    const a = e.a;
    const plus: Expr = a ? { t: 'add', a: [a, e.b] } : e.b;
    const minus: Expr = a ? { t: 'add', a: [a, { t: 'neg', a: e.b }] } : { t: 'neg', a: e.b };
    return { t: 'list', items: [plus, minus] };
  }
  if (e.t === 'rel' && e.items.length === 2 && e.items[1]!.t === 'pm') {
    const rhs = expandPm(e.items[1]!) as Extract<Expr, { t: 'list' }>;
    return { t: 'list', items: rhs.items.map((r) => ({ t: 'rel', ops: e.ops, items: [e.items[0]!, r] })) };
  }
  if (e.t === 'list' || e.t === 'set') {
    const items = e.items.flatMap((x) => {
      const y = expandPm(x);
      return y.t === 'list' ? y.items : [y];
    });
    return { ...e, items };
  }
  return e;
}

const isEq = (op: RelOp): boolean => op === '=' || op === '~';

/**
 * The value a chain of `=` / `\approx` concludes with: `x = 2+3 = 5` → 5, `x = 1/3 \approx 0.33` → 1/3 (the exact
 * value before the first approximation), `x \approx 11` → 11.
 */
function finalValue(rel: Extract<Expr, { t: 'rel' }>): Expr {
  const k = rel.ops.indexOf('~');
  if (k > 0) return rel.items[k]!;
  return rel.items[rel.items.length - 1]!;
}

/**
 * `x^2 + 7x + 10 = 0`: an equation in unknowns set to zero states a problem, not a value. A plain sum of names
 * (`a + b + c = 0`) is the quantity asked for, and its value counts.
 */
function isEquationToSolve(rel: Extract<Expr, { t: 'rel' }>): boolean {
  if (rel.ops.length !== 1 || isAssignLhs(rel.items[0]!)) return false;
  const [lhs, rhs] = rel.items as [Expr, Expr];
  if (rhs.t !== 'num' || rhs.v.n !== 0n || freeVars(lhs).size === 0) return false;
  const terms = lhs.t === 'add' ? lhs.a : [lhs];
  return !terms.every((x) => x.t === 'var' || (x.t === 'neg' && x.a.t === 'var'));
}

const isCollection = (e: Expr): e is Extract<Expr, { t: 'list' | 'set' }> => e.t === 'list' || e.t === 'set';

function isAssignLhs(e: Expr): boolean {
  if (e.t === 'var') return true;
  // f(x) parses as f*x: still the name of the thing being assigned
  return e.t === 'mul' && e.a.length === 2 && e.a[0]!.t === 'var' && e.a[1]!.t === 'var';
}

export function compare(gold: Expr, resp: Expr, o: CompareOptions = DEFAULT_COMPARE, depth = 0): Verdict {
  if (depth > 20) return no('structural', 'nesting too deep');
  gold = expandPm(gold);
  resp = expandPm(resp);

  if (show(gold) === show(resp)) return yes('structural');
  if (isCollection(gold)) {
    if (gold.items.length === 1) return compare(gold.items[0]!, resp, o, depth + 1);
    if (isCollection(resp)) return multisetEqual(gold.items, resp.items, o, depth);
    if (resp.t === 'tuple' && gold.t === 'list') return multisetEqual(gold.items, resp.items, o, depth);
    return no('structural', `gold has ${gold.items.length} answers, response has one`);
  }
  if (isCollection(resp)) {
    if (resp.items.length === 1) return compare(gold, resp.items[0]!, o, depth + 1);
    if (gold.t === 'tuple' && resp.t === 'list') return orderedEqual(gold.items, resp.items, o, depth);
    // `x < 2 \text{ or } x > 3` is the union (-∞, 2) ∪ (3, ∞)
    if (
      (gold.t === 'union' || gold.t === 'interval') &&
      resp.items.every((x) => x.t === 'rel' || x.t === 'interval')
    ) {
      return compareSets(gold, { t: 'union', items: resp.items }, o, depth);
    }
    // "5/2 or 2.5" restates one value; a list of different values is a hedge
    if (resp.items.length <= 8 && resp.items.every((x) => compare(gold, x, o, depth + 1).equal))
      return yes('structural');
    return no('structural', `response lists ${resp.items.length} answers, gold has one`);
  }

  if (gold.t !== 'rel' && resp.t === 'rel' && resp.ops.every(isEq)) {
    // `x = 5` and `x = 2 + 3 = 5` answer "5"; the equation `x^2 + 7x + 10 = 0` does not answer "0"
    if (isEquationToSolve(resp)) return no('structural', 'response is an equation, gold is a value');
    return compare(gold, finalValue(resp), o, depth + 1);
  }
  const structured = compareStructured(gold, resp, o, depth);
  if (structured) return structured;
  switch (gold.t) {
    case 'tuple': {
      if (resp.t === 'tuple') return orderedEqual(gold.items, resp.items, o, depth);
      const vec = resp.t === 'matrix' ? vectorOf(resp) : undefined;
      if (vec) return orderedEqual(gold.items, vec, o, depth);
      if ((resp.t === 'interval' || resp.t === 'rel') && gold.items.length === 2) {
        return compareSets(asOpenInterval(gold), resp, o, depth);
      }
      return no('structural', `gold is a tuple, response is ${resp.t}`);
    }
    case 'matrix': {
      if (resp.t === 'matrix') {
        if (resp.rows.length !== gold.rows.length || resp.rows[0]!.length !== gold.rows[0]!.length) {
          return no('structural', 'matrix shapes differ');
        }
        return orderedEqual(gold.rows.flat(), resp.rows.flat(), o, depth);
      }
      const vec = vectorOf(gold);
      if (vec && resp.t === 'tuple') return orderedEqual(vec, resp.items, o, depth);
      return no('structural', `gold is a matrix, response is ${resp.t}`);
    }
    case 'interval':
    case 'union':
      return compareSets(gold, resp, o, depth);
    case 'rel':
      return compareRelation(gold, resp, o, depth);
    default:
      break;
  }
  if (resp.t === 'rel') return no('structural', 'response is an inequality, gold is a value');
  if (resp.t === 'tuple' || resp.t === 'matrix' || resp.t === 'interval' || resp.t === 'union') {
    return no('structural', `gold is a value, response is ${resp.t}`);
  }
  return scalarEqual(gold, resp, o);
}

function vectorOf(m: Extract<Expr, { t: 'matrix' }>): Expr[] | undefined {
  if (m.rows.length === 1) return m.rows[0];
  if (m.rows.every((r) => r.length === 1)) return m.rows.map((r) => r[0]!);
  return undefined;
}

function asOpenInterval(t: Extract<Expr, { t: 'tuple' }>): Expr {
  return { t: 'interval', lo: t.items[0]!, hi: t.items[1]!, loOpen: true, hiOpen: true };
}

function orderedEqual(a: Expr[], b: Expr[], o: CompareOptions, depth: number): Verdict {
  if (a.length !== b.length) return no('structural', `lengths differ (${a.length} vs ${b.length})`);
  let method: Method = 'structural';
  for (let k = 0; k < a.length; k++) {
    const v = compare(a[k]!, b[k]!, o, depth + 1);
    if (!v.equal) return no(v.method, `component ${k + 1} differs`);
    if (v.method === 'numeric' || v.method === 'symbolic') method = v.method;
  }
  return yes(method);
}

/** Unordered comparison with a bipartite matching, so duplicates count (multiset semantics). */
function multisetEqual(a: Expr[], b: Expr[], o: CompareOptions, depth: number): Verdict {
  if (a.length !== b.length) return no('structural', `${b.length} answers given, ${a.length} expected`);
  if (a.length > 64) return no('structural', 'too many elements');
  const adj = a.map((x) => b.map((y) => compare(x, y, o, depth + 1).equal));
  const matchOf = new Array<number>(b.length).fill(-1);
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < b.length; j++) {
      if (!adj[i]![j] || seen[j]) continue;
      seen[j] = true;
      if (matchOf[j] === -1 || tryAssign(matchOf[j]!, seen)) {
        matchOf[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < a.length; i++) {
    if (!tryAssign(i, new Array<boolean>(b.length).fill(false))) return no('structural', 'elements differ');
  }
  return yes('structural');
}

// ---------- scalars ----------

function stripPct(e: Expr): { e: Expr; pct: boolean } {
  return e.t === 'pct' ? { e: e.a, pct: true } : { e, pct: false };
}

function scalarEqual(gold: Expr, resp: Expr, o: CompareOptions): Verdict {
  // 204_5 answered as "204": models often drop the base subscript
  if (gold.t === 'base' && resp.t === 'num' && resp.v.d === 1n && resp.v.n.toString() === gold.digits) {
    return yes('structural');
  }
  const g = stripPct(gold);
  const r = stripPct(resp);
  const first = valueEqual(g.e, r.e, o);
  if (first.equal || (!g.pct && !r.pct) || !o.percentLenient) return first;
  // 28% vs 0.28: compare as fractions too
  const gv: Expr = g.pct ? { t: 'div', a: g.e, b: { t: 'num', v: Q.rat(100n) } } : g.e;
  const rv: Expr = r.pct ? { t: 'div', a: r.e, b: { t: 'num', v: Q.rat(100n) } } : r.e;
  const second = valueEqual(gv, rv, o);
  return second.equal ? second : first;
}

function valueEqual(g: Expr, r: Expr, o: CompareOptions): Verdict {
  return valueEquivalent(g, r, o);
}

// ---------- relations ----------

type Side = { f: Expr; op: '=' | '<' | '<=' | '!=' };

function sides(rel: Extract<Expr, { t: 'rel' }>): Side[] {
  const out: Side[] = [];
  for (let k = 0; k < rel.ops.length; k++) {
    const op: RelOp = rel.ops[k]!;
    const l = rel.items[k]!;
    const r = rel.items[k + 1]!;
    const diff = (a: Expr, b: Expr): Expr => ({ t: 'add', a: [a, { t: 'neg', a: b }] });
    if (op === '>' || op === '>=') out.push({ f: diff(r, l), op: op === '>' ? '<' : '<=' });
    else out.push({ f: diff(l, r), op: op === '~' ? '=' : op });
  }
  return out;
}

function compareRelation(
  gold: Extract<Expr, { t: 'rel' }>,
  resp: Expr,
  o: CompareOptions,
  depth: number,
): Verdict {
  if (resp.t === 'rel' && freeVars(gold).size === 0 && freeVars(resp).size === 0) {
    // numeric identities (`i^{117} = i`): what they conclude counts, not the fact that both sides agree
    if (gold.ops.every(isEq) && resp.ops.every(isEq))
      return compare(finalValue(gold), finalValue(resp), o, depth + 1);
    return no('structural', 'relations between numbers differ');
  }
  if (resp.t === 'rel') {
    const gs = sides(gold);
    const rs = sides(resp);
    if (gs.length === rs.length) {
      const ok = gs.every((s, k) => {
        const t = rs[k]!;
        return s.op === t.op && proportionalSides(s.f, t.f, s.op !== '=' && s.op !== '!=');
      });
      if (ok) return yes('symbolic');
    }
    // `x = 5` vs `x = 2 + 3 = 5`: the same assignment, whatever the intermediate steps
    const gl = gold.items[0]!;
    if (
      gold.ops.every(isEq) &&
      isAssignLhs(gl) &&
      resp.ops.every(isEq) &&
      show(gl) === show(resp.items[0]!)
    ) {
      return compare(finalValue(gold), finalValue(resp), o, depth + 1);
    }
    const gi = relToInterval(gold);
    const ri = relToInterval(resp);
    if (gi && ri) return compareSets(gi, ri, o, depth);
    return no('symbolic', 'relations differ');
  }
  if (gold.ops.every(isEq) && isAssignLhs(gold.items[0]!))
    return compare(finalValue(gold), resp, o, depth + 1);
  const gi = relToInterval(gold);
  if (gi && (resp.t === 'interval' || resp.t === 'union')) return compareSets(gi, resp, o, depth);
  return no('structural', `gold is a relation, response is ${resp.t}`);
}

const INF: Expr = { t: 'const', name: 'inf' };

/** `x > 2` → (2, ∞); `1 <= x < 3` → [1, 3). Only single-variable bounds by constants. */
function relToInterval(rel: Extract<Expr, { t: 'rel' }>): Expr | undefined {
  const vars = freeVars(rel);
  if (vars.size !== 1 || rel.ops.some((op) => isEq(op) || op === '!=')) return undefined;
  const isVar = (e: Expr): boolean => e.t === 'var';
  let lo: Expr = { t: 'neg', a: INF };
  let hi: Expr = INF;
  let loOpen = true;
  let hiOpen = true;
  const at = rel.items.findIndex(isVar);
  if (at < 0 || rel.items.filter(isVar).length !== 1) return undefined;
  for (let k = 0; k < rel.ops.length; k++) {
    const op = rel.ops[k]!;
    const left = rel.items[k]!;
    const right = rel.items[k + 1]!;
    if (k + 1 === at) {
      // bound on the left of the variable: c < x means lower bound when op is < / <=
      if (op === '<' || op === '<=') [lo, loOpen] = [left, op === '<'];
      else [hi, hiOpen] = [left, op === '>'];
    } else if (k === at) {
      if (op === '<' || op === '<=') [hi, hiOpen] = [right, op === '<'];
      else [lo, loOpen] = [right, op === '>'];
    } else return undefined;
  }
  return { t: 'interval', lo, hi, loOpen, hiOpen };
}

// ---------- intervals and unions ----------

function intervalsOf(e: Expr): Extract<Expr, { t: 'interval' }>[] | undefined {
  if (e.t === 'interval') return [e];
  // {-1} ∪ [0, 7): a finite set is a union of points
  if (e.t === 'set')
    return e.items.map((x) => ({ t: 'interval', lo: x, hi: x, loOpen: false, hiOpen: false }) as const);
  if (e.t === 'tuple' && e.items.length === 2) return [asOpenInterval(e) as Extract<Expr, { t: 'interval' }>];
  if (e.t === 'union') {
    const out: Extract<Expr, { t: 'interval' }>[] = [];
    for (const x of e.items) {
      const y = intervalsOf(x);
      if (!y) return undefined;
      out.push(...y);
    }
    return out;
  }
  if (e.t === 'rel') {
    const i = relToInterval(e);
    return i ? intervalsOf(i) : undefined;
  }
  return undefined;
}

function isInfinite(e: Expr): boolean {
  return (e.t === 'const' && e.name === 'inf') || (e.t === 'neg' && isInfinite(e.a));
}

function compareSets(gold: Expr, resp: Expr, o: CompareOptions, depth: number): Verdict {
  const a = intervalsOf(gold);
  const b = intervalsOf(resp);
  if (!a || !b) return no('structural', `gold is ${gold.t}, response is ${resp.t}`);
  if (a.length !== b.length) return no('structural', 'different number of intervals');
  const same = (x: Extract<Expr, { t: 'interval' }>, y: Extract<Expr, { t: 'interval' }>): boolean => {
    // an infinite end is open however it is written
    const lo = isInfinite(x.lo) ? isInfinite(y.lo) && sign(x.lo) === sign(y.lo) : x.loOpen === y.loOpen;
    const hi = isInfinite(x.hi) ? isInfinite(y.hi) && sign(x.hi) === sign(y.hi) : x.hiOpen === y.hiOpen;
    if (!lo || !hi) return false;
    const eqEnd = (p: Expr, q: Expr): boolean => (isInfinite(p) ? true : compare(p, q, o, depth + 1).equal);
    return eqEnd(x.lo, y.lo) && eqEnd(x.hi, y.hi);
  };
  const used = new Array<boolean>(b.length).fill(false);
  for (const x of a) {
    const j = b.findIndex((y, k) => !used[k] && same(x, y));
    if (j < 0) return no('structural', 'intervals differ');
    used[j] = true;
  }
  return yes('structural');
}

function sign(e: Expr): number {
  return e.t === 'neg' ? -sign(e.a) : 1;
}
