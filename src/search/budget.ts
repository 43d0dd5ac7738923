import type { SearchTree } from '../core/tree.js';
import type { Budget } from './types.js';

/** Tracks a budget against a growing tree. Time is checked on every call, so keep calls per node. */
export class BudgetMeter {
  readonly #budget: Budget;
  readonly #start = Date.now();
  #visits = 0;
  readonly #tokens0: number;

  constructor(budget: Budget = {}) {
    if (budget.maxTokens !== undefined && budget.tokensUsed === undefined)
      throw new Error('a token budget needs tokensUsed (the domain token counter)');
    this.#budget = budget;
    this.#tokens0 = budget.tokensUsed?.() ?? 0;
  }

  /** Tokens spent past the budget? (A language model's call may overshoot; the next check stops.) */
  #tokensSpent(): boolean {
    const { maxTokens, tokensUsed } = this.#budget;
    return maxTokens !== undefined && tokensUsed !== undefined && tokensUsed() - this.#tokens0 >= maxTokens;
  }

  /** Room for one more node? */
  canGrow(tree: SearchTree<unknown, unknown, unknown>): boolean {
    const { maxNodes, maxTimeMs } = this.#budget;
    if (maxNodes !== undefined && tree.size >= maxNodes) return false;
    if (maxTimeMs !== undefined && Date.now() - this.#start >= maxTimeMs) return false;
    return !this.#tokensSpent();
  }

  /** Room for one more expansion? Counts it when there is. */
  takeVisit(): boolean {
    const { maxVisits, maxTimeMs } = this.#budget;
    if (maxVisits !== undefined && this.#visits >= maxVisits) return false;
    if (maxTimeMs !== undefined && Date.now() - this.#start >= maxTimeMs) return false;
    if (this.#tokensSpent()) return false;
    this.#visits++;
    return true;
  }
}
