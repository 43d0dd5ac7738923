import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import type { SearchNode } from '../core/tree.js';
import { bestFirst } from '../search/best-first.js';
import { bestOfN } from '../search/best-of-n.js';
import { checkConformance } from '../search/conformance.js';
import { dvts } from '../search/dvts.js';
import type { ValueFn } from '../search/mcts.js';
import { mcts } from '../search/mcts.js';
import { SEARCHERS } from '../search/registry.js';
import { stepBeam } from '../search/step-beam.js';
import type { SearchAlgorithm } from '../search/types.js';
import { type LmState, lmDomain } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import { LM_ALGORITHMS } from './run.js';
import { segmenter } from './segment.js';
import { TEMPLATES } from './template.js';
import { ApplesLM, applesProblem, applesValue } from './testing/apples-lm.js';
import { rolloutValue } from './value.js';

/** The searches type their options over unknown states; these values know theirs. */
type AnyValue = ValueFn<unknown, unknown>;

const seg = segmenter({ kind: 'blank-line' });
const problems = [applesProblem('a', 5, 3, 2), applesProblem('b', 12, 7, 9), applesProblem('c', 40, 1, 33)];
const setup = (samples = 5) => {
  const lm = new ApplesLM();
  const domain = lmDomain({ backend: lm, template: TEMPLATES.math, segmenter: seg, samples });
  return {
    lm,
    domain,
    exact: rolloutValue({ domain, backend: lm, template: TEMPLATES.math, rollouts: 125 }) as AnyValue,
  };
};
/** The known value, without any model call: lets a test tell what a search should prefer. */
const oracle = ((s: LmState, p: MathProblem) => applesValue(p.problem, s.steps)) as AnyValue;
const slipped = (n: SearchNode<LmState, string>, p: MathProblem) =>
  applesValue(p.problem, n.state.steps) === 0;

const CASES: Array<[string, SearchAlgorithm<object>, object]> = [
  ['mcts', mcts as SearchAlgorithm<object>, { branching: 5 }],
  ['step-beam', stepBeam as SearchAlgorithm<object>, { width: 2, branching: 5 }],
  ['dvts', dvts as SearchAlgorithm<object>, { subtrees: 3, branching: 5 }],
  ['best-first', bestFirst as SearchAlgorithm<object>, { branching: 5 }],
  ['best-of-n', bestOfN as SearchAlgorithm<object>, { n: 6 }],
];

describe('searches over language-model steps: the shared conformance suite', () => {
  it('covers every LM algorithm', () => {
    expect(CASES.map((c) => c[0]).sort()).toEqual([...LM_ALGORITHMS].sort());
    for (const name of LM_ALGORITHMS) expect(SEARCHERS[name].name).toBe(name);
  });
  for (const [name, algorithm, opts] of CASES) {
    it(name, async () => {
      const { domain, exact } = setup();
      const failures = await checkConformance({
        name,
        algorithm,
        options: { ...opts, value: exact },
        domain,
        problems,
      });
      expect(failures).toEqual([]);
    });
  }
});

describe('searches over language-model steps: known values', () => {
  it('rollout values stored in the tree are the exact state values (MCTS)', async () => {
    for (const p of problems) {
      const { domain, exact } = setup();
      const r = await mcts.run({
        domain,
        problem: p,
        options: { value: exact, branching: 5 },
        rng: new Rng(1),
      });
      expect(r.stoppedBy).toBe('solved');
      expect(r.tree.root.value).toBeCloseTo(0.512, 12);
      for (const n of r.tree.nodes) expect(n.value).toBeCloseTo(applesValue(p.problem, n.state.steps), 12);
      // backups carry the expanded node's value: Q of a node is the mean of values backed up through it
      const root = r.tree.root;
      expect(root.backups).toBeGreaterThan(0);
      expect(root.valueSum / root.backups).toBeGreaterThan(0);
    }
  });

  it('step beam of width 1 follows a highest-valued child at every depth', async () => {
    for (const p of problems) {
      const { domain, exact } = setup();
      const r = await stepBeam.run({
        domain,
        problem: p,
        options: { width: 1, branching: 5, value: exact },
        rng: new Rng(2),
      });
      expect(r.stoppedBy).toBe('solved');
      for (const id of r.tree.pathTo(r.solution!).slice(1)) expect(slipped(r.tree.node(id), p)).toBe(false);
      // exactly one expansion per depth: the root, then one node at depths 1 and 2
      expect(r.tree.events.filter((e) => e.kind === 'visit').map((e) => r.tree.node(e.node).depth)).toEqual([
        0, 1, 2,
      ]);
    }
  });

  it('best-first pops states in value order (frontier keyed by value)', async () => {
    const p = problems[1];
    const { domain } = setup();
    const r = await bestFirst.run({
      domain,
      problem: p,
      options: { value: oracle, branching: 5 },
      rng: new Rng(3),
    });
    expect(r.stoppedBy).toBe('solved');
    const visited = r.tree.events.filter((e) => e.kind === 'visit').map((e) => r.tree.node(e.node));
    // with exact values the search never expands a slipped state: value 0 is last in the queue
    for (const n of visited) expect(slipped(n, p)).toBe(false);
    expect(visited.map((n) => n.depth)).toEqual([0, 1, 2]);
  });

  it('DVTS keeps its subtrees apart: each starts from a different first step', async () => {
    const p = problems[2];
    const { domain } = setup();
    const r = await dvts.run({
      domain,
      problem: p,
      options: { subtrees: 3, branching: 5, value: oracle },
      rng: new Rng(4),
    });
    expect(r.stoppedBy).toBe('solved');
    const firstSteps = r.tree.root.children.map((id) => r.tree.node(id).step);
    expect(new Set(firstSteps).size).toBe(firstSteps.length);
    expect(firstSteps.length).toBeLessThanOrEqual(3);
  });

  it('best-of-N: majority picks the most frequent answer, weighted the most total value', async () => {
    const p = problems[0];
    const { domain } = setup(1);
    const r = await bestOfN.run({ domain, problem: p, options: { n: 25 }, rng: new Rng(5) });
    const answers = r.tree.nodes.filter((n) => n.terminal).map((n) => domain.answer!(n.state, p));
    expect(new Set(answers).size).toBeGreaterThan(1); // the samples disagree, so the vote decides
    // P(correct) = 0.8³ = 0.512 against 0.384 for the next answer: 25 votes elect the gold
    expect(domain.answer!(r.tree.node(r.selected!).state, p)).toBe(p.gold);
    expect(r.tree.node(r.selected!).verified).toBe(true);
    const w = await bestOfN.run({
      domain,
      problem: p,
      options: { n: 25, aggregate: 'weighted', value: oracle },
      rng: new Rng(5),
    });
    expect(w.tree.node(w.selected!).verified).toBe(true);
  });
});

describe('budgets and stopping', () => {
  it('a token budget stops the search once the model has spent it', async () => {
    const { domain, exact } = setup();
    const budget = { maxTokens: 3000, tokensUsed: () => domain.usage.tokens };
    const r = await mcts.run({
      domain,
      problem: problems[0],
      options: { value: exact, branching: 5 },
      rng: new Rng(1),
      budget,
    });
    expect(r.stoppedBy).toBe('budget');
    expect(domain.usage.tokens).toBeGreaterThanOrEqual(3000);
    // overshoot is at most the calls in flight when the budget ran out (one rollout batch here)
    expect(domain.usage.tokens).toBeLessThan(3000 + 2 * 125 * 40);
  });

  it('MCTS stops at the first verified solution unless told to keep searching', async () => {
    const run = async (stopAtSolution: boolean) => {
      const { domain, exact } = setup();
      return mcts.run({
        domain,
        problem: problems[0],
        options: { value: exact, branching: 5, stopAtSolution },
        rng: new Rng(1),
        budget: { maxNodes: 80 },
      });
    };
    const first = await run(true);
    const all = await run(false);
    expect(first.stoppedBy).toBe('solved');
    expect(all.solution).toBe(first.solution);
    expect(all.tree.size).toBeGreaterThan(first.tree.size);
    expect(all.tree.nodes.filter((n) => n.verified).length).toBeGreaterThan(1);
  });
});
