import type { Heuristic } from '../core/domain.js';
import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { addChecked, byCost, proposeChildren, resolveHeuristic } from './expand.js';
import type { SearchAlgorithm, SearchArgs, SearchResult, StopReason } from './types.js';

export interface DfsOptions<P = unknown, S = unknown> {
  /** Children are tried cheapest first; without a heuristic, in the domain's order. */
  heuristic?: string | Heuristic<P, S>;
  /** Children whose cost exceeds this are pruned, never generated (SoS uses the target value). */
  threshold?: number;
}

/**
 * Depth-first search as in Stream of Search: at each node, sort the children by heuristic, drop
 * those above the threshold, and try them one at a time, descending into each and coming back to
 * the parent (a logged `visit`) before trying the next sibling.
 */
export const dfs: SearchAlgorithm<DfsOptions> = {
  name: 'dfs',
  async run<P, S, A>(args: SearchArgs<P, S, A, DfsOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    const heuristic = resolveHeuristic(domain, options.heuristic as DfsOptions<P, S>['heuristic']);
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    let solution: number | null = null;
    if (heuristic) tree.root.h = heuristic(tree.root.state, problem);

    const expand = async (id: number): Promise<StopReason> => {
      let cands = await proposeChildren(domain, tree, id, problem, rng, heuristic);
      if (options.threshold !== undefined) cands = cands.filter((c) => c.h <= (options.threshold as number));
      if (heuristic) cands = byCost(cands);
      for (let k = 0; k < cands.length; k++) {
        if (!meter.canGrow(tree)) return 'budget';
        const child = await addChecked(domain, tree, id, cands[k], problem);
        if (child.terminal) {
          if (child.verified) {
            solution = child.id;
            return 'solved';
          }
        } else {
          if (!meter.takeVisit()) return 'budget';
          tree.visit(child.id);
          const r = await expand(child.id);
          if (r !== 'exhausted') return r;
        }
        if (k < cands.length - 1) tree.visit(id); // back to the parent before the next sibling
      }
      return 'exhausted';
    };

    let stoppedBy: StopReason = 'budget';
    if (meter.takeVisit()) {
      tree.visit(0);
      stoppedBy = await expand(0);
    }
    return finish(tree, solution, stoppedBy);
  },
};

export function finish<S, A, P>(
  tree: SearchTree<S, A, P>,
  solution: number | null,
  stoppedBy: StopReason,
): SearchResult<S, A, P> {
  return { tree, solution, solutionSteps: solution === null ? null : tree.stepsTo(solution), stoppedBy };
}
