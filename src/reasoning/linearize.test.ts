import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { SearchTree } from '../core/tree.js';
import { bestOfN } from '../search/best-of-n.js';
import { mcts, type ValueFn } from '../search/mcts.js';
import { BACK_TOKEN, type LmTree, linearize, replayBack, sftRecord } from './linearize.js';
import { type LmState, lmDomain } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import { segmenter } from './segment.js';
import { TEMPLATES } from './template.js';
import { ApplesLM, applesProblem } from './testing/apples-lm.js';
import { rolloutValue } from './value.js';

const seg = segmenter({ kind: 'blank-line' });

/** Root → A, B; back to A → A1 (a wrong answer); back to B → B1 (verified). */
function handTree(): LmTree {
  const p: MathProblem = { id: 'h', problem: 'Q', gold: '1' };
  const t = new SearchTree<LmState, string, MathProblem>('lm', p, { steps: [] });
  const add = (parent: number, step: string, value: number) => {
    const n = t.addChild(parent, step, { steps: [...t.node(parent).state.steps, step] }, { value });
    return n;
  };
  t.visit(0);
  const a = add(0, 'A', 0.5);
  const b = add(0, 'B', 0.25);
  t.visit(a.id);
  const a1 = add(a.id, 'A1', 0);
  a1.terminal = true;
  a1.verified = false;
  t.visit(b.id);
  const b1 = add(b.id, 'B1', 1);
  b1.terminal = true;
  b1.verified = true;
  return t;
}

describe('linearization for language models', () => {
  it('natural language: steps in order, switches in words, then the clean solution', () => {
    const t = handTree();
    expect(linearize(t, 4, { segmenter: seg })).toBe(
      'A\n\nAlternatively, B\n\nLet me go back to: A\n\nA1\n\nWait, that does not look right.\n\n' +
        'Let me go back to: B\n\nB1\n\nSolution:\nB\n\nB1',
    );
    expect(linearize(t, 4, { segmenter: seg, values: true })).toMatch(
      /^A \(value 0\.5\)\n\nAlternatively, B \(value 0\.25\)\n\n.*B1 \(value 1\.0\)\n\nSolution:\nB\n\nB1$/s,
    );
    expect(linearize(t, 4, { segmenter: seg, phrases: { alternative: 'Or:' } })).toContain('Or: B');
  });

  it('a jump to another branch restates the steps below the common ancestor', () => {
    const t = handTree(); // written last: B, B1 (4); now go back to A1's sibling branch under A
    const a2 = t.addChild(1, 'A2', { steps: ['A', 'A2'] });
    const a21 = t.addChild(a2.id, 'A21', { steps: ['A', 'A2', 'A21'] });
    a21.terminal = true;
    a21.verified = true;
    t.node(4).verified = false; // so the trace runs on past B1
    const text = linearize(t, a21.id, { segmenter: seg });
    expect(text).toContain('B1\n\nWait, that does not look right.\n\nLet me go back to: A\n\nA2\n\nA21');
    const back = linearize(t, a21.id, { segmenter: seg, style: 'back' });
    expect(back.endsWith(`B1\n\n${BACK_TOKEN}\n\n${BACK_TOKEN}\n\nA\n\nA2\n\nA21`)).toBe(true);
    expect(replayBack(back, seg)).toEqual(['A', 'A2', 'A21']);
  });

  it('[BACK] tokens: replaying the text as a stack leaves exactly the solution', () => {
    const t = handTree();
    const text = linearize(t, 4, { segmenter: seg, style: 'back' });
    expect(text).toBe(
      `A\n\n${BACK_TOKEN}\n\nB\n\n${BACK_TOKEN}\n\nA\n\nA1\n\n${BACK_TOKEN}\n\n${BACK_TOKEN}\n\nB\n\nB1`,
    );
    expect(replayBack(text, seg)).toEqual(['B', 'B1']);
    expect(() => linearize(t, 3, { segmenter: seg })).toThrow(/not a verified solution/);
  });

  it('linearizes real searches over model steps', async () => {
    const lm = new ApplesLM();
    const domain = lmDomain({ backend: lm, template: TEMPLATES.math, segmenter: seg, samples: 5 });
    const value = rolloutValue({ domain, backend: lm, template: TEMPLATES.math, rollouts: 25 }) as ValueFn<
      unknown,
      unknown
    >;
    const p = applesProblem('x', 9, 4, 6);
    const r = await mcts.run({ domain, problem: p, options: { value, branching: 5 }, rng: new Rng(8) });
    const t = r.tree as LmTree;
    const nl = linearize(t, r.solution!, { segmenter: seg });
    expect(nl.endsWith(`Solution:\n${t.stepsTo(r.solution!).join('\n\n')}`)).toBe(true);
    // every step generated before the solution is written, in generation order
    const generated = t.events
      .filter((e) => e.kind === 'generate' && e.node <= r.solution!)
      .map((e) => t.node(e.node).step!);
    let at = 0;
    for (const step of generated) {
      const k = nl.indexOf(step, at);
      expect(k).toBeGreaterThanOrEqual(at);
      at = k + step.length;
    }
    const back = linearize(t, r.solution!, { segmenter: seg, style: 'back' });
    expect(replayBack(back, seg)).toEqual(t.stepsTo(r.solution!));

    // best-of-N samples restart from the empty solution: find a seed whose first sample misses
    const samples = lmDomain({ backend: lm, template: TEMPLATES.math, segmenter: seg, samples: 1 });
    let checked = 0;
    for (let seed = 0; seed < 20 && checked === 0; seed++) {
      const bo = await bestOfN.run({ domain: samples, problem: p, options: { n: 12 }, rng: new Rng(seed) });
      const first = bo.tree.nodes.find((n) => n.terminal)!;
      if (first.verified || bo.solution === null) continue;
      const text = linearize(bo.tree as LmTree, bo.solution, { segmenter: seg });
      expect(text).toContain('Wait, that does not look right.\n\nLet me start over.');
      checked++;
    }
    expect(checked).toBe(1);
  });

  it('builds the SFT record the exporters consume', () => {
    const t = handTree();
    const rec = sftRecord(t, 4, {
      segmenter: seg,
      template: TEMPLATES['math-chat'],
      meta: { algorithm: 'mcts' },
    });
    expect(rec.problem).toBe('Q');
    expect(rec.gold).toBe('1');
    expect(rec.prompt).toBe('Q');
    expect(rec.messages).toEqual([
      { role: 'system', content: TEMPLATES['math-chat'].system },
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: rec.completion },
    ]);
    expect(rec.meta).toEqual({ id: 'h', style: 'nl', values: false, algorithm: 'mcts' });
  });
});
