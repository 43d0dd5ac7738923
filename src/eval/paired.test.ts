import { describe, expect, it } from 'vitest';
import { bootstrapCi95, comparePaired, mcnemarExact } from './paired.js';

describe('paired statistics over prompts', () => {
  it("computes McNemar's exact two-sided p from the discordant counts", () => {
    // 10 vs 2 discordant: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2¹² = 2 · 79 / 4096
    expect(mcnemarExact(10, 2)).toBeCloseTo((2 * 79) / 4096, 12);
    expect(mcnemarExact(2, 10)).toBe(mcnemarExact(10, 2));
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    // large counts neither overflow nor underflow: 600 vs 400 is far beyond chance
    const p = mcnemarExact(600, 400);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-9);
  });

  it('gives a bootstrap interval around the mean, as wide as the binomial one', () => {
    const xs = Array.from({ length: 400 }, (_, i) => Number(i % 2 === 0));
    const [lo, hi] = bootstrapCi95(xs, 1);
    // binomial standard error at p = ½, n = 400: 0.025, so the 95% half-width is about 0.049
    expect(lo).toBeGreaterThan(0.44);
    expect(lo).toBeLessThan(0.46);
    expect(hi).toBeGreaterThan(0.54);
    expect(hi).toBeLessThan(0.56);
    expect(bootstrapCi95([1, 1, 1])).toEqual([1, 1]);
    expect(bootstrapCi95([])).toEqual([0, 0]);
  });

  it('compares two models on the same prompts', () => {
    const a = [true, true, true, false, true, false];
    const b = [true, false, false, false, true, true];
    const c = comparePaired(['x', 'y'], a, b);
    expect(c).toMatchObject({ n: 6, a_only: 2, b_only: 1, accuracy_a: 4 / 6, accuracy_b: 3 / 6 });
    expect(c.diff).toBeCloseTo(1 / 6, 12);
    expect(c.diff_ci95[0]).toBeLessThanOrEqual(c.diff);
    expect(c.diff_ci95[1]).toBeGreaterThanOrEqual(c.diff);
    expect(() => comparePaired(['x', 'y'], a, b.slice(1))).toThrowError(/differ in length/);
  });
});
