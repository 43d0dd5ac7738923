import { describe, expect, it } from 'vitest';
import { accuracyByTokens } from './accuracy-tokens.js';
import { bestByScore } from './best-of-n.js';
import { groupsOf, meanOverGroups } from './groups.js';
import { clusterAnswers, majorityIndex } from './majority.js';
import { meanPassAtK, passAtK } from './pass-at-k.js';

/** Fraction of the k-subsets of n samples (the first c correct) holding a correct one, by enumeration. */
function bruteForce(n: number, c: number, k: number): number {
  let hit = 0;
  let all = 0;
  const walk = (start: number, left: number, any: boolean): void => {
    if (left === 0) {
      all++;
      if (any) hit++;
      return;
    }
    for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, any || i < c);
  };
  walk(0, k, false);
  return hit / all;
}

describe('pass@k', () => {
  it('matches enumeration of all subsets for n=10, c=3, k=1..10', () => {
    for (let k = 1; k <= 10; k++) expect(passAtK(10, 3, k)).toBeCloseTo(bruteForce(10, 3, k), 12);
    // known values: pass@1 = c/n; pass@8 = 1 - C(7,8)/C(10,8) = 1, pass@2 = 1 - C(7,2)/C(10,2) = 1 - 21/45
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtK(10, 3, 2)).toBeCloseTo(1 - 21 / 45, 12);
    expect(passAtK(10, 3, 8)).toBe(1);
  });

  it('matches enumeration over other (n, c, k) and edge cases', () => {
    for (const [n, c] of [
      [7, 0],
      [7, 7],
      [12, 1],
      [12, 5],
    ])
      for (let k = 1; k <= n; k++) expect(passAtK(n, c, k)).toBeCloseTo(bruteForce(n, c, k), 12);
    // large n, where C(n, k) overflows doubles: the product form stays exact enough
    expect(passAtK(2000, 1, 1000)).toBeCloseTo(0.5, 12);
    expect(
      meanPassAtK(
        [
          { n: 4, c: 1 },
          { n: 4, c: 0 },
        ],
        1,
      ),
    ).toBeCloseTo(0.125, 12);
    expect(() => passAtK(4, 1, 5)).toThrow(/needs at least 5 samples per problem, got 4/);
    expect(() => passAtK(4, 5, 1)).toThrow(/0 <= c <= n/);
  });
});

describe('majority, best-of-N, groups, accuracy by tokens', () => {
  it('clusters equivalent answers and picks the largest cluster, first-seen on ties', async () => {
    const calls: string[] = [];
    const eq = async (a: string, b: string) => {
      calls.push(`${a}~${b}`);
      return Number(a) === Number(b);
    };
    const ids = await clusterAnswers(['2', '0.5', null, '2.0', '1/2', '0.50', '2'], async (a, b) => {
      if (a.includes('/') || b.includes('/'))
        return (a === '0.5' && b === '1/2') || (a === '1/2' && b === '0.5');
      return eq(a, b);
    });
    expect(ids).toEqual([0, 1, -1, 0, 1, 1, 0]);
    expect(majorityIndex(ids, [0, 1, 2, 3, 4, 5, 6])).toBe(0); // 3 votes each: first seen wins
    expect(majorityIndex(ids, [1, 2, 3, 4])).toBe(1);
    expect(majorityIndex(ids, [2])).toBe(-1);
    // identical strings never reach the verifier a second time
    expect(calls.filter((c) => c === '2~2')).toHaveLength(0);
  });

  it('best-of-N takes the highest score (earliest on ties) and needs every score', () => {
    expect(bestByScore([0.1, 0.9, 0.9, 0.2], [0, 1, 2, 3])).toBe(1);
    expect(bestByScore([0.1, undefined, 0.3], [0, 1, 2])).toBe(-1);
    expect(bestByScore([0.1, undefined, 0.3], [0, 2])).toBe(2);
  });

  it('uses disjoint groups of k and bins by tokens', () => {
    expect(groupsOf([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(meanOverGroups([1, 0, 1, 1], 2, (g) => Math.min(...g))).toBe(0.5);
    const bins = accuracyByTokens(
      [10, 20, 30, 40, 50, 60].map((t) => ({ tokens: t, correct: t < 35 })),
      3,
    );
    expect(bins.map((b) => [b.min_tokens, b.max_tokens, b.accuracy])).toEqual([
      [10, 20, 1],
      [30, 40, 0.5],
      [50, 60, 0],
    ]);
  });
});
