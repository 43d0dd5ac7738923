import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { stepText } from '../arithmetic.js';
import { findSolution } from '../solve.js';
import { runSolver, SOS_SOLVERS, type SolverSpec, solverName } from '../solvers.js';
import { COUNTDOWN_VOCAB_NUM_V1, Tokenizer } from '../tokenizer.js';
import { verifyCountdown } from '../verify.js';
import { astarTrace } from './astar.js';
import { digitPairs, TRACE_FORMATS } from './format.js';
import { extractSolution, parseCompactTrace, parseTrace } from './parse.js';
import { optimalPath, streamOfSearch } from './stream.js';

const example = { nums: [39, 66, 33, 13], target: 50 };

describe('stream of search', () => {
  it("reproduces Stream of Search's DFS text verbatim", async () => {
    const r = await runSolver({ kind: 'dfs', heuristic: 'sum' }, example, new Rng(0));
    const lines = streamOfSearch(r.tree, 'sos').split('\n');
    // The opening of the repo's DFS trace on this problem (countdown_dfs.py's f-strings).
    expect(lines.slice(0, 13)).toEqual([
      'Current State: 50:[39, 66, 33, 13], Operations: []',
      'Exploring Operation: 66-13=53, Resulting Numbers: [39, 33, 53]',
      'Generated Node #0,0: 50:[39, 33, 53] Operation: 66-13=53',
      'Moving to Node #0,0',
      "Current State: 50:[39, 33, 53], Operations: ['66-13=53']",
      'Exploring Operation: 39+33=72, Resulting Numbers: [53, 72]',
      'Generated Node #0,0,0: 50:[53, 72] Operation: 39+33=72',
      'Moving to Node #0,0,0',
      "Current State: 50:[53, 72], Operations: ['66-13=53', '39+33=72']",
      'Exploring Operation: 72-53=19, Resulting Numbers: [19]',
      '19,50 unequal: No Solution',
      'Moving to Node #0,0',
      "Current State: 50:[39, 33, 53], Operations: ['66-13=53']",
    ]);
    expect(lines.at(-2)).toBe('50,50 equal: Goal Reached');
  });

  it('writes the compact form one event per line', async () => {
    const r = await runSolver({ kind: 'dfs', heuristic: 'sum' }, example, new Rng(0));
    const lines = streamOfSearch(r.tree, 'compact').split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'target 50 [39 66 33 13]',
      'try 66-13=53 [39 33 53]',
      'go',
      'try 39+33=72 [53 72]',
      'go',
      'try 72-53=19 [19] vs 50 no',
      'back 66-13=53 [39 33 53]',
    ]);
    expect(lines).toContain('back [39 66 33 13]');
    expect(lines.at(-2)).toMatch(/^try \S+ \[50\] vs 50 goal$/);
  });

  it('writes the terse form as the compact one without the restated target', async () => {
    const r = await runSolver({ kind: 'dfs', heuristic: 'sum' }, example, new Rng(0));
    const compact = streamOfSearch(r.tree, 'compact');
    const terse = streamOfSearch(r.tree, 'terse');
    expect(terse).toBe(compact.replace(/ vs 50 (goal|no)$/gm, ' $1'));
    expect(terse).not.toMatch(/ vs /);
    expect(terse).toMatch(/^try 72-53=19 \[19\] no$/m);
  });

  it('writes the digitwise check as right-aligned digit pairs', async () => {
    expect(digitPairs(16, 14)).toBe('1:1 6:4');
    expect(digitPairs(31, 31)).toBe('3:3 1:1');
    expect(digitPairs(29, 31)).toBe('2:3');
    expect(digitPairs(5, 14)).toBe('0:1');
    expect(digitPairs(126, 50)).toBe('1:0');
    expect(digitPairs(50, 50)).toBe('5:5 0:0');
    const r = await runSolver({ kind: 'dfs', heuristic: 'sum' }, example, new Rng(0));
    const compact = streamOfSearch(r.tree, 'compact');
    const digitwise = streamOfSearch(r.tree, 'digitwise');
    expect(digitwise).toBe(
      compact.replace(
        /\[(\d+)\] vs 50 (goal|no)$/gm,
        (_, x, v) => `[${x}] vs ${digitPairs(Number(x), 50)} ${v}`,
      ),
    );
    expect(digitwise).toMatch(/^try 72-53=19 \[19\] vs 1:5 no$/m);
    expect(extractSolution(digitwise, 'digitwise')).toEqual(extractSolution(compact, 'compact'));
    // A verdict without a readable check is not a goal claim.
    expect(parseCompactTrace('try 7+9=16 [16] vs 1:1 6 goal')[0].kind).toBe('invalid');
  });

  const solvers: SolverSpec[] = [...SOS_SOLVERS];
  for (const format of TRACE_FORMATS) {
    it(`round-trips tree → ${format} text → steps for every SoS solver`, async () => {
      const tokenizer = new Tokenizer();
      for (const spec of solvers) {
        for (let i = 0; i < 6; i++) {
          const rng = Rng.derive(11, i);
          const problem = {
            nums: [
              rng.intBetween(1, 30),
              rng.intBetween(1, 30),
              rng.intBetween(1, 30),
              rng.intBetween(1, 30),
            ],
            target: rng.intBetween(10, 60),
          };
          const r = await runSolver(spec, problem, rng);
          const text = streamOfSearch(r.tree, format);
          const parsed = parseTrace(text, format);
          const name = `${solverName(spec)} ${JSON.stringify(problem)}`;
          expect(
            parsed.filter((l) => l.kind === 'invalid'),
            name,
          ).toEqual([]);
          expect(parsed[0]).toEqual({ kind: 'header', target: problem.target, nums: problem.nums });

          // Every generated node is one `try`, in log order, with its step, numbers and outcome.
          const tries = parsed.flatMap((l) => (l.kind === 'try' ? [l] : []));
          const generated = r.tree.events
            .filter((e) => e.kind === 'generate')
            .map((e) => r.tree.node(e.node));
          const upTo =
            r.solution === null
              ? generated
              : generated.slice(0, generated.findIndex((n) => n.id === r.solution) + 1);
          expect(
            tries.map((t) => [stepText(t.step), t.nums, t.outcome]),
            name,
          ).toEqual(
            upTo.map((n) => [stepText(n.step!), n.state, n.terminal ? (n.verified ? 'goal' : 'no') : null]),
          );
          // Every visit after the root's first is a move carrying the node's full path.
          const moves = parsed.flatMap((l) => (l.kind === 'descend' || l.kind === 'back' ? [l] : []));
          const lastGen =
            r.solution === null
              ? r.tree.events.length
              : r.tree.events.findIndex((e) => e.kind === 'generate' && e.node === r.solution);
          const visits = r.tree.events.slice(1, lastGen).filter((e) => e.kind === 'visit');
          expect(
            moves.map((m) => m.path.map(stepText)),
            name,
          ).toEqual(visits.map((v) => r.tree.stepsTo(v.node).map(stepText)));

          expect(extractSolution(text, format)).toEqual(r.solutionSteps?.map(stepText) ?? null);
          expect(parsed.at(-1)?.kind).toBe(r.solution === null ? 'fail' : 'try');
          expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
          expect(tokenizer.encode(text)).not.toContain(tokenizer.vocab.unk);
        }
      }
    });

    it(`writes the optimal path in ${format} form, and reads it back`, () => {
      for (const problem of [example, { nums: [5, 5, 2], target: 50 }, { nums: [8, 2, 3, 2], target: 24 }]) {
        const sol = findSolution(problem.nums, problem.target)!;
        const text = optimalPath(problem, sol, format);
        expect(extractSolution(text, format)).toEqual(sol.map(stepText));
        expect(verifyCountdown(problem, extractSolution(text, format)!).ok).toBe(true);
        expect(parseTrace(text, format).filter((l) => l.kind === 'try')).toHaveLength(sol.length);
      }
    });
  }

  it('reports no solution for text that never reaches the goal', () => {
    expect(extractSolution('target 50 [1 2]\ntry 1+2=3 [3] vs 50 no\nfail\n', 'compact')).toBeNull();
    expect(extractSolution('garbage\n', 'sos')).toBeNull();
  });
});

describe('A* trace', () => {
  it('logs create/close events with costs, then the plan', async () => {
    const r = await runSolver({ kind: 'astar', heuristic: 'sum' }, example, new Rng(0));
    const text = astarTrace(r.tree);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('target 50 [39 66 33 13]');
    expect(lines[1]).toBe('create [39 66 33 13] 0 20');
    expect(lines[2]).toBe('close [39 66 33 13] 0 20');
    expect(lines.filter((l) => l.startsWith('create ')).length).toBe(r.tree.size);
    const plan = lines.filter((l) => l.startsWith('plan ')).map((l) => l.slice(5));
    expect(plan).toEqual(r.solutionSteps!.map(stepText));
    expect(verifyCountdown(example, plan).ok).toBe(true);
    const tok = new Tokenizer();
    expect(tok.decode(tok.encode(text))).toBe(text);
  });
});

describe('tokenizer', () => {
  it('is compact and versioned', () => {
    const tok = new Tokenizer();
    expect(tok.vocab.id).toBe('countdown-v1');
    expect(tok.size).toBeLessThanOrEqual(64);
    expect(new Set(tok.vocab.pieces).size).toBe(tok.size);
    expect(tok.encode('try 66-13=53 [39 33 53]\n')).toHaveLength(21);
    expect(tok.encode('Exploring Operation: ')).toHaveLength(1);
    expect(tok.decode(tok.encode('x'))).toBe('<unk>');
  });
});

describe('whole-number tokenizer', () => {
  it('makes small integers one token and spells the rest', () => {
    const tok = new Tokenizer(COUNTDOWN_VOCAB_NUM_V1);
    expect(tok.vocab.id).toBe('countdown-num-v1');
    expect(tok.encode('try 66-13=53 [39 33 53]\n')).toHaveLength(15);
    expect(tok.encode('2178')).toHaveLength(4);
    expect(tok.encode('999')).toHaveLength(1);
    expect(tok.encode('007')).toHaveLength(3);
    for (const text of [
      'target 50 [39 66 33 13]\ntry 66*33=2178 [39 13 2178]\nback [39 66 33 13]\n',
      '0 10 100 1000 007',
    ]) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });
});
