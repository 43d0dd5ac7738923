import { describe, expect, it } from 'vitest';
import { combine, evaluate, parseStep } from './arithmetic.js';
import { findSolution, maxNodes } from './solve.js';
import { verifyCountdown } from './verify.js';

const p = { nums: [39, 66, 33, 13], target: 50 };

describe('verifyCountdown', () => {
  it('accepts a correct solution', () => {
    expect(verifyCountdown(p, ['39+13=52', '66/33=2', '52-2=50'])).toEqual({ ok: true });
  });

  it.each([
    [['39+13=53', '66/33=2', '52-2=50'], /wrong: 39\+13=52/],
    [['39+13=52', '33/66=0', '52-2=50'], /not allowed/],
    [['13-39=0'], /not allowed/],
    [['39+39=78', '66+33=99', '99-78=21'], /uses 39, which is not available/],
    [['39+13=52', '66/33=2'], /2 numbers remain/],
    [['39+13=52', '66-33=33', '52-33=19'], /result is 19, not the target 50/],
    [['39 plus 13'], /not of the form/],
    [['7+1=8'], /uses 7/],
  ])('rejects %j', (solution, reason) => {
    const r = verifyCountdown(p, solution);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('handles repeated numbers as a multiset', () => {
    expect(verifyCountdown({ nums: [5, 5, 2], target: 50 }, ['5*5=25', '25*2=50']).ok).toBe(true);
    expect(verifyCountdown({ nums: [5, 2, 3], target: 50 }, ['5*5=25', '25*2=50']).ok).toBe(false);
  });
});

describe('arithmetic', () => {
  it('follows SoS: non-negative subtraction and exact division only', () => {
    expect(combine(3, 12).map((s) => `${s.a}${s.op}${s.b}=${s.result}`)).toEqual([
      '3+12=15',
      '3*12=36',
      '12-3=9',
      '12/3=4',
    ]);
    expect(combine(7, 5).map((s) => s.op)).toEqual(['+', '*', '-']);
    expect(combine(0, 5).map((s) => s.op)).toEqual(['+', '*', '-']);
    expect(evaluate(3, '-', 5)).toBeNull();
    expect(evaluate(7, '/', 2)).toBeNull();
    expect(parseStep(' 12 / 3 = 4 ')).toEqual({ a: 12, b: 3, op: '/', result: 4 });
    expect(parseStep('12/3=')).toBeNull();
  });

  it('finds solutions exhaustively and proves unsolvable ones', () => {
    const s = findSolution([39, 66, 33, 13], 50)!;
    expect(verifyCountdown(p, s).ok).toBe(true);
    expect(findSolution([1, 1, 1], 97)).toBeNull();
    expect(maxNodes(3)).toBe(48);
    expect(maxNodes(4)).toBe(1152);
    expect(maxNodes(5)).toBe(46080);
  });
});

describe('findSolution', () => {
  // The obvious allocation-heavy version, as the reference for the optimized one.
  const reference = (nums: number[], target: number): string[] | null => {
    if (nums.length === 1) return nums[0] === target ? [] : null;
    for (let i = 0; i < nums.length; i++) {
      for (let j = i + 1; j < nums.length; j++) {
        for (const s of combine(nums[i], nums[j])) {
          const rest = nums.filter((_, k) => k !== i && k !== j);
          const sub = reference([...rest, s.result], target);
          if (sub) return [`${s.a}${s.op}${s.b}=${s.result}`, ...sub];
        }
      }
    }
    return null;
  };

  it('finds the same first solution as the plain recursive search', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let solved = 0;
    for (let t = 0; t < 400; t++) {
      const k = 2 + rand(3);
      const nums = Array.from({ length: k }, () => rand(30));
      const target = rand(60);
      const got = findSolution(nums, target)?.map((s) => `${s.a}${s.op}${s.b}=${s.result}`) ?? null;
      expect(got).toEqual(reference(nums, target));
      if (got) solved++;
    }
    expect(solved).toBeGreaterThan(50);
  });
});
