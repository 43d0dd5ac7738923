import type { MaybePromise } from '../core/domain.js';
import type { Rng } from '../core/rng.js';
import { type SearchNode, SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { addChecked, proposeChildren } from './expand.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

/** A state's value in [0, 1] (higher is better): MC rollouts scored by a verifier, a PRM, a heuristic. */
export type ValueFn<P, S> = (state: S, problem: P, rng: Rng) => MaybePromise<number>;

export interface MctsOptions<P = unknown, S = unknown> {
  value: ValueFn<P, S>;
  /** UCT exploration constant c. */
  exploration?: number;
  /** Children added per expansion (the paper's b); all proposed steps when absent. */
  branching?: number;
  /** Stop at the first verified solution (default), or keep searching until the budget is spent. */
  stopAtSolution?: boolean;
}

/**
 * Monte-Carlo tree search as in the Meta-CoT paper's appendix D: UCT selection
 * Q(s,a) + c·√(ln N(s) / N(s,a)), expansion with b children whose Q starts at their value v
 * (which replaces simulation), and backup of the expanded node's value along the path.
 * Each iteration logs a `visit` of the node it expands and a `backup` per node on the path.
 */
export const mcts: SearchAlgorithm<MctsOptions> = {
  name: 'mcts',
  async run<P, S, A>(args: SearchArgs<P, S, A, MctsOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    const value = options.value as ValueFn<P, S>;
    const c = options.exploration ?? Math.SQRT2;
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    if (!meter.takeVisit()) return finish(tree, null, 'budget');
    tree.visit(0);
    tree.root.value = await value(tree.root.state, problem, rng);
    const expanded = new Set<number>();
    // Dead: a terminal that missed, or an expanded node whose children are all dead.
    const dead = new Set<number>();
    let solution: number | null = null;
    const done = (why: 'budget' | 'exhausted') => finish(tree, solution, solution !== null ? 'solved' : why);

    const q = (n: SearchNode<S, A>) => (n.backups > 0 ? n.valueSum / n.backups : (n.value ?? 0));
    const select = (): number[] => {
      const path = [0];
      let cur = tree.root;
      while (expanded.has(cur.id)) {
        const parentN = Math.max(1, cur.backups);
        let best = -1;
        let bestU = Number.NEGATIVE_INFINITY;
        for (const id of cur.children) {
          if (dead.has(id)) continue;
          const child = tree.node(id);
          const u = q(child) + c * Math.sqrt(Math.log(parentN + 1) / (child.backups + 1));
          if (u > bestU) {
            bestU = u;
            best = id;
          }
        }
        cur = tree.node(best);
        path.push(best);
      }
      return path;
    };
    const markDead = (id: number) => {
      for (let cur: number | null = id; cur !== null; cur = tree.node(cur).parent) {
        const n = tree.node(cur);
        if (cur !== id && !n.children.every((k) => dead.has(k))) break;
        dead.add(cur);
      }
    };

    while (!dead.has(0)) {
      const path = select();
      const leafId = path[path.length - 1];
      const leaf = tree.node(leafId);
      if (leafId !== 0) {
        if (!meter.takeVisit()) return done('budget');
        tree.visit(leafId);
      }
      expanded.add(leafId);
      let cands = leaf.terminal ? [] : await proposeChildren(domain, tree, leafId, problem, rng, null);
      if (options.branching !== undefined && cands.length > options.branching) {
        cands = rng.shuffle(cands).slice(0, options.branching);
      }
      for (const cand of cands) {
        if (!meter.canGrow(tree)) return done('budget');
        const child = await addChecked(domain, tree, leafId, cand, problem);
        child.value = child.terminal ? (child.verified ? 1 : 0) : await value(child.state, problem, rng);
        if (child.terminal) {
          dead.add(child.id); // nothing below a terminal; a verified one is the answer
          if (child.verified && solution === null) {
            solution = child.id;
            if (options.stopAtSolution ?? true) return done('budget');
          }
        }
      }
      if (leaf.children.every((k) => dead.has(k))) markDead(leafId);
      const v = cands.length > 0 ? (leaf.value ?? 0) : 0;
      for (const id of path) tree.backup(id, v);
    }
    return done('exhausted');
  },
};
