import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { finish } from './dfs.js';
import { expandValued } from './expand.js';
import type { ValueFn } from './mcts.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

export interface StepBeamOptions<P = unknown, S = unknown> {
  /** Beams kept per depth (N). */
  width: number;
  /** Children proposed per kept node (sampled steps for an LLM; a random subset for symbolic domains). */
  branching: number;
  /** Scores partial states: a PRM, MC rollouts, a heuristic. */
  value: ValueFn<P, S>;
}

/**
 * Verifier/PRM-guided step beam search (as in search-and-learn): expand every kept node with
 * `branching` steps, score the children, keep the `width` best, depth by depth, until a child
 * verifies or nothing is left.
 */
export const stepBeam: SearchAlgorithm<StepBeamOptions> = {
  name: 'step-beam',
  async run<P, S, A>(args: SearchArgs<P, S, A, StepBeamOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    if (!(options.width >= 1 && options.branching >= 1))
      throw new Error('step beam: width and branching must be ≥ 1');
    const value = options.value as StepBeamOptions<P, S>['value'];
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    let beam = [0];
    tree.root.value = await value(tree.root.state, problem, rng);
    while (beam.length > 0) {
      const next: number[] = [];
      for (const id of beam) {
        if (!meter.takeVisit()) return finish(tree, null, 'budget');
        tree.visit(id);
        const r = await expandValued(domain, tree, id, problem, rng, options.branching, value, () =>
          meter.canGrow(tree),
        );
        if (r.stop === 'budget') return finish(tree, null, 'budget');
        if (r.stop === 'solved') return finish(tree, r.solution, 'solved');
        next.push(...r.scored);
      }
      // Highest value first; ties keep generation order.
      beam = next
        .map((id, i) => ({ id, i, v: tree.node(id).value ?? 0 }))
        .sort((a, b) => b.v - a.v || a.i - b.i)
        .slice(0, options.width)
        .map((x) => x.id);
    }
    return finish(tree, null, 'exhausted');
  },
};
