import type { Rng } from './rng.js';

export type MaybePromise<T> = T | Promise<T>;

/** Context handed to a domain's step proposer: the problem and the search's random source. */
export interface StepContext<P> {
  problem: P;
  rng: Rng;
}

export type SolutionCheck = { ok: true } | { ok: false; reason: string; step?: number };

/**
 * A problem domain as search sees it. Countdown implements it symbolically; an LLM domain proposes
 * steps by sampling, which is why `steps` and `isSolved` may return promises.
 *
 * P: problem, S: state, A: step (action). States and steps must be JSON-serializable so trees
 * round-trip losslessly.
 */
export interface Domain<P, S, A> {
  readonly name: string;
  initialState(problem: P): S;
  /** Candidate next steps, in the domain's canonical order (symbolic: all legal steps; LLM: sampled). */
  steps(state: S, ctx: StepContext<P>): MaybePromise<A[]>;
  apply(state: S, step: A, problem: P): S;
  isTerminal(state: S, problem: P): boolean;
  /** Only called on terminal states: does this state solve the problem? */
  isSolved(state: S, problem: P): MaybePromise<boolean>;
  /** Re-checks a whole solution from scratch, independently of any search. */
  verifySolution(problem: P, steps: readonly A[]): SolutionCheck;
  /** Named heuristic costs (lower is closer to the goal), for heuristic-guided searches. */
  readonly heuristics: Readonly<Record<string, Heuristic<P, S>>>;
  /** The final answer a terminal state gives, for voting (e.g. a boxed expression); null when it gives none. */
  answer?(state: S, problem: P): string | null;
  /** Human-readable form of a step, as it appears in traces. */
  stepText(step: A): string;
}

export type Heuristic<P, S> = (state: S, problem: P) => number;
