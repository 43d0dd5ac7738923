import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { addChecked, expandValued, proposeChildren } from './expand.js';
import type { ValueFn } from './mcts.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

export interface DvtsOptions<P = unknown, S = unknown> {
  /** Independent subtrees, one per distinct first step (M). */
  subtrees: number;
  /** Candidates per step inside a subtree; the best-valued one is followed. */
  branching: number;
  value: ValueFn<P, S>;
}

/**
 * Diverse verifier tree search (search-and-learn's DVTS): split the budget into `subtrees`
 * independent greedy searches that start from different first steps, so one strong early branch
 * cannot absorb the whole beam. Each subtree expands `branching` candidates and follows the best.
 */
export const dvts: SearchAlgorithm<DvtsOptions> = {
  name: 'dvts',
  async run<P, S, A>(args: SearchArgs<P, S, A, DvtsOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    if (!(options.subtrees >= 1 && options.branching >= 1))
      throw new Error('dvts: subtrees and branching must be ≥ 1');
    const value = options.value as DvtsOptions<P, S>['value'];
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    if (!meter.takeVisit()) return finish(tree, null, 'budget');
    tree.visit(0);
    let roots = await proposeChildren(domain, tree, 0, problem, rng, null);
    if (roots.length > options.subtrees) roots = rng.shuffle(roots).slice(0, options.subtrees);
    const starts: number[] = [];
    for (const cand of roots) {
      if (!meter.canGrow(tree)) return finish(tree, null, 'budget');
      const child = await addChecked(domain, tree, 0, cand, problem);
      if (child.verified) return finish(tree, child.id, 'solved');
      if (!child.terminal) starts.push(child.id);
    }
    for (const start of starts) {
      let cur = start;
      for (;;) {
        if (!meter.takeVisit()) return finish(tree, null, 'budget');
        tree.visit(cur);
        const r = await expandValued(domain, tree, cur, problem, rng, options.branching, value, () =>
          meter.canGrow(tree),
        );
        if (r.stop === 'budget') return finish(tree, null, 'budget');
        if (r.stop === 'solved') return finish(tree, r.solution, 'solved');
        // Follow the best-valued child; ties go to the first generated.
        let best = -1;
        let bestValue = Number.NEGATIVE_INFINITY;
        for (const id of r.scored) {
          const v = tree.node(id).value ?? 0;
          if (v > bestValue) {
            bestValue = v;
            best = id;
          }
        }
        if (best < 0) break;
        cur = best;
      }
    }
    return finish(tree, null, 'exhausted');
  },
};
