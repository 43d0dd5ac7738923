import { beforeAll, describe, expect, it } from 'vitest';
import { CASES, RESPONSE_CASES } from './cases.js';
import { extract } from './extract.js';
import { NEAR_MISS_CASES } from './near-miss-cases.js';
import { loadSymbolicEngine } from './symbolic.js';
import { verify } from './verify.js';

beforeAll(async () => {
  await loadSymbolicEngine();
});

describe('hand-written positives and negatives per answer type', () => {
  for (const [type, cases] of Object.entries({ ...CASES, nearMisses: NEAR_MISS_CASES })) {
    describe(type, () => {
      for (const c of cases) {
        const name = `${c.correct ? '✓' : '✗'} gold ${c.gold} · response ${c.response.replace(/^.*boxed\{|\}\$\.$/g, '')}${c.note ? ` (${c.note})` : ''}`;
        it(name, () => {
          const r = verify(
            { gold: c.gold, response: c.response },
            { allowApproximation: c.allowApproximation },
          );
          expect(r.correct, JSON.stringify(r)).toBe(c.correct);
        });
      }
    });
  }
});

describe('whole responses', () => {
  for (const c of RESPONSE_CASES) {
    it(`${c.correct ? '✓' : '✗'} ${JSON.stringify(c.response.slice(0, 60))} vs ${c.gold}`, () => {
      const r = verify({ gold: c.gold, response: c.response });
      expect(r.correct, JSON.stringify(r)).toBe(c.correct);
    });
  }
});

describe('extraction', () => {
  it('reports the rule that fired', () => {
    expect(extract('x \\boxed{3} y')?.rule).toBe('boxed');
    expect(extract('steps\n#### 1,234')).toEqual({ rule: 'gsm8k', answers: ['1,234'] });
    expect(extract('<answer> 7 </answer>')).toEqual({ rule: 'answer_tag', answers: ['7'] });
    expect(extract('The final answer is $\\frac{1}{2}$.')).toEqual({
      rule: 'final_answer',
      answers: ['\\frac{1}{2}'],
    });
    expect(extract('so $x = 4$ and we are done')).toEqual({ rule: 'last_expression', answers: ['x = 4'] });
    expect(extract('no numbers at all')).toBeNull();
  });

  it('handles nested braces in boxed answers', () => {
    expect(extract('\\boxed{\\frac{\\sqrt{2}}{\\left(1+x\\right)}}')?.answers).toEqual([
      '\\frac{\\sqrt{2}}{\\left(1+x\\right)}',
    ]);
  });

  it('collects every boxed answer', () => {
    expect(extract('\\boxed{1} then \\fbox{2} and \\boxed 3')?.answers).toEqual(['1', '2', '3']);
  });

  it('honours a custom priority', () => {
    const text = '\\boxed{1}\n#### 2';
    expect(extract(text)?.answers).toEqual(['1']);
    expect(extract(text, ['gsm8k', 'boxed'])?.answers).toEqual(['2']);
  });

  it('ignores the reasoning block before </think>', () => {
    expect(extract('<think>\\boxed{1}</think> so \\boxed{2}')?.answers).toEqual(['2']);
  });
});

describe('results', () => {
  it('uses named fields and says why', () => {
    const input = { gold: '5', response: 'We get $\\boxed{3}$ or maybe $\\boxed{5}$.' };
    expect(verify(input)).toMatchObject({
      correct: true,
      extracted: '5',
      detail: 'graded the last boxed answer; 1 earlier set aside',
    });
    const r = verify(input, { boxed: 'strict' });
    expect(r).toMatchObject({
      correct: false,
      reason: 'hedged',
      extracted: '3 ; 5',
      rule: 'boxed',
      goldType: 'number',
    });
    expect(verify({ gold: '5', response: 'nothing' })).toMatchObject({ correct: false, reason: 'no_answer' });
    expect(verify({ gold: '1/2', response: '\\boxed{0.5}' })).toMatchObject({
      correct: true,
      reason: 'equal',
      method: 'exact',
    });
  });

  it("grades the last box by default ('last'); 'strict' (old name 'all') hedges", () => {
    const input = { gold: '6', response: 'First \\boxed{5}. Wait, that is wrong: \\boxed{6}.' };
    expect(verify(input)).toMatchObject({ correct: true, extracted: '6' });
    expect(verify(input, { boxed: 'last' })).toMatchObject({ correct: true, extracted: '6' });
    expect(verify(input, { boxed: 'strict' })).toMatchObject({ correct: false, reason: 'hedged' });
    expect(verify(input, { boxed: 'all' })).toMatchObject({ correct: false, reason: 'hedged' });
  });

  it('refuses oversized input without parsing it', () => {
    const r = verify({ gold: '1', response: 'x'.repeat(2_000) }, { maxResponseChars: 1_000 });
    expect(r).toMatchObject({ correct: false, reason: 'input_too_large' });
  });

  it('returns invalid_input for non-strings instead of throwing', () => {
    expect(verify({ gold: 1 as unknown as string, response: '1' }).reason).toBe('invalid_input');
  });

  it('is asymmetric only where the gold decides the type', () => {
    expect(verify({ gold: '(1,2)', response: '\\boxed{(1,2)}' }).goldType).toBe('tuple');
    expect(verify({ gold: '[1,2)', response: '\\boxed{[1,2)}' }).goldType).toBe('interval');
    expect(verify({ gold: 'x^2', response: '\\boxed{x^2}' }).goldType).toBe('expression');
  });
});
