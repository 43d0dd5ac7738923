import { describe, expect, it } from 'vitest';
import { extract, isPlaceholder } from './extract.js';
import { MAX_DISTINCT_FINAL, verify } from './verify.js';

const boxes = (...xs: string[]): string => xs.map((x) => `$\\boxed{${x}}$`).join(' then ');

describe('placeholder boxes', () => {
  it.each([
    '',
    ' ',
    '\\phantom{2}',
    '\\hphantom{10}',
    '\\quad',
    '\\qquad',
    '?',
    '??',
    '\\text{ }',
    '\\ldots',
    '\\cdots',
    '...',
    '\\square',
    '\\Box',
    '\\underline{\\hspace{2cm}}',
    '\\underline{\\qquad}',
    '\\_\\_\\_',
    '___',
    '\\text{answer}',
    '\\text{your answer}',
    'Answer',
    '\\phantom{\\frac{1}{2}}',
  ])('%j is a placeholder', (s) => {
    expect(isPlaceholder(s)).toBe(true);
  });

  it.each([
    '0',
    '4',
    'x',
    '\\emptyset',
    '\\infty',
    '-',
    '\\underline{5}',
    '\\text{no}',
    '\\text{Evelyn}',
    '.5',
  ])('%j is an answer', (s) => {
    expect(isPlaceholder(s)).toBe(false);
  });

  it('ignores a placeholder restated from the problem before the answer, and after it', () => {
    expect(extract('Fill in $\\boxed{\\phantom{2}}$. So $\\boxed{4}$.')?.answers).toEqual(['4']);
    expect(
      verify({ gold: '4', response: 'Fill in $\\boxed{\\phantom{2}}$. So $\\boxed{4}$.' }),
    ).toMatchObject({
      correct: true,
      extracted: '4',
    });
    expect(
      verify({ gold: '4', response: 'So $\\boxed{4}$. (The problem had $\\boxed{\\quad}$.)' }).correct,
    ).toBe(true);
    expect(verify({ gold: '4', response: 'So $\\boxed{4}$; put it in \\boxed{answer}.' }).correct).toBe(true);
  });

  it('never reads an invisible box as its hidden content', () => {
    expect(verify({ gold: '4', response: '$\\boxed{\\phantom{4}}$' }).correct).toBe(false);
    expect(verify({ gold: '4', response: '$\\boxed{5}$ $\\boxed{\\phantom{4}}$' })).toMatchObject({
      correct: false,
      extracted: '5',
    });
    // only placeholders: the boxed rule finds nothing, and the next rule reads the text
    expect(verify({ gold: '4', response: 'Answer: $\\boxed{\\quad}$' }).correct).toBe(false);
  });

  it('ignores placeholders under strict hedging too', () => {
    const response = 'Compute $\\boxed{\\phantom{2}} + 2$: $\\boxed{4}$.';
    expect(verify({ gold: '4', response }, { boxed: 'strict' })).toMatchObject({
      correct: true,
      reason: 'equal',
    });
  });
});

describe('several boxes against a single-valued gold', () => {
  const corrected = 'I first guessed $\\boxed{4}$, but that misses a case: $\\boxed{5}$.';

  it('grades the last box by default, and says the earlier ones were set aside', () => {
    expect(verify({ gold: '5', response: corrected })).toMatchObject({
      correct: true,
      reason: 'equal',
      extracted: '5',
      detail: 'graded the last boxed answer; 1 earlier set aside',
    });
    expect(verify({ gold: '4', response: corrected })).toMatchObject({ correct: false, extracted: '5' });
  });

  it("keeps the old rule under boxed: 'strict' (and its old name 'all')", () => {
    for (const boxed of ['strict', 'all'] as const) {
      expect(verify({ gold: '5', response: corrected }, { boxed })).toMatchObject({
        correct: false,
        reason: 'hedged',
        extracted: '4 ; 5',
      });
      expect(verify({ gold: '5', response: boxes('5', '5.0', '\\frac{10}{2}') }, { boxed }).correct).toBe(
        true,
      );
    }
  });

  it('the same answer boxed again is not a second answer', () => {
    const r = verify({ gold: '5', response: boxes('5', '5', '5') });
    expect(r).toMatchObject({ correct: true, extracted: '5' });
    expect(r.detail).toBeUndefined();
  });

  it(`grades more than ${MAX_DISTINCT_FINAL} different boxes as a hedge, whatever the last one says`, () => {
    const spray = Array.from({ length: MAX_DISTINCT_FINAL + 1 }, (_, k) => String(k + 1));
    expect(verify({ gold: spray.at(-1)!, response: boxes(...spray) })).toMatchObject({
      correct: false,
      reason: 'hedged',
      method: null,
    });
    const fewer = spray.slice(0, MAX_DISTINCT_FINAL);
    expect(verify({ gold: fewer.at(-1)!, response: boxes(...fewer) }).correct).toBe(true);
    // repeats of a few answers are not a spray
    const repeats = Array.from({ length: 30 }, (_, k) => String(k % 2));
    expect(verify({ gold: '1', response: boxes(...repeats) }).correct).toBe(true);
  });

  it('more than 64 boxes is degenerate under either rule', () => {
    const many = boxes(...Array.from({ length: 70 }, () => '7'));
    expect(verify({ gold: '7', response: many })).toMatchObject({ correct: false, reason: 'hedged' });
    expect(verify({ gold: '7', response: many }, { boxed: 'strict' }).reason).toBe('hedged');
  });

  it('a list inside one box still follows the list rules', () => {
    expect(verify({ gold: '5', response: boxes('3, 5') })).toMatchObject({
      correct: false,
      reason: 'not_equal',
    });
    expect(verify({ gold: '5', response: boxes('3 \\text{ or } 5') }).correct).toBe(false);
    expect(verify({ gold: '5', response: boxes('4', '3, 5') }).correct).toBe(false);
    expect(verify({ gold: '\\frac52', response: boxes('2', '\\frac52 \\text{ or } 2.5') }).correct).toBe(
      true,
    );
  });

  it('a wrong final box is not rescued by a right earlier one', () => {
    expect(verify({ gold: '5', response: boxes('5', '6') }).correct).toBe(false);
    expect(verify({ gold: 'C', response: boxes('C', 'D') }).correct).toBe(false);
    expect(verify({ gold: 'D', response: boxes('C', 'D') }).correct).toBe(true);
  });
});

describe('several boxes against a multi-valued gold', () => {
  it('joins single-value boxes into the list the gold asks for', () => {
    expect(verify({ gold: '2, 3', response: boxes('2', '3') }).correct).toBe(true);
    expect(verify({ gold: '\\{2, 3\\}', response: boxes('3', '2') }).correct).toBe(true);
    expect(verify({ gold: '2, 3', response: boxes('1', '2', '3') }).correct).toBe(false);
    expect(verify({ gold: '2, 3', response: boxes('2') }).correct).toBe(false);
  });

  it('a last box that states the whole answer stands alone (a corrected list)', () => {
    expect(verify({ gold: '2, 3', response: boxes('2, 4', '2, 3') })).toMatchObject({
      correct: true,
      extracted: '2, 3',
    });
    expect(verify({ gold: '2, 3', response: boxes('2, 3', '2, 4') }).correct).toBe(false);
    // a last box with fewer values than the gold is one of the parts
    expect(verify({ gold: '1, 2, 3', response: boxes('1', '2, 3') }).correct).toBe(true);
  });

  it('a tuple gold of n parts takes n boxes in order, or one box with the tuple', () => {
    expect(verify({ gold: '(3, -1)', response: 'x = \\boxed{3}, y = \\boxed{-1}' }).correct).toBe(true);
    expect(verify({ gold: '(3, -1)', response: 'x = \\boxed{-1}, y = \\boxed{3}' }).correct).toBe(false);
    expect(verify({ gold: '(3, -1)', response: boxes('(1, 1)', '(3, -1)') }).correct).toBe(true);
    expect(
      verify({ gold: '(3, -1)', response: 'x = \\boxed{4}? no, x = \\boxed{3}, y = \\boxed{-1}' }).correct,
    ).toBe(false);
  });

  it('against a list of tuples, one boxed tuple is one value', () => {
    const gold = '(1,8,19), (2,7,13), (4,5,7)';
    expect(verify({ gold, response: boxes('(1,8,19)', '(2,7,13)', '(4,5,7)') }).correct).toBe(true);
    expect(verify({ gold, response: boxes('(4,5,7)') }).correct).toBe(false);
    expect(verify({ gold, response: boxes('(1,8,19), (2,7,13), (4,5,7)') }).correct).toBe(true);
  });

  it('a spray of whole lists is hedged too', () => {
    const lists = Array.from({ length: MAX_DISTINCT_FINAL + 1 }, (_, k) => `${k}, ${k + 1}`);
    const gold = lists.at(-1)!;
    expect(verify({ gold, response: boxes(...lists) })).toMatchObject({ correct: false, reason: 'hedged' });
    expect(verify({ gold: lists.at(-2)!, response: boxes(...lists.slice(0, -1)) }).correct).toBe(true);
  });

  it('strict joins every box, as before', () => {
    expect(verify({ gold: '2, 3', response: boxes('2, 4', '2, 3') }, { boxed: 'strict' }).correct).toBe(
      false,
    );
    expect(verify({ gold: '2, 3', response: boxes('2', '3') }, { boxed: 'strict' }).correct).toBe(true);
  });
});
