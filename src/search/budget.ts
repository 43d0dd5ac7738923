import type { SearchTree } from '../core/tree.js';
import type { Budget } from './types.js';

/** Tracks a budget against a growing tree. Time is checked on every call, so keep calls per node. */
export class BudgetMeter {
  readonly #budget: Budget;
  readonly #start = Date.now();
  #visits = 0;

  constructor(budget: Budget = {}) {
    this.#budget = budget;
  }

  /** Room for one more node? */
  canGrow(tree: SearchTree<unknown, unknown, unknown>): boolean {
    const { maxNodes, maxTimeMs } = this.#budget;
    if (maxNodes !== undefined && tree.size >= maxNodes) return false;
    if (maxTimeMs !== undefined && Date.now() - this.#start >= maxTimeMs) return false;
    return true;
  }

  /** Room for one more expansion? Counts it when there is. */
  takeVisit(): boolean {
    const { maxVisits, maxTimeMs } = this.#budget;
    if (maxVisits !== undefined && this.#visits >= maxVisits) return false;
    if (maxTimeMs !== undefined && Date.now() - this.#start >= maxTimeMs) return false;
    this.#visits++;
    return true;
  }
}
