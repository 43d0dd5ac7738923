import type { SearchNode } from '../core/tree.js';
import { SearchTree } from '../core/tree.js';
import { BudgetMeter } from './budget.js';
import { addChecked, proposeChildren } from './expand.js';
import type { ValueFn } from './mcts.js';
import type { SearchAlgorithm, SearchArgs, SearchResult } from './types.js';

export type Aggregation = 'majority' | 'weighted' | 'best';

export interface BestOfNOptions<P = unknown, S = unknown> {
  /** Independent samples (rollouts from the root to a terminal state). */
  n: number;
  /** How the answer is chosen: most frequent, most total value, or the single highest value. */
  aggregate?: Aggregation;
  /** Scores terminal states for `weighted` and `best` (an ORM, a verifier's confidence). */
  value?: ValueFn<P, S>;
  /** Stop sampling at the first verified answer (an oracle-checked pass@N run). Default false. */
  stopAtSolution?: boolean;
}

/**
 * Best-of-N and voting: N independent samples, each following one proposed step at a time (an
 * LLM's sampled step; a uniformly random legal step in a symbolic domain) to a terminal state.
 * Samples that share a prefix share tree nodes. `selected` is the aggregation's pick;
 * `solution` is the first sample that verifies, if any (pass@N with an oracle).
 */
export const bestOfN: SearchAlgorithm<BestOfNOptions> = {
  name: 'best-of-n',
  async run<P, S, A>(args: SearchArgs<P, S, A, BestOfNOptions>): Promise<SearchResult<S, A, P>> {
    const { domain, problem, rng, options } = args;
    if (!(Number.isInteger(options.n) && options.n >= 1))
      throw new Error(`best-of-n: n must be a positive integer`);
    const aggregate = options.aggregate ?? 'majority';
    if (aggregate !== 'majority' && !options.value)
      throw new Error(`best-of-n: '${aggregate}' needs a value function`);
    const value = options.value as ValueFn<P, S> | undefined;
    const tree = new SearchTree<S, A, P>(domain.name, problem, domain.initialState(problem));
    const meter = new BudgetMeter(args.budget);
    const samples: SearchNode<S, A>[] = [];
    let solution: number | null = null;
    let budgetHit = false;
    const key = (a: A) => JSON.stringify(a);

    sampling: for (let s = 0; s < options.n; s++) {
      let cur = tree.root;
      for (;;) {
        if (!meter.takeVisit()) {
          budgetHit = true;
          break sampling;
        }
        tree.visit(cur.id);
        const cands = await proposeChildren(domain, tree, cur.id, problem, rng, null);
        if (cands.length === 0) break;
        const pick = cands[rng.int(cands.length)];
        const existing = cur.children
          .map((id) => tree.node(id))
          .find((c) => key(c.step as A) === key(pick.step));
        let next = existing;
        if (!next) {
          if (!meter.canGrow(tree)) {
            budgetHit = true;
            break sampling;
          }
          next = await addChecked(domain, tree, cur.id, pick, problem);
          if (next.terminal && value) next.value = await value(next.state, problem, rng);
        }
        cur = next;
        if (cur.terminal) {
          samples.push(cur);
          if (cur.verified && solution === null) {
            solution = cur.id;
            if (options.stopAtSolution) break sampling;
          }
          break;
        }
      }
    }
    return {
      tree,
      solution,
      solutionSteps: solution === null ? null : tree.stepsTo(solution),
      stoppedBy: solution !== null ? 'solved' : budgetHit ? 'budget' : 'exhausted',
      selected: select(samples, aggregate, (n) => domain.answer?.(n.state, problem) ?? null),
    };
  },
};

/** The aggregation's pick among terminal samples (each sample counts, repeats included). */
export function select<S, A>(
  samples: SearchNode<S, A>[],
  aggregate: Aggregation,
  answerOf: (n: SearchNode<S, A>) => string | null,
): number | null {
  const withAnswer = samples.filter((n) => answerOf(n) !== null);
  if (withAnswer.length === 0) return null;
  if (aggregate === 'best') return withAnswer.reduce((a, b) => ((b.value ?? 0) > (a.value ?? 0) ? b : a)).id;
  const score = new Map<string, number>();
  for (const n of withAnswer) {
    const ans = answerOf(n)!;
    score.set(ans, (score.get(ans) ?? 0) + (aggregate === 'weighted' ? (n.value ?? 0) : 1));
  }
  let bestAnswer = '';
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const [ans, sc] of score) {
    if (sc > bestScore) {
      bestScore = sc;
      bestAnswer = ans;
    }
  }
  const winners = withAnswer.filter((n) => answerOf(n) === bestAnswer);
  return winners.reduce((a, b) => ((b.value ?? 0) > (a.value ?? 0) ? b : a)).id;
}
