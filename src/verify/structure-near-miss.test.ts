/**
 * The near-miss rule holds inside structured answers too: a perturbation hidden in a piece, a boundary, a matrix
 * entry, a set-builder bound or a qualified answer is rejected, while the exact forms still match.
 */
import { describe, expect, it } from 'vitest';
import { verify } from './verify.js';

const ok = (gold: string, answer: string): boolean =>
  verify({ gold, response: `so $\\boxed{${answer}}$.` }).correct;
const CASES = (rows: string): string => `\\begin{cases} ${rows} \\end{cases}`;
const M = (rows: string): string => `\\begin{pmatrix}${rows}\\end{pmatrix}`;
const TINY = '10^{-30}';

describe('near misses inside structures', () => {
  it('piecewise functions: a tiny term in a piece or a shifted boundary', () => {
    const abs = CASES('x & x\\ge 0 \\\\ -x & x<0');
    expect(ok(abs, '|x|')).toBe(true);
    expect(ok(abs, CASES(`x+${TINY} & x\\ge 0 \\\\ -x & x<0`))).toBe(false);
    const step = CASES('1 & x\\ge 0 \\\\ 0 & x<0');
    expect(ok(step, CASES('1 & x\\ge 0 \\\\ 0 & x<0'))).toBe(true);
    expect(ok(step, CASES(`1 & x\\ge ${TINY} \\\\ 0 & x<${TINY}`))).toBe(false);
    // a bump between two sample points, or a kink the conditions do not name, is seen: pieces are compared as
    // identities on whole regions, never at a few points
    expect(ok(abs, `|x| + \\max(0, 10^{-3}-(x-1)^2)`)).toBe(false);
    expect(ok(CASES('x-1 & x\\ge 0 \\\\ 1-x & x<0'), '|x-1|')).toBe(false);
    expect(ok(CASES('x-1 & x\\ge 1 \\\\ 1-x & x<1'), '|x-1|')).toBe(true);
    const ramp = CASES('x & x\\ge 0 \\\\ 0 & x<0');
    expect(ok(ramp, CASES(`x & x\\ge ${TINY} \\\\ 0 & x<${TINY}`))).toBe(false);
  });

  it('matrices: a tiny term in one entry, also under a scalar', () => {
    expect(ok(M('1&2\\\\3&4'), M(`1&2\\\\3&4+${TINY}`))).toBe(false);
    expect(ok(M('2&4\\\\6&8'), `2${M('1&2\\\\3&4')}`)).toBe(true);
    expect(ok(M('2&4\\\\6&8'), `2${M(`1&2\\\\3&4+${TINY}`)}`)).toBe(false);
  });

  it('set-builder notation: a bound moved by a tiny amount', () => {
    expect(ok('(0,\\infty)', '\\{x \\mid x > 0\\}')).toBe(true);
    expect(ok('(0,\\infty)', `\\{x \\mid x > ${TINY}\\}`)).toBe(false);
    expect(ok('[\\sqrt2, 3)', '\\{x \\mid \\sqrt2 \\le x < 3\\}')).toBe(true);
    expect(ok('[\\sqrt2, 3)', `\\{x \\mid \\sqrt2 + ${TINY} \\le x < 3\\}`)).toBe(false);
  });

  it('domain qualifiers: the main answer must still be exact', () => {
    expect(ok('x-1, x \\in \\mathbb{R}', 'x-1')).toBe(true);
    expect(ok('x-1, x \\in \\mathbb{R}', `x-1+${TINY}`)).toBe(false);
  });
});
