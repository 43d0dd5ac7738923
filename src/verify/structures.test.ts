import { describe, expect, it } from 'vitest';
import { explainAnswer, verify } from './verify.js';

const ok = (gold: string, answer: string): boolean =>
  verify({ gold, response: `so $\\boxed{${answer}}$.` }).correct;
const M = (rows: string): string => `\\begin{pmatrix}${rows}\\end{pmatrix}`;

describe('matrix arithmetic', () => {
  it('scalar multiples, sums and quotients evaluate to one matrix', () => {
    expect(ok(M('2&4\\\\6&8'), `2${M('1&2\\\\3&4')}`)).toBe(true);
    expect(ok(M('2&4\\\\6&9'), `2${M('1&2\\\\3&4')}`)).toBe(false);
    expect(ok(M('4\\\\6'), `${M('1\\\\2')}+${M('3\\\\4')}`)).toBe(true);
    expect(ok(M('-2\\\\-2'), `${M('1\\\\2')}-${M('3\\\\4')}`)).toBe(true);
    expect(ok(M('\\frac12&1\\\\\\frac32&2'), `\\frac{1}{2}${M('1&2\\\\3&4')}`)).toBe(true);
    expect(ok(M('0.5&1\\\\1.5&2'), `${M('1&2\\\\3&4')}/2`)).toBe(true);
    expect(ok(M('2&4\\\\6&8'), `${M('1&2\\\\3&4')} \\cdot 2`)).toBe(true);
    expect(ok(M('a+1&2b'), `${M('a&b')}+${M('1&b')}`)).toBe(true);
  });

  it('products multiply in the order written', () => {
    const A = M('1&2\\\\3&4');
    const S = M('0&1\\\\1&0');
    expect(ok(M('2&1\\\\4&3'), `${A}${S}`)).toBe(true);
    expect(ok(M('3&4\\\\1&2'), `${S}${A}`)).toBe(true);
    expect(ok(M('2&1\\\\4&3'), `${S}${A}`)).toBe(false);
    expect(ok(M('2&1\\\\4&3'), `${A} \\cdot ${S}`)).toBe(true);
    expect(ok(M('7&10\\\\15&22'), `${A}^2`)).toBe(true);
    expect(ok(M('5\\\\11'), `${A}${M('1\\\\2')}`)).toBe(true);
  });

  it('transposes', () => {
    const A = M('1&2\\\\3&4');
    for (const t of ['^T', '^{T}', '^\\top', '^{\\top}', '^{\\intercal}'])
      expect(ok(M('1&3\\\\2&4'), `${A}${t}`)).toBe(true);
    expect(ok(M('1&2\\\\3&4'), `${A}^T`)).toBe(false);
    expect(ok(M('1&2&3'), `${M('1\\\\2\\\\3')}^T`)).toBe(true);
  });

  it('a tuple gold accepts a vector sum', () => {
    expect(ok('(4, 6)', `${M('1\\\\2')}+${M('3\\\\4')}`)).toBe(true);
    expect(ok('(4, 7)', `${M('1\\\\2')}+${M('3\\\\4')}`)).toBe(false);
  });

  it('shapes that do not fit equal nothing', () => {
    expect(ok(M('2\\\\3'), `${M('1&2')}+${M('1\\\\1')}`)).toBe(false);
    expect(ok(M('2&3'), `${M('1&2')}+${M('1\\\\1')}`)).toBe(false);
    expect(ok(M('2&3\\\\4&5'), `${M('1&2\\\\3&4')}+1`)).toBe(false);
    // two columns: neither a matrix product nor (here) a dot product
    expect(ok('11', `${M('1\\\\2')}${M('3\\\\4')}`)).toBe(false);
    expect(ok(M('1&2\\\\3&4'), M('1&2\\\\3&4\\\\5&6'))).toBe(false);
  });

  it('a long chain of products is refused quickly instead of growing exponentially', () => {
    const chain = Array.from({ length: 200 }, () => M('1&1\\\\1&0')).join('');
    const t0 = performance.now();
    expect(ok(M('1&0\\\\0&1'), chain)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('set-builder notation', () => {
  it('equals the interval, union or finite set it describes', () => {
    expect(ok('(0, \\infty)', '\\{x \\mid x > 0\\}')).toBe(true);
    expect(ok('(0, \\infty)', '\\{x : x>0\\}')).toBe(true);
    expect(ok('(0, \\infty)', '\\{x | x>0\\}')).toBe(true);
    expect(ok('(0, \\infty)', '\\left\\{ x \\,\\middle|\\, x > 0 \\right\\}')).toBe(true);
    expect(ok('[1, 3)', '\\{x\\in\\mathbb{R} \\mid 1 \\le x < 3\\}')).toBe(true);
    expect(ok('[1, 3)', '\\{x \\mid x \\geq 1, x < 3\\}')).toBe(true);
    expect(ok('(0, 2)', '\\{x \\mid x > 0 \\text{ and } x < 2\\}')).toBe(true);
    expect(ok('(-\\infty,0)\\cup(2,\\infty)', '\\{x \\mid x < 0 \\text{ or } x > 2\\}')).toBe(true);
    expect(ok('(-\\infty,2)\\cup(2,\\infty)', '\\{x \\mid x \\neq 2\\}')).toBe(true);
    expect(ok('(2, \\infty)', '\\{x \\mid 2x - 1 > 3\\}')).toBe(true);
    expect(ok('(-\\infty, -1)', '\\{x \\mid 3 - x > 4\\}')).toBe(true);
    expect(ok('[0, 1]', '\\{t \\in [0, 5] \\mid t \\le 1\\}')).toBe(true);
    expect(ok('\\{1, 2, 3\\}', '\\{n \\in \\mathbb{Z} \\mid 1 \\le n \\le 3\\}')).toBe(true);
    expect(ok('\\{1, 2\\}', '\\{n \\in \\mathbb{Z}^+ \\mid n < 3\\}')).toBe(true);
    expect(ok('\\{1, 2\\}', '\\{n \\in \\mathbb{N} \\mid 1 \\le n < 3\\}')).toBe(true);
    expect(ok('\\mathbb{R}', '\\{x \\mid x < 3 \\text{ or } x > 1\\}')).toBe(true);
  });

  it('an inequality or interval gold matches either way round', () => {
    expect(ok('x > 0', '\\{x \\mid x > 0\\}')).toBe(true);
    expect(ok('\\{x \\mid x > 0\\}', '(0, \\infty)')).toBe(true);
    expect(ok('\\{x \\mid x > 0\\}', 'x > 0')).toBe(true);
    expect(explainAnswer('\\{x : 1 \\le x < 3\\}')).toEqual({ type: 'interval', canonical: '[1, 3)' });
  });

  it('different sets differ', () => {
    expect(ok('[1, 3]', '\\{x\\in\\mathbb{R} \\mid 1 \\le x < 3\\}')).toBe(false);
    expect(ok('(0, 2)', '\\{x \\mid x < 0 \\text{ or } x > 2\\}')).toBe(false);
    expect(ok('(0, \\infty)', '\\{x \\mid x \\ge 0\\}')).toBe(false);
    expect(ok('\\{1, 2, 3\\}', '\\{n \\in \\mathbb{Z} \\mid 1 \\le n < 3\\}')).toBe(false);
    expect(ok('\\{x \\mid x > 0\\}', '\\{x \\mid x < 0\\}')).toBe(false);
  });

  it('ℕ without a lower bound is ambiguous about 0: never enumerated', () => {
    expect(ok('\\{0, 1, 2\\}', '\\{n \\in \\mathbb{N} \\mid n < 3\\}')).toBe(false);
    expect(ok('\\{1, 2\\}', '\\{n \\in \\mathbb{N} \\mid n < 3\\}')).toBe(false);
  });

  it('set-builder against set-builder compares the conditions when they are not intervals', () => {
    expect(ok('\\{x \\mid x^2 < 4\\}', '\\{y \\mid y^2 < 4\\}')).toBe(true);
    expect(ok('\\{x \\mid x^2 < 4\\}', '\\{x \\mid 4 > x^2\\}')).toBe(true);
    expect(ok('\\{x \\mid x^2 < 4\\}', '\\{x \\mid x^2 > 4\\}')).toBe(false);
    expect(ok('\\{x \\mid x^2 < 4\\}', '\\{x \\in \\mathbb{Z} \\mid x^2 < 4\\}')).toBe(false);
    expect(ok('\\{x \\mid x^2 < 4\\}', 'x^2 < 4')).toBe(true);
    // not decided by sampling: a nonlinear condition is not compared with an interval
    expect(ok('(-2, 2)', '\\{x \\mid x^2 < 4\\}')).toBe(false);
  });

  it('leaves plain sets alone', () => {
    expect(explainAnswer('\\{1, 2\\}').canonical).toBe('{1, 2}');
    expect(ok('\\{1, 2\\}', '\\{2, 1\\}')).toBe(true);
    expect(ok('\\{x\\}', '\\{x\\}')).toBe(true);
  });

  it('survives deep nesting without a stack overflow', () => {
    const deep = `${'\\{x \\mid x \\in '.repeat(300)}(0,1)${'\\}'.repeat(300)}`;
    expect(verify({ gold: '(0,1)', response: `\\boxed{${deep}}` }).correct).toBe(false);
  });
});

describe('piecewise functions', () => {
  const abs = '\\begin{cases} x & x \\ge 0 \\\\ -x & x < 0 \\end{cases}';

  it('equals an equivalent closed form, either way round', () => {
    expect(ok('|x|', abs)).toBe(true);
    expect(ok(abs, '|x|')).toBe(true);
    expect(
      ok('|x|', '\\begin{cases} x & \\text{if } x \\geq 0, \\\\ -x & \\text{otherwise.} \\end{cases}'),
    ).toBe(true);
    expect(ok('|x-1|', '\\begin{cases} x-1 & x > 1 \\\\ 1-x & x \\le 1 \\end{cases}')).toBe(true);
    expect(ok('x', abs)).toBe(false);
    expect(ok('|x-1|', '\\begin{cases} x-1 & x > 2 \\\\ 1-x & x \\le 2 \\end{cases}')).toBe(false);
  });

  it('equals another piecewise function with the same pieces in any order', () => {
    expect(ok(abs, '\\begin{cases} -x & x < 0 \\\\ x & x \\ge 0 \\end{cases}')).toBe(true);
    expect(ok(abs, '\\begin{cases} -x & x \\le 0 \\\\ x & x > 0 \\end{cases}')).toBe(true);
    const f = 'f(x) = \\begin{cases} x^2 & x \\ge 1 \\\\ 2x-1 & x < 1 \\end{cases}';
    expect(ok(f, 'f(x) = \\begin{cases} 2x-1 & x<1 \\\\ x^2 & x \\geq 1 \\end{cases}')).toBe(true);
    expect(ok(f, 'f(x) = \\begin{cases} 2x-1 & x<1 \\\\ x^2+1 & x \\geq 1 \\end{cases}')).toBe(false);
  });

  it('a boundary point belongs to one side: a step differs where it is closed', () => {
    const step = '\\begin{cases} 1 & x \\ge 0 \\\\ 0 & x < 0 \\end{cases}';
    expect(ok(step, '\\begin{cases} 0 & x < 0 \\\\ 1 & x \\ge 0 \\end{cases}')).toBe(true);
    expect(ok(step, '\\begin{cases} 0 & x \\le 0 \\\\ 1 & x > 0 \\end{cases}')).toBe(false);
  });

  it('a response must cover the gold where the gold is defined', () => {
    expect(ok(abs, '\\begin{cases} x & x \\ge 0 \\end{cases}')).toBe(false);
    expect(ok('|x|', '\\begin{cases} x & x > 0 \\\\ -x & x < 0 \\end{cases}')).toBe(false);
    // the gold restricts its own domain: the response need not restate it
    expect(ok('\\begin{cases} x & x \\ge 0 \\end{cases}', '|x|')).toBe(true);
  });

  it('pieces with a parameter, and conditions written as memberships', () => {
    expect(
      ok(
        '\\begin{cases} a x & x \\in [0, 1] \\\\ a & x > 1 \\end{cases}',
        '\\begin{cases} a & x > 1 \\\\ ax & 0 \\le x \\le 1 \\end{cases}',
      ),
    ).toBe(true);
    expect(
      ok(
        '\\begin{cases} a x & x \\in [0, 1] \\\\ a & x > 1 \\end{cases}',
        '\\begin{cases} 1 & x > 1 \\\\ ax & 0 \\le x \\le 1 \\end{cases}',
      ),
    ).toBe(false);
  });

  it('a cases block without conditions is a system of equations', () => {
    expect(ok('x = 1, y = 2', '\\begin{cases} x = 1 \\\\ y = 2 \\end{cases}')).toBe(true);
    expect(ok('(1, 2)', '\\begin{cases} x = 1 \\\\ y = 2 \\end{cases}')).toBe(true);
  });

  it('does not sample absurdly many pieces', () => {
    const rows = Array.from({ length: 70 }, (_, k) => `${k} & ${k} \\le x < ${k + 1}`).join(' \\\\ ');
    const t0 = performance.now();
    expect(ok('\\lfloor x \\rfloor', `\\begin{cases} ${rows} \\end{cases}`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
    const few = Array.from({ length: 4 }, (_, k) => `${k} & ${k} \\le x < ${k + 1}`).join(' \\\\ ');
    expect(
      ok(
        '\\begin{cases} 0 & 0 \\le x < 1 \\\\ 1 & 1 \\le x < 2 \\\\ 2 & 2 \\le x < 3 \\\\ 3 & 3 \\le x < 4 \\end{cases}',
        `\\begin{cases} ${few} \\end{cases}`,
      ),
    ).toBe(true);
  });

  it('is not a list, a number or a tuple', () => {
    expect(ok('1, 2', abs)).toBe(false);
    expect(ok('0', abs)).toBe(false);
    expect(ok(abs, '(x, -x)')).toBe(false);
  });
});
