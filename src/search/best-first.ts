import type { Heuristic } from '../core/domain.js';
import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { addChecked, proposeChildren, resolveHeuristic } from './expand.js';
import { Frontier } from './frontier.js';
import type { ValueFn } from './mcts.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

export interface BestFirstOptions<P = unknown, S = unknown> {
  /** Cost-keyed frontier: f = gWeight · depth + h. Give this or `value`. */
  heuristic?: string | Heuristic<P, S>;
  /** Value-keyed frontier (the paper's A*, after Koh et al.): f = gWeight · depth + (1 − v), so the
   * highest-valued open state pops first; a verified child ends the search as soon as it is generated. */
  value?: ValueFn<P, S>;
  /** 1 gives A* (default with a heuristic), 0 greedy best-first (default with a value). */
  gWeight?: number;
  /** Children added per expansion (the paper's b), a seeded random subset when more are proposed. */
  branching?: number;
  /** Children deeper than this are not added (the paper's d). */
  maxDepth?: number;
  /** Skip children whose state (by `stateKey`) was already generated. */
  dedupe?: boolean;
  /** Key for deduplication; defaults to the state's JSON. */
  stateKey?: (state: S) => string;
}

/**
 * Best-first search / A*: pop the open node with the lowest f (a logged `visit`, A*'s "close"),
 * generate its children (A*'s "create"), and stop when a verified goal is popped, as A* does — or,
 * with a value-keyed frontier, when one is generated.
 */
export const bestFirst: SearchAlgorithm<BestFirstOptions> = {
  name: 'best-first',
  async run<P, S, A>(args: SearchArgs<P, S, A, BestFirstOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    const value = options.value as ValueFn<P, S> | undefined;
    if (value === undefined && options.heuristic === undefined)
      throw new Error('best-first: give a heuristic or a value');
    const heuristic = value
      ? null
      : resolveHeuristic(domain, options.heuristic as BestFirstOptions<P, S>['heuristic'])!;
    const gWeight = options.gWeight ?? (value ? 0 : 1);
    const key = (options.stateKey as ((s: S) => string) | undefined) ?? ((s: S) => JSON.stringify(s));
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    const cost = async (id: number): Promise<number> => {
      const n = tree.node(id);
      if (heuristic) n.h = heuristic(n.state, problem);
      else n.value = n.terminal ? (n.verified ? 1 : 0) : await value!(n.state, problem, rng);
      return gWeight * n.depth + (heuristic ? n.h! : 1 - n.value!);
    };
    const seen = new Set<string>(options.dedupe ? [key(tree.root.state)] : []);
    const open = new Frontier<number>();
    open.push(0, await cost(0));

    while (open.size > 0) {
      const id = open.pop()!;
      if (!meter.takeVisit()) return finish(tree, null, 'budget');
      tree.visit(id);
      const node = tree.node(id);
      if (node.terminal) {
        if (node.verified) return finish(tree, id, 'solved');
        continue;
      }
      if (options.maxDepth !== undefined && node.depth >= options.maxDepth) continue;
      let cands = await proposeChildren(domain, tree, id, problem, rng, heuristic);
      if (options.branching !== undefined && cands.length > options.branching)
        cands = rng.shuffle(cands).slice(0, options.branching);
      for (const cand of cands) {
        if (options.dedupe) {
          const k = key(cand.state);
          if (seen.has(k)) continue;
          seen.add(k);
        }
        if (!meter.canGrow(tree)) return finish(tree, null, 'budget');
        const child = await addChecked(domain, tree, id, cand, problem);
        if (value && child.verified) {
          child.value = 1;
          return finish(tree, child.id, 'solved');
        }
        open.push(child.id, await cost(child.id));
      }
    }
    return finish(tree, null, 'exhausted');
  },
};
