import type { Domain } from '../core/domain.js';
import type { Rng } from '../core/rng.js';
import type { SearchTree } from '../core/tree.js';

/** Limits a search respects; whichever is hit first stops it. */
export interface Budget {
  /** Nodes in the tree, root included. */
  maxNodes?: number;
  /** Expansions (visit events). */
  maxVisits?: number;
  maxTimeMs?: number;
  /** Tokens the search may spend (a language-model domain's prompt + completion tokens), read from
   * `tokensUsed`; counted from the moment the search starts. */
  maxTokens?: number;
  tokensUsed?: () => number;
}

export type StopReason = 'solved' | 'exhausted' | 'budget';

export interface SearchResult<S, A, P> {
  tree: SearchTree<S, A, P>;
  /** Id of the first verified goal node, or null. */
  solution: number | null;
  /** Steps from the root to the goal, or null. */
  solutionSteps: A[] | null;
  stoppedBy: StopReason;
  /** For aggregating searches (best-of-N, voting): the terminal node the aggregation picks,
   * verified or not — what a deployed system would answer without an oracle. */
  selected?: number | null;
}

export interface SearchArgs<P, S, A, O> {
  domain: Domain<P, S, A>;
  problem: P;
  options: O;
  rng: Rng;
  budget?: Budget;
}

/**
 * One interface for every search. Algorithms keep no per-run state on `this`, so one instance can
 * run many searches concurrently; the domain, problem and rng are always arguments.
 */
export interface SearchAlgorithm<O> {
  readonly name: string;
  run<P, S, A>(args: SearchArgs<P, S, A, O>): Promise<SearchResult<S, A, P>>;
}
