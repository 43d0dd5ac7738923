/**
 * Difficulty by rollouts, as Big-Math measures it: K sampled solutions per problem from any
 * LMBackend, each checked by the verifier against the gold answer; solve_rate = correct / K, and
 * Big-Math's quintiles (1 = easiest, > 80% … 5 = hardest, < 20%). Resumable: every finished problem
 * is appended to a JSONL checkpoint, and a rerun skips what it holds.
 *
 * A problem the backend refuses on its own account (a prompt longer than the model's context: HTTP 400,
 * 413, 422, or an in-process backend's context error) is skipped and reported, and the build goes on;
 * any other failure (authentication, unknown model, unreachable server), or refusals of every one of the
 * first problems, stops the build with one error naming the backend.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { ChatMessage, LMBackend } from '../llm/backend.js';
import { LMRequestError } from '../llm/errors.js';
import { VerifierPool } from '../verify/pool.js';

/** Big-Math's rollout prompt (SynthLabs `model_based_filters.py`, paraphrased). */
export const DIFFICULTY_SYSTEM_PROMPT =
  'You are a math expert. Solve the problem step by step. Always format your final answer in perfect LaTeX \\boxed{final_answer} format.';

export interface DifficultyOptions {
  backend: LMBackend;
  /** rollouts per problem (Big-Math: 64) */
  rollouts: number;
  /** JSONL file of finished problems: {id, solved, total} per line */
  checkpoint: string;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** problems in flight at once */
  concurrency?: number;
  systemPrompt?: string;
  /** decides one rollout; default: the verifier's worker pool (hard timeouts, since model output is untrusted) */
  verify?: (gold: string, response: string) => Promise<boolean>;
  /** problems handled so far (measured, skipped, or found in the checkpoint) */
  onProblem?: (done: number) => void;
  /** a problem the backend refused (see isRowRejection): it is left unmeasured and the run goes on */
  onSkip?: (problem: DifficultyProblem, message: string) => void;
  signal?: AbortSignal;
}

/** Refusals of the first problems, with none measured, that mean the backend refuses everything. */
const REFUSALS_BEFORE_STOP = 5;

/**
 * Whether an error concerns one request rather than the backend: the server understood it and refused
 * its content (400, 413 payload too large, 422), or an in-process backend found the prompt longer than
 * its context. Authentication (401, 403), an unknown model (404) or a server that is down are not.
 */
export function isRowRejection(err: unknown): boolean {
  if (err instanceof LMRequestError)
    return !err.retryable && err.status !== undefined && [400, 413, 422].includes(err.status);
  return err instanceof UserError && /\bcontext\b/i.test(err.message);
}

export interface SolveCount {
  solved: number;
  total: number;
}

export interface DifficultyProblem {
  id: string;
  problem: string;
  answer: string;
  /** where the row came from, for reports */
  file?: string;
  line?: number;
}

/** Big-Math's quintile of a solve rate: 1 (> 0.8, easiest) … 5 (< 0.2, hardest). */
export function difficultyQuintile(solveRate: number): number {
  if (solveRate > 0.8) return 1;
  if (solveRate > 0.6) return 2;
  if (solveRate > 0.4) return 3;
  if (solveRate >= 0.2) return 4;
  return 5;
}

export const QUINTILE_LABELS = ['> 80%', '60–80%', '40–60%', '20–40%', '< 20%'];

/** What a checkpoint holds; a torn last line (killed mid-write) is ignored. */
export function readCheckpoint(path: string): Map<string, SolveCount> {
  const done = new Map<string, SolveCount>();
  if (!existsSync(path)) return done;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as { id?: unknown; solved?: unknown; total?: unknown };
      if (typeof v.id === 'string' && typeof v.solved === 'number' && typeof v.total === 'number') {
        done.set(v.id, { solved: v.solved, total: v.total });
      }
    } catch {
      // a line cut short by a kill: that problem is simply measured again
    }
  }
  return done;
}

/**
 * Measures every problem not yet in the checkpoint and returns all counts (old and new), keyed by id.
 */
export async function measureDifficulty(
  problems: AsyncIterable<DifficultyProblem> | Iterable<DifficultyProblem>,
  opts: DifficultyOptions,
): Promise<Map<string, SolveCount>> {
  if (!Number.isInteger(opts.rollouts) || opts.rollouts < 1)
    throw new Error('rollouts must be a positive integer');
  const done = readCheckpoint(opts.checkpoint);
  // a kill mid-write leaves a torn last line: start on a fresh line so the next record is whole
  if (existsSync(opts.checkpoint)) {
    const text = readFileSync(opts.checkpoint, 'utf8');
    if (text !== '' && !text.endsWith('\n')) appendFileSync(opts.checkpoint, '\n');
  }
  let pool: VerifierPool | null = null;
  const verify =
    opts.verify ??
    (async (gold: string, response: string) => {
      pool ??= new VerifierPool({ size: 1, timeoutMs: 5000 });
      return (await pool.verify({ gold, response })).correct;
    });
  const system = opts.systemPrompt ?? DIFFICULTY_SYSTEM_PROMPT;
  let handled = 0;
  let measured = 0;
  let refused = 0;
  let failure: unknown = null;

  const rate = async (p: DifficultyProblem): Promise<void> => {
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: p.problem },
    ];
    const texts: string[] = [];
    try {
      // a backend may return fewer than n completions: ask again for the rest
      for (let guard = 0; texts.length < opts.rollouts && guard < opts.rollouts; guard++) {
        const r = await opts.backend.complete(
          {
            messages,
            n: opts.rollouts - texts.length,
            maxTokens: opts.maxTokens ?? 2048,
            temperature: opts.temperature ?? 0.8,
            topP: opts.topP ?? 0.95,
          },
          opts.signal,
        );
        if (r.completions.length === 0) break;
        for (const c of r.completions) texts.push(c.text);
      }
    } catch (err) {
      if (!isRowRejection(err)) throw err;
      if (++refused >= REFUSALS_BEFORE_STOP && measured === 0)
        throw new UserError(`refused the first ${refused} problems: ${(err as Error).message}`);
      // not checkpointed: a rerun (a larger context, a shorter prompt) measures it
      opts.onSkip?.(p, (err as Error).message);
      opts.onProblem?.(++handled);
      return;
    }
    const verdicts = await Promise.all(texts.slice(0, opts.rollouts).map((t) => verify(p.answer, t)));
    const count = { solved: verdicts.filter(Boolean).length, total: verdicts.length };
    done.set(p.id, count);
    measured++;
    appendFileSync(opts.checkpoint, `${JSON.stringify({ id: p.id, ...count })}\n`);
    opts.onProblem?.(++handled);
  };

  try {
    const inflight = new Set<Promise<void>>();
    const limit = Math.max(1, opts.concurrency ?? 4);
    for await (const p of problems as AsyncIterable<DifficultyProblem>) {
      if (opts.signal?.aborted || failure !== null) break;
      if (done.has(p.id)) {
        opts.onProblem?.(++handled);
        continue;
      }
      // every task settles into `failure`, so no rejection goes unhandled while others are in flight
      const task: Promise<void> = rate(p)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inflight.delete(task));
      inflight.add(task);
      if (inflight.size >= limit) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await (pool as VerifierPool | null)?.close();
  }
  // one line naming the backend (the HTTP status is in the message); anything else is a bug, thrown as it is
  if (failure instanceof UserError)
    throw new UserError(`difficulty backend ${opts.backend.name}: ${failure.message}`);
  if (failure !== null) throw failure;
  return done;
}
