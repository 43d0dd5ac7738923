import type { Heuristic } from '../core/domain.js';
import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { addChecked, byCost, proposeChildren, resolveHeuristic } from './expand.js';
import { Frontier } from './frontier.js';
import type { SearchAlgorithm, SearchArgs, SearchResult, StopReason } from './types.js';

export interface BeamOptions<P = unknown, S = unknown> {
  /** Nodes expanded per round, and children kept per expanded node (SoS: 1–5). */
  width: number;
  heuristic: string | Heuristic<P, S>;
  /** Shuffle the kept children before generating them, as SoS does, so ties don't always go the same way. */
  shuffle?: boolean;
}

/**
 * Beam-limited best-first search as in Stream of Search's BFS: each round pops the `width` cheapest
 * open nodes; each keeps its `width` cheapest children (shuffled), which join one global frontier.
 * Differs from SoS in one way: terminal children that miss the goal are not pushed back onto the
 * frontier (SoS re-expands those dead leaves, which adds lines but never a child).
 */
export const beam: SearchAlgorithm<BeamOptions> = {
  name: 'beam',
  async run<P, S, A>(args: SearchArgs<P, S, A, BeamOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    if (!(Number.isInteger(options.width) && options.width >= 1)) {
      throw new Error(`beam width must be a positive integer, got ${options.width}`);
    }
    const heuristic = resolveHeuristic(domain, options.heuristic as BeamOptions<P, S>['heuristic'])!;
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    tree.root.h = heuristic(tree.root.state, problem);
    const meter = new BudgetMeter(args.budget);
    const open = new Frontier<number>();
    open.push(0, tree.root.h);

    const search = async (): Promise<{ stop: StopReason; solution: number | null }> => {
      while (open.size > 0) {
        const round: number[] = [];
        while (round.length < options.width && open.size > 0) round.push(open.pop()!);
        for (const id of round) {
          if (!meter.takeVisit()) return { stop: 'budget', solution: null };
          tree.visit(id);
          let kept = byCost(await proposeChildren(domain, tree, id, problem, rng, heuristic)).slice(
            0,
            options.width,
          );
          if (options.shuffle ?? true) kept = rng.shuffle(kept);
          for (const cand of kept) {
            if (!meter.canGrow(tree)) return { stop: 'budget', solution: null };
            const child = await addChecked(domain, tree, id, cand, problem);
            if (child.verified) return { stop: 'solved', solution: child.id };
            if (!child.terminal) open.push(child.id, cand.h);
          }
        }
      }
      return { stop: 'exhausted', solution: null };
    };

    const { stop, solution } = await search();
    return finish(tree, solution, stop);
  },
};
