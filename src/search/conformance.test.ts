import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import { countdownDomain } from '../countdown/domain.js';
import { sumHeuristic } from '../countdown/heuristics.js';
import { beam } from './beam.js';
import { bestFirst } from './best-first.js';
import { type ConformanceCase, checkConformance } from './conformance.js';
import { dfs } from './dfs.js';
import { mcts } from './mcts.js';
import { SEARCHERS } from './registry.js';
import { type ToyProblem, toyDomain } from './toy-domain.js';
import type { SearchAlgorithm } from './types.js';

const countdownProblems: CountdownProblem[] = [
  { nums: [39, 66, 33, 13], target: 50 },
  { nums: [4, 9, 3], target: 24 },
  { nums: [1, 1, 1], target: 97 }, // unsolvable: searches must exhaust cleanly
  { nums: [8, 2, 3, 2], target: 24 },
];
const toyProblems: ToyProblem[] = [
  { goal: 10, depth: 4 },
  { goal: 7, depth: 3 },
  { goal: 1000, depth: 3 }, // unreachable within depth
];

// biome-ignore lint/suspicious/noExplicitAny: the table mixes option types on purpose.
const cases: ConformanceCase<any, any, any, any>[] = [
  {
    name: 'dfs/countdown',
    algorithm: dfs,
    options: { heuristic: 'sum', threshold: 100 },
    domain: countdownDomain,
    problems: countdownProblems,
  },
  {
    name: 'dfs/countdown no heuristic',
    algorithm: dfs,
    options: {},
    domain: countdownDomain,
    problems: countdownProblems,
  },
  {
    name: 'dfs/toy',
    algorithm: dfs,
    options: { heuristic: 'distance' },
    domain: toyDomain,
    problems: toyProblems,
  },
  ...[1, 3, 5].map((width) => ({
    name: `beam${width}/countdown`,
    algorithm: beam,
    options: { width, heuristic: 'mult' },
    domain: countdownDomain,
    problems: countdownProblems,
  })),
  {
    name: 'beam2/toy',
    algorithm: beam,
    options: { width: 2, heuristic: 'distance' },
    domain: toyDomain,
    problems: toyProblems,
  },
  {
    name: 'astar/countdown',
    algorithm: bestFirst,
    options: { heuristic: 'sum', dedupe: true },
    domain: countdownDomain,
    problems: countdownProblems,
  },
  {
    name: 'mcts/countdown',
    algorithm: mcts,
    options: {
      value: (s: number[], p: CountdownProblem) => 1 / (1 + sumHeuristic(s, p.target)),
      branching: 6,
    },
    domain: countdownDomain,
    problems: countdownProblems,
  },
  {
    name: 'mcts/toy',
    algorithm: mcts,
    options: { value: (s: { value: number }, p: ToyProblem) => 1 / (1 + Math.abs(p.goal - s.value)) },
    domain: toyDomain,
    problems: toyProblems,
  },
  {
    name: 'greedy/toy',
    algorithm: bestFirst,
    options: { heuristic: 'distance', gWeight: 0 },
    domain: toyDomain,
    problems: toyProblems,
  },
];

describe('search conformance', () => {
  it('covers every registered algorithm', () => {
    const covered = new Set(cases.map((c) => c.algorithm.name));
    expect([...covered].sort()).toEqual(
      Object.values(SEARCHERS)
        .map((s) => s.name)
        .sort(),
    );
  });

  for (const c of cases) {
    it(c.name, async () => {
      expect(await checkConformance(c)).toEqual([]);
    });
  }

  it('solves what is solvable and exhausts what is not', async () => {
    const value = (st: number[], p: CountdownProblem) => 1 / (1 + sumHeuristic(st, p.target));
    for (const algorithm of [dfs, bestFirst, mcts] as Array<SearchAlgorithm<object>>) {
      const opts = { heuristic: 'sum', value };
      const ok = await algorithm.run({
        domain: countdownDomain,
        problem: countdownProblems[0],
        options: opts,
        rng: new Rng(1),
      });
      expect(ok.stoppedBy).toBe('solved');
      const no = await algorithm.run({
        domain: countdownDomain,
        problem: countdownProblems[2],
        options: opts,
        rng: new Rng(1),
      });
      expect(no.stoppedBy).toBe('exhausted');
    }
  });
});
