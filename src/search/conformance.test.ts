import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import type { SearchNode } from '../core/tree.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import { countdownDomain } from '../countdown/domain.js';
import { sumHeuristic } from '../countdown/heuristics.js';
import { beam } from './beam.js';
import { bestFirst } from './best-first.js';
import { bestOfN, select } from './best-of-n.js';
import { type ConformanceCase, checkConformance } from './conformance.js';
import { dfs } from './dfs.js';
import { dvts } from './dvts.js';
import { mcts } from './mcts.js';
import { SEARCHERS } from './registry.js';
import { stepBeam } from './step-beam.js';
import { type ToyProblem, toyDomain } from './toy-domain.js';
import type { SearchAlgorithm } from './types.js';

const countdownValue = (s: number[], p: CountdownProblem) => 1 / (1 + sumHeuristic(s, p.target));
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
  ...(
    [
      ['step-beam', stepBeam, { width: 3, branching: 4 }],
      ['dvts', dvts, { subtrees: 3, branching: 4 }],
      ['best-of-n majority', bestOfN, { n: 8 }],
      ['best-of-n weighted', bestOfN, { n: 8, aggregate: 'weighted' }],
      ['best-of-n best', bestOfN, { n: 8, aggregate: 'best', stopAtSolution: true }],
      ['best-first value-keyed', bestFirst, { branching: 4 }],
      // biome-ignore lint/suspicious/noExplicitAny: the table mixes option types on purpose.
    ] as Array<[string, SearchAlgorithm<any>, object]>
  ).flatMap(([name, algorithm, opts]) => [
    {
      name: `${name}/countdown`,
      algorithm,
      options: { ...(opts as object), value: countdownValue },
      domain: countdownDomain,
      problems: countdownProblems,
    },
    {
      name: `${name}/toy`,
      algorithm,
      options: {
        ...(opts as object),
        value: (s: { value: number }, p: ToyProblem) => 1 / (1 + Math.abs(p.goal - s.value)),
      },
      domain: toyDomain,
      problems: toyProblems,
    },
  ]),
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

describe('aggregation', () => {
  it('votes by count, by total value, or takes the single best', async () => {
    const node = (id: number, ans: string, value: number) =>
      ({ id, ans, value }) as unknown as SearchNode<unknown, unknown>;
    const samples = [node(1, 'a', 0.2), node(2, 'b', 0.9), node(3, 'a', 0.3), node(4, 'c', 0.1)];
    const answerOf = (n: SearchNode<unknown, unknown>) => (n as unknown as { ans: string }).ans;
    expect(select(samples, 'majority', answerOf)).toBe(3); // "a" wins 2–1; its best-valued sample
    expect(select(samples, 'weighted', answerOf)).toBe(2); // b: 0.9 > a: 0.5
    expect(select(samples, 'best', answerOf)).toBe(2);
    expect(select([], 'majority', answerOf)).toBeNull();
  });

  it('never rewards a hedge: the pick is one answer, not any matching candidate', async () => {
    const r = await bestOfN.run({
      domain: countdownDomain,
      problem: { nums: [39, 66, 33, 13], target: 50 },
      options: { n: 30 },
      rng: new Rng(3),
    });
    expect(r.selected).not.toBeUndefined();
    if (r.selected !== null && r.selected !== undefined) expect(r.tree.node(r.selected).terminal).toBe(true);
  });
});
