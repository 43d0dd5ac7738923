import { hash32, Rng } from '../core/rng.js';
import { stepText } from './arithmetic.js';
import { type CountdownConfig, drawProblem, type Split } from './generator.js';
import { astarTrace } from './linearize/astar.js';
import type { TraceFormat } from './linearize/format.js';
import { optimalPath, streamOfSearch } from './linearize/stream.js';
import { maxNodes } from './solve.js';
import { parseSolverName, pickMixSolver, runSolver, type SolverSpec, solverName } from './solvers.js';
import { Tokenizer } from './tokenizer.js';

/** One line of `metacot countdown generate` output. */
export interface CountdownRecord {
  id: string;
  split: Split;
  nums: number[];
  target: number;
  /** The solver that produced `trace`, e.g. "dfs-sum", "bfs3-mult", "astar-sum". */
  solver: string;
  solved: boolean;
  /** The path the solver found, each step "a op b=c"; null when it failed. */
  solution: string[] | null;
  /** The first solution of an exhaustive search: every problem is solvable. */
  optimal_solution: string[];
  /** The stream of search (the Meta-CoT); Searchformer create/close events for A* solvers. */
  trace: string;
  /** The optimal-path text (the classical-CoT baseline). */
  optimal: string;
  trace_format: TraceFormat | 'astar';
  /** Nodes the solver generated (SoS counts "Exploring Operation" lines). */
  nodes_explored: number;
  /** SoS's rating: 1 − (nodes explored + 1) / max nodes when solved, else 0. */
  rating: number;
  trace_tokens: number;
  optimal_tokens: number;
}

export interface RecordOptions {
  config: CountdownConfig;
  targets: Record<Split, number[]>;
  solver: string;
  format: TraceFormat;
}

const SPLIT_STREAM: Record<Split, number> = { train: 1, test: 2 };
const tokenizer = new Tokenizer();

/** Builds record `index` of `split`: a pure function of the options, whichever worker computes it. */
export async function makeRecord(opts: RecordOptions, split: Split, index: number): Promise<CountdownRecord> {
  const rng = Rng.derive(hash32(opts.config.seed, SPLIT_STREAM[split]), index);
  const drawn = drawProblem(opts.config, opts.targets[split], split, index, rng);
  const problem = { nums: drawn.nums, target: drawn.target };
  const parsed = parseSolverName(opts.solver);
  if (parsed === null) throw new Error(`unknown solver '${opts.solver}'`);
  const spec: SolverSpec = parsed === 'mix' ? pickMixSolver(rng) : parsed;
  const result = await runSolver(spec, problem, rng);
  const trace = spec.kind === 'astar' ? astarTrace(result.tree) : streamOfSearch(result.tree, opts.format);
  const optimal = optimalPath(problem, drawn.reference, opts.format);
  const explored = result.tree.size - 1;
  const solved = result.solution !== null;
  return {
    id: `${split}-${index}`,
    split,
    nums: drawn.nums,
    target: drawn.target,
    solver: solverName(spec),
    solved,
    solution: result.solutionSteps ? result.solutionSteps.map(stepText) : null,
    optimal_solution: drawn.reference.map(stepText),
    trace,
    optimal,
    trace_format: spec.kind === 'astar' ? 'astar' : opts.format,
    nodes_explored: explored,
    rating: solved ? Math.max(0, 1 - (explored + 1) / maxNodes(drawn.nums.length)) : 0,
    trace_tokens: tokenizer.countTokens(trace),
    optimal_tokens: tokenizer.countTokens(optimal),
  };
}
