import type { Domain, Heuristic } from '../core/domain.js';
import type { Rng } from '../core/rng.js';
import type { SearchNode, SearchTree } from '../core/tree.js';

/** A child the search may add: the step, the state it leads to, and its heuristic cost. */
export interface Candidate<S, A> {
  step: A;
  state: S;
  h: number;
}

/** Proposes the children of a node, in the domain's order, without adding them to the tree. */
export async function proposeChildren<P, S, A>(
  domain: Domain<P, S, A>,
  tree: SearchTree<S, A, P>,
  id: number,
  problem: P,
  rng: Rng,
  heuristic: Heuristic<P, S> | null,
): Promise<Candidate<S, A>[]> {
  const parent = tree.node(id);
  const steps = await domain.steps(parent.state, { problem, rng });
  return steps.map((step) => {
    const state = domain.apply(parent.state, step, problem);
    return { step, state, h: heuristic ? heuristic(state, problem) : 0 };
  });
}

/** Adds a candidate to the tree (a `generate` event) and checks it when it is terminal. */
export async function addChecked<P, S, A>(
  domain: Domain<P, S, A>,
  tree: SearchTree<S, A, P>,
  parent: number,
  cand: Candidate<S, A>,
  problem: P,
): Promise<SearchNode<S, A>> {
  const child = tree.addChild(parent, cand.step, cand.state, { h: cand.h });
  if (domain.isTerminal(cand.state, problem)) {
    child.terminal = true;
    child.verified = await domain.isSolved(cand.state, problem);
  }
  return child;
}

/** Resolves a heuristic given by name (from the domain) or as a function. */
export function resolveHeuristic<P, S, A>(
  domain: Domain<P, S, A>,
  heuristic: string | Heuristic<P, S> | undefined,
): Heuristic<P, S> | null {
  if (heuristic === undefined) return null;
  if (typeof heuristic === 'function') return heuristic;
  const h = domain.heuristics[heuristic];
  if (!h) {
    const known = Object.keys(domain.heuristics).join(', ') || 'none';
    throw new Error(`domain ${domain.name} has no heuristic '${heuristic}' (known: ${known})`);
  }
  return h;
}

/** Stable sort by heuristic cost, lowest first (ties keep the domain's order, as Python's sort does). */
export function byCost<S, A>(cands: Candidate<S, A>[]): Candidate<S, A>[] {
  return cands
    .map((c, i) => ({ c, i }))
    .sort((x, y) => x.c.h - y.c.h || x.i - y.i)
    .map((x) => x.c);
}

/**
 * One value-guided expansion (step beam, DVTS): up to `branching` proposed children (a seeded random
 * subset when there are more), each added, checked, and — when not terminal — scored by `value`.
 * Stops at a verified child or when the node budget runs out.
 */
export async function expandValued<P, S, A>(
  domain: Domain<P, S, A>,
  tree: SearchTree<S, A, P>,
  id: number,
  problem: P,
  rng: Rng,
  branching: number,
  value: (state: S, problem: P, rng: Rng) => number | Promise<number>,
  canGrow: () => boolean,
): Promise<{ stop: 'solved' | 'budget' | null; solution: number | null; scored: number[] }> {
  let cands = await proposeChildren(domain, tree, id, problem, rng, null);
  if (cands.length > branching) cands = rng.shuffle(cands).slice(0, branching);
  const scored: number[] = [];
  for (const cand of cands) {
    if (!canGrow()) return { stop: 'budget', solution: null, scored };
    const child = await addChecked(domain, tree, id, cand, problem);
    if (child.verified) return { stop: 'solved', solution: child.id, scored };
    if (child.terminal) continue;
    child.value = await value(child.state, problem, rng);
    scored.push(child.id);
  }
  return { stop: null, solution: null, scored };
}
