/**
 * Subsets of the real line as sorted, disjoint intervals, and the conditions that describe them (`x > 0`,
 * `1 \le x < 3`, `x \ne 2`, `x \in [0, 1)`, and/or of these). Set-builder notation, piecewise conditions and
 * domain qualifiers all reduce to these. Endpoints keep their exact value where there is one; two endpoints
 * that are numerically equal but not provably so make the whole reduction give up (undefined), never guess.
 */
import { type Expr, mapChildren, show } from './ast.js';
import { identical } from './equivalence.js';
import { exact, freeVars } from './evaluate.js';
import { approximate } from './numeric.js';
import type { Rational } from './rational.js';
import * as Q from './rational.js';

export interface End {
  e: Expr;
  v: number;
  q?: Rational;
}
export interface Span {
  lo: End;
  hi: End;
  loOpen: boolean;
  hiOpen: boolean;
}
/** Sorted, disjoint, merged. */
export type RealSet = Span[];

class Undecidable extends Error {}

const INF: Expr = { t: 'const', name: 'inf' };
const POS_INF: End = { e: INF, v: Number.POSITIVE_INFINITY };
const NEG_INF: End = { e: { t: 'neg', a: INF }, v: Number.NEGATIVE_INFINITY };
export const REALS: RealSet = [{ lo: NEG_INF, hi: POS_INF, loOpen: true, hiOpen: true }];

/** Names of the number sets `\mathbb{…}` a condition or a domain can name; they are not subsets of ℝ here. */
export const NAMED_DOMAINS = new Set(['ℝ', 'ℤ', 'ℤ+', 'ℤ≥0', 'ℕ', 'ℚ', 'ℂ']);
export const namedDomain = (name: string): Expr => ({ t: 'fn', name, args: [] });
export function domainName(e: Expr): string | undefined {
  return e.t === 'fn' && e.args.length === 0 && NAMED_DOMAINS.has(e.name) ? e.name : undefined;
}

function end(e: Expr): End {
  if (e.t === 'const' && e.name === 'inf') return POS_INF;
  if (e.t === 'neg' && e.a.t === 'const' && e.a.name === 'inf') return NEG_INF;
  if (freeVars(e).size > 0) throw new Undecidable();
  const q = exact(e);
  if (q) return { e, v: Q.toNumber(q), q };
  const c = approximate(e, {});
  const v = c?.im === 0 ? c.re : Number.NaN;
  if (!Number.isFinite(v)) throw new Undecidable();
  return { e, v };
}

/** Orders two ends exactly, or by clearly separated values; throws when they cannot be told apart. */
export function compareEnds(a: End, b: End): number {
  if (a.q && b.q) return Q.cmp(a.q, b.q);
  if (!Number.isFinite(a.v) || !Number.isFinite(b.v)) return a.v === b.v ? 0 : a.v < b.v ? -1 : 1;
  const scale = Math.max(1, Math.abs(a.v), Math.abs(b.v));
  if (Math.abs(a.v - b.v) > 1e-9 * scale) return a.v < b.v ? -1 : 1;
  if (show(a.e) === show(b.e)) return 0;
  throw new Undecidable();
}

const emptySpan = (s: Span): boolean => {
  const c = compareEnds(s.lo, s.hi);
  return c > 0 || (c === 0 && (s.loOpen || s.hiOpen));
};

function normalizeSet(spans: Span[]): RealSet {
  const live = spans.filter((s) => !emptySpan(s));
  live.sort((a, b) => compareEnds(a.lo, b.lo) || Number(a.loOpen) - Number(b.loOpen));
  const out: Span[] = [];
  for (const s of live) {
    const last = out[out.length - 1];
    const c = last ? compareEnds(last.hi, s.lo) : -1;
    if (!last || c < 0 || (c === 0 && last.hiOpen && s.loOpen)) {
      out.push({ ...s });
      continue;
    }
    const h = compareEnds(s.hi, last.hi);
    if (h > 0 || (h === 0 && !s.hiOpen)) {
      last.hi = s.hi;
      last.hiOpen = s.hiOpen;
    }
  }
  return out;
}

export function intersect(a: RealSet, b: RealSet): RealSet {
  const out: Span[] = [];
  for (const x of a) {
    for (const y of b) {
      const l = compareEnds(x.lo, y.lo);
      const h = compareEnds(x.hi, y.hi);
      out.push({
        lo: l >= 0 ? x.lo : y.lo,
        loOpen: l > 0 ? x.loOpen : l < 0 ? y.loOpen : x.loOpen || y.loOpen,
        hi: h <= 0 ? x.hi : y.hi,
        hiOpen: h < 0 ? x.hiOpen : h > 0 ? y.hiOpen : x.hiOpen || y.hiOpen,
      });
    }
  }
  return normalizeSet(out);
}

export const unite = (a: RealSet, b: RealSet): RealSet => normalizeSet([...a, ...b]);

export function complement(a: RealSet): RealSet {
  let out = REALS;
  for (const s of a) {
    const outside: Span[] = [
      { lo: NEG_INF, hi: s.lo, loOpen: true, hiOpen: !s.loOpen },
      { lo: s.hi, hi: POS_INF, loOpen: !s.hiOpen, hiOpen: true },
    ];
    out = intersect(out, normalizeSet(outside));
  }
  return out;
}

const point = (x: End): Span => ({ lo: x, hi: x, loOpen: false, hiOpen: false });

/** An interval, a union, a finite set of numbers or `\mathbb{R}` as a RealSet; undefined for anything else. */
export function setOf(e: Expr): RealSet | undefined {
  try {
    return spansOf(e);
  } catch (err) {
    if (err instanceof Undecidable) return undefined;
    throw err;
  }
}

function spansOf(e: Expr): RealSet | undefined {
  if (e.t === 'interval') {
    return normalizeSet([{ lo: end(e.lo), hi: end(e.hi), loOpen: e.loOpen, hiOpen: e.hiOpen }]);
  }
  if (e.t === 'set') return normalizeSet(e.items.map((x) => point(end(x))));
  if (domainName(e) === 'ℝ') return REALS;
  if (e.t === 'union') {
    let out: RealSet = [];
    for (const x of e.items) {
      const s = spansOf(x);
      if (!s) return undefined;
      out = unite(out, s);
    }
    return out;
  }
  return undefined;
}

/**
 * The set of values of `v` a condition describes. Conditions: a relation chain, `in(v, S)`, `notin(v, S)`,
 * `and(…)`, `or(…)` (the shapes readCondition in setbuilder.ts builds). Undefined when it is not a union of
 * intervals that can be decided exactly (`x^2 < 4`, `x \in \mathbb{Z}`).
 */
export function conditionSet(cond: Expr, v: string): RealSet | undefined {
  try {
    return condSpans(cond, v);
  } catch (err) {
    if (err instanceof Undecidable) return undefined;
    throw err;
  }
}

function condSpans(c: Expr, v: string): RealSet | undefined {
  if (c.t === 'rel') {
    let out = REALS;
    for (let k = 0; k < c.ops.length; k++) {
      const s = pairSet(c.items[k]!, c.ops[k]!, c.items[k + 1]!, v);
      if (!s) return undefined;
      out = intersect(out, s);
    }
    return out;
  }
  if (c.t !== 'fn') return undefined;
  const parts = (): (RealSet | undefined)[] => c.args.map((x) => condSpans(x, v));
  switch (c.name) {
    case 'in':
    case 'notin': {
      const [x, set] = c.args as [Expr, Expr];
      if (x.t !== 'var' || x.name !== v) return undefined;
      const s = spansOf(set);
      if (!s) return undefined;
      return c.name === 'in' ? s : complement(s);
    }
    case 'and':
    case 'or': {
      const ps = parts();
      if (ps.some((p) => p === undefined)) return undefined;
      return (ps as RealSet[]).reduce((acc, p) => (c.name === 'and' ? intersect(acc, p) : unite(acc, p)));
    }
    default:
      return undefined;
  }
}

/** `L op R` solved for `v`: one side the variable and the other constant, or both sides linear in `v`. */
function pairSet(l: Expr, op: string, r: Expr, v: string): RealSet | undefined {
  if (op === '~') return undefined;
  const isV = (e: Expr): boolean => e.t === 'var' && e.name === v;
  let bound: End;
  let dir: 1 | -1; // +1: the relation reads `v op bound`
  if (isV(l) && !freeVars(r).has(v)) [bound, dir] = [end(r), 1];
  else if (isV(r) && !freeVars(l).has(v)) [bound, dir] = [end(l), -1];
  else {
    const lin = linearIn({ t: 'add', a: [l, { t: 'neg', a: r }] }, v);
    if (!lin) return undefined;
    // a·v + b op 0
    if (lin.a.n === 0n) {
      const s = Q.cmp(lin.b, Q.ZERO);
      const holds =
        op === '='
          ? s === 0
          : op === '!='
            ? s !== 0
            : op === '<'
              ? s < 0
              : op === '<='
                ? s <= 0
                : op === '>'
                  ? s > 0
                  : s >= 0;
      return holds ? REALS : [];
    }
    const root = Q.div(Q.neg(lin.b), lin.a)!;
    bound = { e: { t: 'num', v: root }, v: Q.toNumber(root), q: root };
    dir = Q.cmp(lin.a, Q.ZERO) > 0 ? 1 : -1;
  }
  // `v op bound` with op as written when dir is 1, mirrored when the variable stood on the right
  const mirrored: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
  const o = dir === 1 ? op : (mirrored[op] ?? op);
  switch (o) {
    case '=':
      return [point(bound)];
    case '!=':
      return complement([point(bound)]);
    case '<':
    case '<=':
      return normalizeSet([{ lo: NEG_INF, hi: bound, loOpen: true, hiOpen: o === '<' }]);
    case '>':
    case '>=':
      return normalizeSet([{ lo: bound, hi: POS_INF, loOpen: o === '>', hiOpen: true }]);
    default:
      return undefined;
  }
}

const SAMPLES: Rational[] = [Q.rat(0n), Q.rat(1n), Q.rat(2n), Q.rat(-3n), Q.rat(7n, 2n), Q.rat(13n)];

/** `f = a·v + b` exactly, checked at six rational points and two irrational ones; undefined otherwise. */
export function linearIn(f: Expr, v: string): { a: Rational; b: Rational } | undefined {
  if ([...freeVars(f)].some((x) => x !== v)) return undefined;
  const at = SAMPLES.map((t) => exact(substitute(f, v, { t: 'num', v: t })));
  if (at.some((x) => x === undefined)) return undefined;
  const [f0, f1] = at as [Rational, Rational];
  const a = Q.sub(f1, f0);
  for (let k = 0; k < SAMPLES.length; k++) {
    if (!Q.eq(at[k]!, Q.add(f0, Q.mul(a, SAMPLES[k]!)))) return undefined;
  }
  // agreement at six rational points does not make f linear (a polynomial of degree 6 vanishes there too):
  // the line must equal f as an identity, by the same test every answer gets
  const line: Expr = {
    t: 'add',
    a: [
      { t: 'num', v: f0 },
      {
        t: 'mul',
        a: [
          { t: 'num', v: a },
          { t: 'var', name: v },
        ],
      },
    ],
  };
  if (identical(f, line).verdict !== 'equal') return undefined;
  return { a, b: f0 };
}

/** `e` with every occurrence of the variable `name` replaced by `by`. */
export function substitute(e: Expr, name: string, by: Expr): Expr {
  if (e.t === 'var') return e.name === name ? by : e;
  return mapChildren(e, (x) => substitute(x, name, by));
}

/** The set as the parser would write it: an interval, a union, a finite set, `\emptyset`. */
export function toExpr(set: RealSet): Expr {
  const isPoint = (s: Span): boolean => compareEnds(s.lo, s.hi) === 0;
  if (set.every(isPoint)) return { t: 'set', items: set.map((s) => s.lo.e) };
  const points = set.filter(isPoint).map((s) => s.lo.e);
  const items: Expr[] = set
    .filter((s) => !isPoint(s))
    .map((s) => ({ t: 'interval', lo: s.lo.e, hi: s.hi.e, loOpen: s.loOpen, hiOpen: s.hiOpen }));
  if (points.length > 0) items.push({ t: 'set', items: points });
  return items.length === 1 ? items[0]! : { t: 'union', items };
}

/** The integers in a bounded set, at most `max` of them; undefined when unbounded or too many. */
export function integersIn(set: RealSet, max: number): Expr[] | undefined {
  const out: Expr[] = [];
  for (const s of set) {
    if (!Number.isFinite(s.lo.v) || !Number.isFinite(s.hi.v)) return undefined;
    const first = ceilOf(s.lo, s.loOpen);
    const last = floorOf(s.hi, s.hiOpen);
    if (first === undefined || last === undefined) return undefined;
    if (last - first + 1n > BigInt(max - out.length)) return undefined;
    for (let k = first; k <= last; k++) out.push({ t: 'num', v: Q.rat(k) });
  }
  return out;
}

/** Smallest integer in [x, ∞) (or (x, ∞) when open); undefined when x is irrational and too close to call. */
function ceilOf(x: End, open: boolean): bigint | undefined {
  if (x.q) {
    const f = floorQ(x.q);
    return Q.eq(x.q, Q.rat(f)) ? (open ? f + 1n : f) : f + 1n;
  }
  const near = Math.round(x.v);
  if (Math.abs(x.v - near) < 1e-9) return undefined;
  return BigInt(Math.ceil(x.v));
}

function floorOf(x: End, open: boolean): bigint | undefined {
  if (x.q) {
    const f = floorQ(x.q);
    return Q.eq(x.q, Q.rat(f)) && open ? f - 1n : f;
  }
  const near = Math.round(x.v);
  if (Math.abs(x.v - near) < 1e-9) return undefined;
  return BigInt(Math.floor(x.v));
}

function floorQ(q: Rational): bigint {
  const f = q.n / q.d;
  return q.n < 0n && f * q.d !== q.n ? f - 1n : f;
}
