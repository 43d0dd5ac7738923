/**
 * Matrix arithmetic in answers: `2\begin{pmatrix}1&2\\3&4\end{pmatrix}`, sums, products, `M/2`, transposes
 * (`M^T`) and small positive powers reduce to one matrix whose entries are expressions, compared entry by entry.
 * An expression whose shapes do not fit (a 2×2 plus a 3×1, a scalar plus a matrix, the product of two columns)
 * is left as written, so it equals no matrix.
 */
import type { Expr } from './ast.js';

type Rows = Expr[][];
/** A matrix value, a scalar (an expression with no matrix in it), or null for an ill-shaped expression. */
type Value = { m: Rows } | { s: Expr } | null;

const MAX_POWER = 16;
const MAX_ENTRIES = 400;
/** Largest product (in expression nodes, all entries together) worth evaluating. */
const MAX_NODES = 50_000;

function hasMatrix(e: Expr): boolean {
  switch (e.t) {
    case 'matrix':
      return true;
    case 'add':
    case 'mul':
      return e.a.some(hasMatrix);
    case 'neg':
      return hasMatrix(e.a);
    case 'div':
    case 'pow':
      return hasMatrix(e.a) || hasMatrix(e.b);
    default:
      return false;
  }
}

/** Reduces matrix arithmetic wherever it stands (also inside lists, tuples and relations). */
export function reduceMatrices(e: Expr): Expr {
  switch (e.t) {
    case 'list':
    case 'tuple':
    case 'set':
    case 'rel':
      return { ...e, items: e.items.map(reduceMatrices) };
    case 'matrix':
      return e;
    default: {
      if (!hasMatrix(e)) return e;
      const v = value(e);
      return v && 'm' in v ? { t: 'matrix', rows: v.m } : e;
    }
  }
}

const shape = (m: Rows): [number, number] => [m.length, m[0]!.length];

function value(e: Expr): Value {
  switch (e.t) {
    case 'matrix':
      return { m: e.rows };
    case 'neg': {
      const a = value(e.a);
      if (!a) return null;
      return 'm' in a ? { m: map(a.m, (x) => ({ t: 'neg', a: x })) } : { s: e };
    }
    case 'add': {
      const terms = e.a.map(value);
      if (terms.some((t) => t === null)) return null;
      const mats = terms.filter((t): t is { m: Rows } => 'm' in t!);
      if (mats.length === 0) return { s: e };
      if (mats.length !== terms.length) return null;
      const [r, c] = shape(mats[0]!.m);
      if (mats.some((t) => shape(t.m)[0] !== r || shape(t.m)[1] !== c)) return null;
      return {
        m: mats[0]!.m.map((row, i) => row.map((_, j) => ({ t: 'add', a: mats.map((t) => t.m[i]![j]!) }))),
      };
    }
    case 'mul': {
      // scalars commute; matrices multiply in the order written
      const scalars: Expr[] = [];
      let m: Rows | null | undefined;
      for (const x of e.a) {
        const v = value(x);
        if (!v) return null;
        if ('s' in v) scalars.push(v.s);
        else m = m ? matmul(m, v.m) : v.m;
        if (m === null) return null;
      }
      if (!m) return { s: e };
      return { m: scalars.length === 0 ? m : map(m, (x) => ({ t: 'mul', a: [...scalars, x] })) };
    }
    case 'div': {
      const a = value(e.a);
      const b = value(e.b);
      if (!a || !b || 'm' in b) return null;
      return 'm' in a ? { m: map(a.m, (x) => ({ t: 'div', a: x, b: b.s })) } : { s: e };
    }
    case 'pow': {
      const a = value(e.a);
      if (!a) return null;
      if (!('m' in a)) return hasMatrix(e.b) ? null : { s: e };
      const b = e.b;
      if (b.t === 'var' && b.name === 'T') return { m: a.m[0]!.map((_, j) => a.m.map((row) => row[j]!)) };
      if (b.t !== 'num' || b.v.d !== 1n || b.v.n < 1n || b.v.n > BigInt(MAX_POWER)) return null;
      let acc: Rows | null = a.m;
      for (let k = 1n; k < b.v.n && acc; k++) acc = matmul(acc, a.m);
      return acc && { m: acc };
    }
    default:
      return { s: e };
  }
}

function matmul(x: Rows, y: Rows): Rows | null {
  const [r, n] = shape(x);
  const [n2, c] = shape(y);
  if (n !== n2 || r * c > MAX_ENTRIES) return null;
  const out: Rows = [];
  for (let i = 0; i < r; i++) {
    const row: Expr[] = [];
    for (let j = 0; j < c; j++) {
      const terms = Array.from({ length: n }, (_, k): Expr => ({ t: 'mul', a: [x[i]![k]!, y[k]![j]!] }));
      row.push({ t: 'add', a: terms });
    }
    out.push(row);
  }
  // entries share subtrees, but evaluation walks them as trees: a long chain of products would blow up
  let budget = MAX_NODES;
  for (const row of out) for (const x of row) budget = nodesLeft(x, budget);
  return budget < 0 ? null : out;
}

/** `budget` minus the node count of `e` as a tree, stopping once it goes negative. */
function nodesLeft(e: Expr, budget: number): number {
  let left = budget - 1;
  const children: Expr[] =
    e.t === 'add' || e.t === 'mul'
      ? e.a
      : e.t === 'neg'
        ? [e.a]
        : e.t === 'div' || e.t === 'pow'
          ? [e.a, e.b]
          : e.t === 'fn'
            ? e.args
            : [];
  for (const x of children) {
    if (left < 0) break;
    left = nodesLeft(x, left);
  }
  return left;
}

const map = (m: Rows, f: (x: Expr) => Expr): Rows => m.map((row) => row.map(f));
