/**
 * Difficulty by rollouts, as Big-Math measures it: K sampled solutions per problem from any
 * LMBackend, each checked by the verifier against the gold answer; solve_rate = correct / K, and
 * Big-Math's quintiles (1 = easiest, > 80% … 5 = hardest, < 20%). Resumable: every finished problem
 * is appended to a JSONL checkpoint, and a rerun skips what it holds.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { ChatMessage, LMBackend } from '../llm/backend.js';
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
  onProblem?: (done: number) => void;
  signal?: AbortSignal;
}

export interface SolveCount {
  solved: number;
  total: number;
}

export interface DifficultyProblem {
  id: string;
  problem: string;
  answer: string;
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
  let finished = 0;

  const rate = async (p: DifficultyProblem): Promise<void> => {
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: p.problem },
    ];
    const texts: string[] = [];
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
    const verdicts = await Promise.all(texts.slice(0, opts.rollouts).map((t) => verify(p.answer, t)));
    const count = { solved: verdicts.filter(Boolean).length, total: verdicts.length };
    done.set(p.id, count);
    appendFileSync(opts.checkpoint, `${JSON.stringify({ id: p.id, ...count })}\n`);
    opts.onProblem?.(++finished);
  };

  try {
    const inflight = new Set<Promise<void>>();
    const limit = Math.max(1, opts.concurrency ?? 4);
    for await (const p of problems as AsyncIterable<DifficultyProblem>) {
      if (opts.signal?.aborted) break;
      if (done.has(p.id)) continue;
      const task: Promise<void> = rate(p).finally(() => inflight.delete(task));
      inflight.add(task);
      if (inflight.size >= limit) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await (pool as VerifierPool | null)?.close();
  }
  return done;
}
