import type { Heuristic } from '../core/domain.js';
import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { addChecked, proposeChildren, resolveHeuristic } from './expand.js';
import { Frontier } from './frontier.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

export interface BestFirstOptions<P = unknown, S = unknown> {
  heuristic: string | Heuristic<P, S>;
  /** f = gWeight · depth + h. 1 gives A*, 0 gives greedy best-first. */
  gWeight?: number;
  /** Skip children whose state (by `stateKey`) was already generated. */
  dedupe?: boolean;
  /** Key for deduplication; defaults to the state's JSON. */
  stateKey?: (state: S) => string;
}

/**
 * Best-first search / A*: pop the open node with the lowest f (a logged `visit`, A*'s "close"),
 * generate all its children (A*'s "create"), and stop when a verified goal is popped, as A* does.
 */
export const bestFirst: SearchAlgorithm<BestFirstOptions> = {
  name: 'best-first',
  async run<P, S, A>(args: SearchArgs<P, S, A, BestFirstOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    const heuristic = resolveHeuristic(domain, options.heuristic as BestFirstOptions<P, S>['heuristic'])!;
    const gWeight = options.gWeight ?? 1;
    const key = (options.stateKey as ((s: S) => string) | undefined) ?? ((s: S) => JSON.stringify(s));
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    tree.root.h = heuristic(tree.root.state, problem);
    const seen = new Set<string>(options.dedupe ? [key(tree.root.state)] : []);
    const meter = new BudgetMeter(args.budget);
    const open = new Frontier<number>();
    open.push(0, tree.root.h);

    while (open.size > 0) {
      const id = open.pop()!;
      if (!meter.takeVisit()) return finish(tree, null, 'budget');
      tree.visit(id);
      const node = tree.node(id);
      if (node.terminal) {
        if (node.verified) return finish(tree, id, 'solved');
        continue;
      }
      for (const cand of await proposeChildren(domain, tree, id, problem, rng, heuristic)) {
        if (options.dedupe) {
          const k = key(cand.state);
          if (seen.has(k)) continue;
          seen.add(k);
        }
        if (!meter.canGrow(tree)) return finish(tree, null, 'budget');
        const child = await addChecked(domain, tree, id, cand, problem);
        open.push(child.id, gWeight * child.depth + cand.h);
      }
    }
    return finish(tree, null, 'exhausted');
  },
};
