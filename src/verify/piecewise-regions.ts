/**
 * A piecewise function against another one or a closed form, region by region along the variable `v` of the
 * conditions. The boundaries the conditions name (and the kinks of `|a v + b|` in either side) cut the line into
 * open regions and boundary points. In each region one piece applies on each side, and the two pieces must be
 * equal as an identity, by the same test every answer gets (equivalence.ts): two analytic expressions that agree
 * on a region agree wherever both are defined, so no sample point can miss a difference that lives between two
 * points. At each boundary the values are compared exactly there (what decides `x \ge 0` against `x > 0`).
 * Anything this cannot decide is not equal.
 */
import { childrenOf, type Expr, mapChildren } from './ast.js';
import { identical } from './equivalence.js';
import { freeVars } from './evaluate.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';
import {
  compareEnds,
  complement,
  conditionSet,
  type End,
  intersect,
  linearIn,
  REALS,
  type RealSet,
  substitute,
  unite,
} from './realset.js';

export interface Piece {
  value: Expr;
  cond: Expr;
}

interface Region {
  value: Expr;
  /** where this piece applies: its condition, less the conditions of the pieces before it (the first match wins) */
  set: RealSet;
}

export type RegionVerdict = { equal: boolean; note?: string } | 'undecidable';

/** Where each piece applies along `v`; undefined when a condition is not a union of intervals in `v`. */
function regionsOf(pieces: Piece[] | undefined, whole: Expr, v: string): Region[] | undefined {
  if (!pieces) return [{ value: whole, set: REALS }];
  const out: Region[] = [];
  let taken: RealSet = [];
  for (const p of pieces) {
    const own = p.cond.t === 'fn' && p.cond.name === 'otherwise' ? REALS : conditionSet(p.cond, v);
    if (!own) return undefined;
    out.push({ value: p.value, set: intersect(own, complement(taken)) });
    taken = unite(taken, own);
  }
  return out;
}

/** `|a v + b|` nodes whose argument is linear in `v` alone: their kink is at −b/a. */
function absKinks(e: Expr, v: string, out: Rational[]): void {
  if (e.t === 'fn' && e.name === 'abs' && e.args.length === 1) {
    const line = linearIn(e.args[0]!, v);
    if (line && line.a.n !== 0n) out.push(Q.neg(Q.div(line.b, line.a)!));
  }
  for (const child of childrenOf(e)) absKinks(child, v, out);
}

/** `|a v + b|` as `±(a v + b)` by its sign at `t`: valid on a whole region, whose inside holds no kink. */
function withoutAbs(e: Expr, v: string, t: number): Expr {
  if (e.t === 'fn' && e.name === 'abs' && e.args.length === 1) {
    const line = linearIn(e.args[0]!, v);
    if (line && line.a.n !== 0n) {
      const at = Q.toNumber(line.a) * t + Q.toNumber(line.b);
      return at >= 0 ? e.args[0]! : { t: 'neg', a: e.args[0]! };
    }
  }
  return mapChildren(e, (x) => withoutAbs(x, v, t));
}

const num = (q: Rational): Expr => ({ t: 'num', v: q });
const endAt = (q: Rational): End => ({ e: num(q), v: Q.toNumber(q), q });

/** Does the set hold this boundary point, exactly? Throws (from compareEnds) where two ends cannot be ordered. */
function holds(set: RealSet, x: End): boolean {
  return set.some((s) => {
    const lo = Number.isFinite(s.lo.v) ? compareEnds(x, s.lo) : 1;
    const hi = Number.isFinite(s.hi.v) ? compareEnds(x, s.hi) : -1;
    return (lo > 0 || (lo === 0 && !s.loOpen)) && (hi < 0 || (hi === 0 && !s.hiOpen));
  });
}

/** Does the set hold the interior point t of a region (t is far from every boundary)? */
const holdsInside = (set: RealSet, t: number): boolean => set.some((s) => s.lo.v < t && t < s.hi.v);

function sameValue(a: Expr, b: Expr): boolean {
  return identical(a, b).verdict === 'equal';
}

/**
 * Compares region by region; 'undecidable' when the conditions are not intervals in `v` or two boundaries
 * cannot be told apart (the caller then compares piece by piece).
 */
export function compareRegions(
  gold: { pieces?: Piece[]; whole: Expr },
  resp: { pieces?: Piece[]; whole: Expr },
  v: string,
): RegionVerdict {
  const g = regionsOf(gold.pieces, gold.whole, v);
  const r = regionsOf(resp.pieces, resp.whole, v);
  if (!g || !r) return 'undecidable';
  const kinks: Rational[] = [];
  for (const region of [...g, ...r]) absKinks(region.value, v, kinks);
  const ends: End[] = [...kinks.map(endAt)];
  for (const region of [...g, ...r])
    for (const s of region.set) ends.push(...[s.lo, s.hi].filter((x) => Number.isFinite(x.v)));
  let bounds: End[];
  try {
    ends.sort(compareEnds);
    bounds = ends.filter((x, k) => k === 0 || compareEnds(x, ends[k - 1]!) !== 0);
  } catch {
    return 'undecidable';
  }
  // one probe inside each open region, well away from both of its ends
  const probes: number[] = [];
  const values = bounds.map((b) => b.v);
  if (values.length === 0) probes.push(0.5377);
  else {
    probes.push(values[0]! - 1 - Math.abs(values[0]!), values.at(-1)! + 1 + Math.abs(values.at(-1)!));
    for (let k = 0; k + 1 < values.length; k++) probes.push((values[k]! + values[k + 1]!) / 2);
  }
  for (const t of probes)
    if (values.some((b) => Math.abs(t - b) <= 1e-9 * Math.max(1, Math.abs(b)))) return 'undecidable';

  for (const t of probes) {
    const a = g.find((x) => holdsInside(x.set, t));
    if (!a) continue; // outside the gold's domain: the response need not restate it
    const b = r.find((x) => holdsInside(x.set, t));
    if (!b) return { equal: false, note: `the response is undefined at ${v} = ${t}` };
    if (!sameValue(withoutAbs(a.value, v, t), withoutAbs(b.value, v, t)))
      return { equal: false, note: `the pieces differ around ${v} = ${t}` };
  }
  for (const x of bounds) {
    let a: Region | undefined;
    let b: Region | undefined;
    try {
      a = g.find((y) => holds(y.set, x));
      if (!a) continue;
      b = r.find((y) => holds(y.set, x));
    } catch {
      return 'undecidable';
    }
    if (!b) return { equal: false, note: `the response is undefined at ${v} = ${x.v}` };
    if (!sameValue(substitute(a.value, v, x.e), substitute(b.value, v, x.e)))
      return { equal: false, note: `the values differ at ${v} = ${x.v}` };
  }
  return { equal: true };
}

/** The variables the conditions of a piecewise function name. */
export function conditionVars(pieces: Piece[]): Set<string> {
  const out = new Set<string>();
  for (const p of pieces) for (const x of freeVars(p.cond)) out.add(x);
  return out;
}
