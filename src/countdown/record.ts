import { UserError } from '../core/errors.js';
import { hash32, Rng } from '../core/rng.js';
import { multisetKey, stepText } from './arithmetic.js';
import {
  type CountdownConfig,
  drawProblem,
  type HeldOutSplit,
  onHeldOutTargets,
  type Split,
} from './generator.js';
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
  /**
   * Which draw of its stream each record of a held-out split takes (`distinctDraws`), so the split
   * holds distinct problems; without it, record i is draw i, repeats included.
   */
  draws?: Partial<Record<HeldOutSplit, number[]>>;
}

/** Each stream of problems draws from its own seeded sequence; one table keeps the tags distinct. */
const DRAW_STREAM: Record<Split | 'metaRl', number> = {
  train: 1,
  test: 2,
  metaRl: 3,
  'test-inputs': 4,
  valid: 5,
  'valid-inputs': 6,
};
const tokenizer = new Tokenizer();

/** The generator for draw `draw` of a stream: independent of how work is split across workers. */
export function drawRng(config: CountdownConfig, stream: keyof typeof DRAW_STREAM, draw: number): Rng {
  return Rng.derive(hash32(config.seed, DRAW_STREAM[stream]), draw);
}

/**
 * Picks `count` draws of a held-out stream that give distinct problems (number multiset and target:
 * the same numbers in another order are the same prompt), first occurrences in draw order. A test
 * set drawn with repeats measures fewer problems than it claims, and its intervals are too narrow.
 * A held-out space too small for `count` is an error that names its size, or with `upTo`, gives all
 * of it that `maxDraws` draws reach (for the demo's 3 numbers in 1–12, every solvable prompt: each
 * has odds above 1 in 2,000 per draw, so 100,000 draws all miss one with odds below e^-50).
 */
export function distinctDraws(
  opts: RecordOptions,
  count: number,
  split: HeldOutSplit,
  upTo = false,
): number[] {
  const seen = new Set<string>();
  const draws: number[] = [];
  const maxDraws = Math.max(100_000, 100 * count);
  for (let draw = 0; draws.length < count; draw++) {
    if (draw === maxDraws) {
      if (upTo) break;
      const c = opts.config;
      throw new UserError(
        `only ${draws.length} distinct ${split} problems found in ${maxDraws} draws, fewer than the ${count} asked for ` +
          `(${c.numbers} numbers in [${c.numMin}, ${c.numMax}], ` +
          (onHeldOutTargets(split)
            ? `held-out targets ${opts.targets[split].join(', ')}): ask for fewer, or raise heldOutFraction / widen the numbers`
            : `held-out input fraction ${c.heldOutInputFraction}): ask for fewer, or raise heldOutInputFraction / widen the numbers`),
      );
    }
    const p = drawProblem(opts.config, opts.targets[split], split, draw, drawRng(opts.config, split, draw));
    const key = `${multisetKey(p.nums)}=${p.target}`;
    if (!seen.has(key)) {
      seen.add(key);
      draws.push(draw);
    }
  }
  return draws;
}

/** Builds record `index` of `split`: a pure function of the options, whichever worker computes it. */
export async function makeRecord(opts: RecordOptions, split: Split, index: number): Promise<CountdownRecord> {
  const planned = split === 'train' ? undefined : opts.draws?.[split];
  const draw = planned ? planned[index] : index;
  if (draw === undefined)
    throw new Error(`${split} record ${index} has no draw (only ${planned?.length} planned)`);
  const rng = drawRng(opts.config, split, draw);
  const drawn = drawProblem(opts.config, opts.targets[split], split, draw, rng);
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
