import { Rng } from '../core/rng.js';
import { SearchTree } from '../core/tree.js';
import type { LMBackend } from '../llm/backend.js';
import { LMRequestError } from '../llm/errors.js';
import type { Aggregation } from '../search/best-of-n.js';
import { SEARCHERS } from '../search/registry.js';
import type { SearchResult } from '../search/types.js';
import { type AnswerCheck, type LmState, lmDomain } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import { type Segmentation, segmenter } from './segment.js';
import type { ResultRow, SearchStore } from './store.js';
import type { PromptTemplate } from './template.js';
import { Usage } from './usage.js';
import { cachedValue, judgeValue, prmValue, rolloutValue, type StateValue } from './value.js';

/** The searches that run over language-model steps (DFS and SoS beam need a symbolic domain). */
export const LM_ALGORITHMS = ['mcts', 'step-beam', 'dvts', 'best-first', 'best-of-n'] as const;
export type LmAlgorithm = (typeof LM_ALGORITHMS)[number];

export type ValueSpec =
  | { kind: 'rollout'; rollouts: number; maxTokens: number }
  | { kind: 'prm'; url: string }
  | { kind: 'judge'; samples: number };

/**
 * Everything that decides a run's results; stored canonically in the store so a resume with other
 * settings is refused. The backend is named separately: shards may reach the same model at other URLs.
 */
export interface SearchRunConfig {
  algorithm: LmAlgorithm;
  /** Steps sampled per expansion (b): MCTS, step beam, DVTS, best-first. */
  branching: number;
  /** Step beam: beams kept per depth. */
  width: number;
  /** DVTS: independent subtrees. */
  subtrees: number;
  /** Best-of-N: samples, and how the answer is picked. */
  n: number;
  aggregate: Aggregation;
  /** MCTS: UCT exploration constant. */
  exploration: number;
  /** MCTS and best-of-N: stop at the first verified solution. */
  stopAtSolution: boolean;
  value: ValueSpec;
  template: PromptTemplate;
  segmentation: Segmentation;
  temperature: number;
  maxStepTokens: number;
  maxSteps: number;
  budget: { maxNodes?: number; maxTokens?: number; maxTimeMs?: number };
  seed: number;
}

export interface Shard {
  index: number;
  count: number;
}

export interface RunProgress {
  done: number;
  total: number;
  solved: number;
  nodes: number;
  tokens: number;
  /** Calls answered from the store's log rather than the backend (a resume). */
  replayed: number;
  /** Problems the model server refused for good (their result row holds the error). */
  errors: number;
}

export interface RunSearchArgs {
  config: SearchRunConfig;
  /** The whole dataset; the shard picks its part by index. */
  problems: MathProblem[];
  store: SearchStore;
  backend: LMBackend;
  shard?: Shard;
  /** Problems searched at once (their model calls overlap). */
  concurrency?: number;
  check?: AnswerCheck;
  keepCalls?: boolean;
  onProgress?: (p: RunProgress) => void;
}

export function shardLabel(shard: Shard | undefined): string {
  return shard === undefined || shard.count === 1 ? 'all' : `${shard.index}/${shard.count}`;
}

/**
 * Runs one search per problem of the shard (problem i belongs to shard i mod n) and commits each to
 * the store when it finishes. Problem i always searches with `Rng.derive(seed, i)`, whatever the
 * shard, concurrency or interruption, so with a deterministic backend every stored result is the
 * same as in one uninterrupted run.
 */
export async function runSearch(args: RunSearchArgs): Promise<RunProgress> {
  const { config, store, shard } = args;
  const mine = args.problems
    .map((problem, idx) => ({ idx, problem }))
    .filter(({ idx }) => shard === undefined || idx % shard.count === shard.index);
  store.init(config, shardLabel(shard), mine, args.backend.name);
  const progress: RunProgress = {
    done: 0,
    total: mine.length,
    solved: 0,
    nodes: 0,
    tokens: 0,
    replayed: 0,
    errors: 0,
  };
  const mineIdx = new Set(mine.map((m) => m.idx));
  for (const r of store.resultTotals()) {
    if (!mineIdx.has(r.problem_idx)) continue;
    progress.done++;
    progress.solved += r.solved;
    progress.nodes += r.nodes;
    progress.tokens += r.tokens;
    progress.errors += r.failed;
  }
  args.onProgress?.({ ...progress });
  const done = store.done();
  const queue = mine.filter(({ idx }) => !done.has(idx));
  // After one failure the other workers take no new problem, so the run stops promptly; the store
  // keeps every finished problem and every answered call, and the same command resumes.
  let failed = false;
  let taken = 0;
  const worker = async () => {
    for (let next = queue[taken++]; next !== undefined && !failed; next = queue[taken++]) {
      const started = Date.now();
      const backend = store.replaying(next.idx, args.backend);
      let row: ResultRow;
      try {
        row = (await searchOne(config, next.idx, next.problem, backend, args.check)).row;
      } catch (err) {
        // A request the server refuses for good (e.g. a prompt longer than its context) would fail the
        // same way on every resume: record the problem as failed and go on. Anything else stops the run.
        if (!(err instanceof LMRequestError && !err.retryable)) {
          failed = true;
          throw err;
        }
        row = failedRow(next.idx, next.problem, err.message);
      }
      store.commit(row, Date.now() - started, args.keepCalls);
      progress.done++;
      progress.solved += row.solved;
      progress.nodes += row.nodes;
      progress.tokens += row.prompt_tokens + row.completion_tokens;
      progress.replayed += backend.replayed;
      if (row.error !== null) progress.errors++;
      args.onProgress?.({ ...progress });
    }
  };
  // Wait for every worker, even after a failure, so no call is left running unrecorded.
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(1, args.concurrency ?? 4) }, worker),
  );
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return progress;
}

/** One problem's search, as a result row (no wall time in it: see the store's `timings`). */
export async function searchOne(
  config: SearchRunConfig,
  idx: number,
  problem: MathProblem,
  backend: LMBackend,
  check?: AnswerCheck,
): Promise<{ row: ResultRow; result: SearchResult<LmState, string, MathProblem> }> {
  const usage = new Usage();
  const seg = segmenter(config.segmentation);
  const samples =
    config.algorithm === 'best-of-n'
      ? 1
      : config.algorithm === 'dvts'
        ? (s: LmState) => (s.steps.length === 0 ? config.subtrees : config.branching)
        : config.branching;
  const domain = lmDomain({
    backend,
    template: config.template,
    segmenter: seg,
    samples,
    maxStepTokens: config.maxStepTokens,
    maxSteps: config.maxSteps,
    temperature: config.temperature,
    usage,
    check,
  });
  const v = config.value;
  const value: StateValue = cachedValue(
    v.kind === 'rollout'
      ? rolloutValue({
          domain,
          backend,
          template: config.template,
          rollouts: v.rollouts,
          maxTokens: v.maxTokens,
          temperature: config.temperature,
        })
      : v.kind === 'prm'
        ? prmValue(v.url)
        : judgeValue({ domain, backend, samples: v.samples, chat: config.template.mode === 'chat' }),
  );
  const options = {
    value,
    branching: config.branching,
    width: config.width,
    subtrees: config.subtrees,
    n: config.n,
    aggregate: config.aggregate,
    exploration: config.exploration,
    stopAtSolution: config.stopAtSolution,
  };
  if (config.algorithm === 'best-of-n' && config.aggregate === 'majority')
    delete (options as { value?: unknown }).value;
  const result = (await SEARCHERS[config.algorithm].run({
    domain,
    problem,
    options: options as never,
    rng: Rng.derive(config.seed, idx),
    budget: { ...config.budget, tokensUsed: () => usage.tokens },
  })) as SearchResult<LmState, string, MathProblem>;
  const pick = result.selected ?? result.solution;
  const picked = pick === null || pick === undefined ? null : result.tree.node(pick);
  return {
    result,
    row: {
      problem_idx: idx,
      id: problem.id,
      solved: result.solution !== null ? 1 : 0,
      stopped_by: result.stoppedBy,
      solution: result.solution,
      selected: result.selected ?? null,
      answer: picked ? (domain.answer?.(picked.state, problem) ?? null) : null,
      selected_correct: picked ? (picked.verified ? 1 : 0) : null,
      nodes: result.tree.size,
      calls: usage.calls,
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      tree: JSON.stringify(result.tree.toJSON()),
      error: null,
    },
  };
}

function failedRow(idx: number, problem: MathProblem, error: string): ResultRow {
  const tree = new SearchTree<LmState, string, MathProblem>('lm', problem, { steps: [] });
  return {
    problem_idx: idx,
    id: problem.id,
    solved: 0,
    stopped_by: 'error',
    solution: null,
    selected: null,
    answer: null,
    selected_correct: null,
    nodes: 1,
    calls: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    tree: JSON.stringify(tree.toJSON()),
    error,
  };
}
