import { beforeAll, describe, expect, it } from 'vitest';
import { decimalCommaReading } from './normalize.js';
import { loadSymbolicEngine } from './symbolic.js';
import { explainAnswer, verify } from './verify.js';

beforeAll(async () => {
  await loadSymbolicEngine();
});

const ok = (gold: string, answer: string): boolean =>
  verify({ gold, response: `so $\\boxed{${answer}}$.` }).correct;

describe('domain qualifiers', () => {
  it('are recognized as qualifiers, not second answers', () => {
    expect(explainAnswer('f(x) = x - 1, x \\in \\mathbb{R}').type).toBe('relation');
    expect(explainAnswer('x^2, x \\ge 0').type).toBe('expression');
    expect(explainAnswer('y=2x+1 (x \\neq 0)').type).toBe('relation');
    expect(explainAnswer('\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}').type).toBe('expression');
    expect(explainAnswer('(t, 2t), t \\in \\mathbb{R}').type).toBe('tuple');
  });

  it('the response need not restate the gold’s domain', () => {
    expect(ok('f(x) = x - 1, x \\in \\mathbb{R}', 'f(x) = x - 1')).toBe(true);
    expect(ok('x^2, x \\ge 0', 'x^2')).toBe(true);
    expect(ok('y=2x+1 (x \\neq 0)', 'y = 2x+1')).toBe(true);
    expect(ok('\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}', '\\frac{\\pi}{4}+k\\pi')).toBe(true);
  });

  it('a qualifier in the response alone is not a second answer', () => {
    expect(ok('f(x) = x - 1', 'f(x) = x - 1, x \\in \\mathbb{R}')).toBe(true);
    expect(ok('\\sqrt{x}', '\\sqrt{x} \\text{ for } x \\geq 0')).toBe(true);
    expect(ok('\\sqrt{x}', '\\sqrt{x} \\quad (x \\ge 0)')).toBe(true);
    expect(ok('x^2', 'x^2, \\text{ for all real } x')).toBe(true);
  });

  it('both qualified: the qualifiers must describe the same set', () => {
    expect(ok('x^2, x \\ge 0', 'x^2, x \\in [0, \\infty)')).toBe(true);
    expect(ok('x^2, x \\ge 0', 'x^2 \\text{ where } 0 \\le x')).toBe(true);
    expect(ok('y=2x+1 (x \\neq 0)', 'y = 2x+1, x \\ne 0')).toBe(true);
    expect(ok('\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}', '\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}')).toBe(
      true,
    );
    expect(ok('f(x) = x - 1, x \\in \\mathbb{R}', 'f(x) = x - 1 \\text{ for all } x')).toBe(true);
  });

  it('a contradicting qualifier does not match', () => {
    expect(ok('x^2, x \\ge 0', 'x^2, x \\le 0')).toBe(false);
    expect(ok('x^2, x \\ge 0', 'x^2, x > 0')).toBe(false);
    expect(ok('y=2x+1 (x \\neq 0)', 'y = 2x+1, x > 0')).toBe(false);
    expect(ok('\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}', '\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{R}')).toBe(
      false,
    );
    // an explicit "all reals" is a statement too
    expect(ok('f(x) = x - 1, x \\in \\mathbb{R}', 'f(x) = x - 1, x \\ge 1')).toBe(false);
  });

  it('the main answers are still compared', () => {
    expect(ok('y=2x+1 (x \\neq 0)', 'y = 2x+2')).toBe(false);
    expect(ok('y=2x+1 (x \\neq 0)', 'y = 2x+2 (x \\ne 0)')).toBe(false);
    expect(ok('\\frac{\\pi}{4}+k\\pi, k \\in \\mathbb{Z}', '\\frac{\\pi}{4}')).toBe(false);
    expect(ok('x^2', 'x^3, x > 0')).toBe(false);
    // the qualifier does not restrict where the mains are compared
    expect(ok('x, x \\ge 0', '|x|')).toBe(false);
  });

  it('lists of conditions and of values stay lists', () => {
    expect(ok('(-\\infty,-1)\\cup(1,\\infty)', 'x < -1, x > 1')).toBe(true);
    expect(ok('3', 'x = 3, x > 0')).toBe(false);
    expect(ok('3, 4', '3, x > 0')).toBe(false);
    expect(ok('2', '2, a > b')).toBe(false);
    expect(explainAnswer('x = 3, x > 0').type).toBe('list');
    expect(explainAnswer('2(x+1)').type).toBe('expression');
  });
});

describe('decimal commas', () => {
  it('reads a comma as a decimal point only where a thousands reading is impossible', () => {
    expect(decimalCommaReading('3,5')).toBe('3.5');
    expect(decimalCommaReading('1000,99')).toBe('1000.99');
    expect(decimalCommaReading('-0,25')).toBe('-0.25');
    expect(decimalCommaReading('3,14159')).toBe('3.14159');
    expect(decimalCommaReading('1.234,5')).toBe('1234.5');
    expect(decimalCommaReading('x = 3,5')).toBe('x = 3.5');
    expect(decimalCommaReading('3,500')).toBe('3,500');
    expect(decimalCommaReading('3, 5')).toBe('3, 5');
    expect(decimalCommaReading('1,2,3')).toBe('1,2,3');
  });

  it('against a single-number gold, `3,5` is 3.5', () => {
    expect(ok('3.5', '3,5')).toBe(true);
    expect(ok('\\frac{7}{2}', '3,5')).toBe(true);
    expect(ok('1000.99', '1000,99')).toBe(true);
    expect(ok('0.25', '0,25')).toBe(true);
    expect(ok('3.14159', '3,14159')).toBe(true);
    expect(ok('1234.5', '1.234,5')).toBe(true);
    expect(ok('1000.5', '1\\,000,5')).toBe(true);
    expect(ok('-3.5', 'x = -3,5')).toBe(true);
    expect(ok('12.5\\%', '12,5 \\%')).toBe(true);
  });

  it('LaTeX’s decimal comma `3{,}5` is a decimal point whatever the gold', () => {
    expect(ok('3.5', '3{,}5')).toBe(true);
    expect(ok('1000', '1{,}000')).toBe(true);
    expect(ok('3.14159', '3{,}14159')).toBe(true);
  });

  it('never pays a list, or a thousands reading, through the decimal reading', () => {
    // one reading per gold type: against a number it is one number, so it cannot be both 3 and 5
    expect(ok('3', '3,5')).toBe(false);
    expect(ok('5', '3,5')).toBe(false);
    expect(ok('35', '3,5')).toBe(false);
    // three digits after the comma: thousands, as in English
    expect(ok('3.5', '3,500')).toBe(false);
    expect(ok('3500', '3,500')).toBe(true);
    // a comma and a space is a list, whatever the gold
    expect(ok('3.5', '3, 5')).toBe(false);
    // against a list gold it is the list
    expect(ok('3, 5', '3,5')).toBe(true);
    expect(ok('\\{3, 5\\}', '3,5')).toBe(true);
    expect(ok('3.5, 1', '3,5')).toBe(false);
    // a pair stays a pair
    expect(ok('(3, 5)', '(3,5)')).toBe(true);
    expect(ok('3.5', '(3,5)')).toBe(false);
  });

  it('golds are read the English way', () => {
    expect(explainAnswer('3,5').type).toBe('list');
    expect(ok('3,5', '3.5')).toBe(false);
  });
});
