/**
 * Builds batches of groups for one (data-parallel rank, split): which problems, in what order, and what
 * happens when a problem cannot be used or the policy endpoint fails.
 *
 * - Rank r of D takes problems r, r + D, r + 2D, … (as NeoX's reference server does), so ranks never train on
 *   the same prompt in the same round; each epoch over its share is reshuffled from the seed.
 * - A group whose generation fails (the endpoint died, restarted, or answered 5xx after the backend's own
 *   retries) is retried with capped exponential backoff, on the same problem, and the batch goes on: a
 *   restarting vLLM costs time, never the round. After `retries` failed tries the problem is set aside for
 *   this round and the next one is taken, still without giving up the batch.
 * - A skipped problem (prompt too long for the trainer's context, too few completions) is reported and
 *   replaced by the next; if a whole pass over the rank's share yields nothing, the split is unusable and the
 *   producer fails with that reason rather than spin.
 */
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { renderPrompt } from '../export/prompt.js';
import type { ProblemRow } from '../export/rows.js';
import { LMRequestError } from '../llm/errors.js';
import { sleep } from '../llm/retry.js';
import { buildGroup, describeProblem, type GroupDeps, type GroupOptions, type NeoxGroup } from './groups.js';

export type Split = 'train' | 'valid' | 'test';

export interface RetryPolicy {
  /** tries per problem before it is set aside for this round */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export interface ProducerOptions extends GroupOptions {
  groupsPerBatch: number;
  /** prompt template with `{problem}` (see export/prompt.ts) */
  template: string;
  seed: number;
  retry: RetryPolicy;
}

export type ProducerEvent =
  | { type: 'skipped'; rank: number; split: Split; reason: string; message: string }
  | {
      type: 'retry';
      rank: number;
      split: Split;
      problem: string;
      attempt: number;
      waitMs: number;
      error: string;
    }
  | { type: 'gave_up'; rank: number; split: Split; problem: string; error: string }
  /** one group built (a batch has `groupsPerBatch` of them): progress within a batch, for status lines */
  | { type: 'group'; rank: number; split: Split; samples: number; rewardSum: number }
  | {
      type: 'batch';
      rank: number;
      split: Split;
      groups: number;
      samples: number;
      meanReward: number;
      cut: number;
    };

/** Cycles through rank `rank`'s share of `problems`, reshuffled each epoch. */
export class ProblemCursor {
  private readonly share: ProblemRow[];
  private order: ProblemRow[] = [];
  private pos = 0;
  private epoch = 0;

  constructor(
    problems: readonly ProblemRow[],
    rank: number,
    ranks: number,
    private readonly seed: number,
  ) {
    this.share = problems.filter((_, k) => k % ranks === rank);
  }

  get size(): number {
    return this.share.length;
  }

  next(): ProblemRow {
    if (this.pos >= this.order.length) {
      this.order = Rng.derive(this.seed, this.epoch++).shuffle([...this.share]);
      this.pos = 0;
    }
    return this.order[this.pos++]!;
  }
}

/** A split that can never be served; a UserError, since the cause is the data or the context length. */
export class SplitUnusable extends UserError {
  override name = 'SplitUnusable';
}

export function batchProducer(
  cursor: ProblemCursor,
  rank: number,
  split: Split,
  opts: ProducerOptions,
  deps: GroupDeps,
  onEvent: (e: ProducerEvent) => void = () => {},
): (signal: AbortSignal) => Promise<NeoxGroup[]> {
  if (cursor.size === 0)
    throw new SplitUnusable(
      `rank ${rank} has no ${split} problems (fewer problems than data-parallel ranks)`,
    );
  let everUsable = false;
  let skipsInARow = 0;

  /** Counts a skipped problem; a whole pass over the share with nothing usable means the split never will be. */
  const skip = (reason: string, message: string): void => {
    onEvent({ type: 'skipped', rank, split, reason, message });
    skipsInARow++;
    if (!everUsable && skipsInARow >= cursor.size)
      throw new SplitUnusable(
        `no usable ${split} problem for rank ${rank}: all ${cursor.size} were skipped (last: ${message})`,
      );
  };

  /** One slot of the batch: keeps taking problems until one yields a group. */
  const fillSlot = async (signal: AbortSignal): Promise<{ group: NeoxGroup; cut: number }> => {
    for (;;) {
      signal.throwIfAborted();
      const problem = cursor.next();
      const name = describeProblem(problem);
      const prompt = renderPrompt(opts.template, problem.problem);
      let lastError = '';
      for (let attempt = 0; attempt < opts.retry.attempts; attempt++) {
        let outcome: Awaited<ReturnType<typeof buildGroup>>;
        try {
          outcome = await buildGroup(problem, prompt, opts, deps, signal);
        } catch (err) {
          signal.throwIfAborted();
          if (err instanceof LMRequestError && !err.retryable) {
            // the server refuses this request for good (a 4xx such as a prompt over its max-model-len)
            skip('rejected', `${name}: the policy server rejected the request: ${err.message}`);
            lastError = '';
            break;
          }
          lastError = (err as Error).message;
          if (attempt + 1 < opts.retry.attempts) {
            const waitMs = Math.min(opts.retry.maxMs, opts.retry.baseMs * 2 ** attempt);
            onEvent({
              type: 'retry',
              rank,
              split,
              problem: name,
              attempt: attempt + 1,
              waitMs,
              error: lastError,
            });
            await sleep(waitMs, signal);
          }
          continue;
        }
        if (outcome.ok) {
          everUsable = true;
          skipsInARow = 0;
          const g = outcome.group;
          onEvent({
            type: 'group',
            rank,
            split,
            samples: g.completions.length,
            rewardSum: g.rewards.reduce((a, b) => a + b, 0),
          });
          return { group: outcome.group, cut: outcome.cut };
        }
        skip(outcome.reason, outcome.message);
        break;
      }
      if (lastError !== '') onEvent({ type: 'gave_up', rank, split, problem: name, error: lastError });
    }
  };

  return async (signal) => {
    // one slot failing for good (an unusable split) stops its siblings instead of leaving them generating
    const local = new AbortController();
    const stop = (): void => local.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    let slots: { group: NeoxGroup; cut: number }[];
    try {
      slots = await Promise.all(
        Array.from({ length: opts.groupsPerBatch }, () =>
          fillSlot(local.signal).catch((err: unknown) => {
            local.abort(err);
            throw err;
          }),
        ),
      );
    } finally {
      signal.removeEventListener('abort', stop);
    }
    const groups = slots.map((s) => s.group);
    const samples = groups.reduce((n, g) => n + g.completions.length, 0);
    const rewardSum = groups.reduce((n, g) => n + g.rewards.reduce((a, b) => a + b, 0), 0);
    onEvent({
      type: 'batch',
      rank,
      split,
      groups: groups.length,
      samples,
      meanReward: samples > 0 ? rewardSum / samples : 0,
      cut: slots.reduce((n, s) => n + s.cut, 0),
    });
    return groups;
  };
}
