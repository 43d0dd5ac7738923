import type { Rng } from '../core/rng.js';
import { beam } from '../search/beam.js';
import { bestFirst } from '../search/best-first.js';
import { dfs } from '../search/dfs.js';
import type { Budget, SearchResult } from '../search/types.js';
import { type CountdownProblem, type CountdownStep, multisetKey } from './arithmetic.js';
import { countdownDomain } from './domain.js';
import type { HeuristicName } from './heuristics.js';

/** One symbolic solver of Stream of Search's mixture (or A*), as data. */
export type SolverSpec =
  | { kind: 'dfs'; heuristic: HeuristicName }
  | { kind: 'bfs'; beam: number; heuristic: HeuristicName }
  | { kind: 'astar'; heuristic: HeuristicName };

export function solverName(s: SolverSpec): string {
  switch (s.kind) {
    case 'dfs':
      return `dfs-${s.heuristic}`;
    case 'bfs':
      return `bfs${s.beam}-${s.heuristic}`;
    case 'astar':
      return `astar-${s.heuristic}`;
  }
}

const HEURISTIC_NAMES: HeuristicName[] = ['sum', 'mult'];

/** SoS's 12 solvers: DFS and BFS with beam 1–5, each with both heuristics. */
export const SOS_SOLVERS: SolverSpec[] = HEURISTIC_NAMES.flatMap((heuristic): SolverSpec[] => [
  { kind: 'dfs', heuristic },
  ...[1, 2, 3, 4, 5].map((b): SolverSpec => ({ kind: 'bfs', beam: b, heuristic })),
]);

/** Every solver name the CLI accepts, plus "mix" (SoS's random mixture). */
export const SOLVER_NAMES = [
  'mix',
  ...SOS_SOLVERS.map(solverName),
  ...HEURISTIC_NAMES.map((h) => solverName({ kind: 'astar', heuristic: h })),
];

export function parseSolverName(name: string): SolverSpec | 'mix' | null {
  if (name === 'mix') return 'mix';
  const m = /^(dfs|astar|bfs([1-5]))-(sum|mult)$/.exec(name);
  if (!m) return null;
  const heuristic = m[3] as HeuristicName;
  if (m[1] === 'dfs') return { kind: 'dfs', heuristic };
  if (m[1] === 'astar') return { kind: 'astar', heuristic };
  return { kind: 'bfs', beam: Number(m[2]), heuristic };
}

/** SoS's mixture: DFS or BFS with equal odds, then a heuristic, then (BFS) a beam width in 1–5. */
export function pickMixSolver(rng: Rng): SolverSpec {
  const kind = rng.choice(['dfs', 'bfs'] as const);
  const heuristic = rng.choice(HEURISTIC_NAMES);
  if (kind === 'dfs') return { kind, heuristic };
  return { kind, beam: rng.choice([1, 2, 3, 4, 5]), heuristic };
}

export type CountdownSearchResult = SearchResult<number[], CountdownStep, CountdownProblem>;

/** Runs one solver on one problem, recording the whole tree. */
export function runSolver(
  spec: SolverSpec,
  problem: CountdownProblem,
  rng: Rng,
  budget?: Budget,
): Promise<CountdownSearchResult> {
  const base = { domain: countdownDomain, problem, rng, budget };
  switch (spec.kind) {
    case 'dfs':
      // SoS prunes children whose cost exceeds the target value.
      return dfs.run({ ...base, options: { heuristic: spec.heuristic, threshold: problem.target } });
    case 'bfs':
      return beam.run({ ...base, options: { width: spec.beam, heuristic: spec.heuristic, shuffle: true } });
    case 'astar':
      return bestFirst.run({
        ...base,
        options: {
          heuristic: spec.heuristic,
          gWeight: 1,
          dedupe: true,
          stateKey: (nums) => multisetKey(nums as number[]),
        },
      });
  }
}
