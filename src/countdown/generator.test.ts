import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import {
  type CountdownConfig,
  drawProblem,
  inputSplit,
  SOS_COUNTDOWN,
  splitTargets,
  validateConfig,
} from './generator.js';
import { distinctDraws, makeRecord } from './record.js';
import { findSolution } from './solve.js';
import { verifyCountdown } from './verify.js';

describe('countdown generator', () => {
  it("holds out SoS's 10% of target values, disjoint from train", () => {
    const { train, test } = splitTargets(SOS_COUNTDOWN);
    expect(test).toHaveLength(9);
    expect(train).toHaveLength(82);
    expect(new Set([...train, ...test]).size).toBe(91);
    expect(splitTargets(SOS_COUNTDOWN)).toEqual({
      train,
      test,
      valid: [],
      'test-inputs': train,
      'valid-inputs': train,
    });
    expect(splitTargets({ ...SOS_COUNTDOWN, seed: 1 }).test).not.toEqual(test);
  });

  it('draws only solvable problems, deterministically per index', () => {
    const targets = splitTargets(SOS_COUNTDOWN);
    for (let i = 0; i < 50; i++) {
      const a = drawProblem(SOS_COUNTDOWN, targets.train, 'train', i, Rng.derive(3, i));
      const b = drawProblem(SOS_COUNTDOWN, targets.train, 'train', i, Rng.derive(3, i));
      expect(a).toEqual(b);
      expect(a.nums).toHaveLength(4);
      expect(a.nums.every((n) => n >= 1 && n <= 99)).toBe(true);
      expect(targets.train).toContain(a.target);
      expect(verifyCountdown(a, a.reference).ok).toBe(true);
    }
  });

  it('respects k, ranges and distinctness', () => {
    const c: CountdownConfig = {
      ...SOS_COUNTDOWN,
      numbers: 3,
      numMin: 1,
      numMax: 9,
      minTarget: 10,
      maxTarget: 30,
      distinct: true,
    };
    const t = splitTargets(c);
    for (let i = 0; i < 30; i++) {
      const p = drawProblem(c, t.test, 'test', i, Rng.derive(1, i));
      expect(new Set(p.nums).size).toBe(3);
      expect(p.nums.every((n) => n >= 1 && n <= 9)).toBe(true);
      expect(t.test).toContain(p.target);
    }
  });

  it.each([
    [{ numbers: 1 }, /'numbers' must be an integer ≥ 2/],
    [
      { numbers: 5, numMin: 1, numMax: 3, distinct: true },
      /5 distinct numbers cannot be drawn from \[1, 3\]/,
    ],
    [{ numMin: 50, numMax: 10 }, /numMin 50 > numMax 10/],
    [{ minTarget: 200, maxTarget: 100 }, /minTarget 200 > maxTarget 100/],
    [{ heldOutFraction: 1 }, /heldOutFraction/],
    [{ numbers: 2.5 }, /'numbers' must be an integer/],
  ])('rejects impossible config %j', (patch, msg) => {
    expect(() => validateConfig({ ...SOS_COUNTDOWN, ...patch } as CountdownConfig)).toThrowError(msg);
  });

  it('fails clearly when no instance is solvable', () => {
    const c: CountdownConfig = {
      ...SOS_COUNTDOWN,
      numbers: 2,
      numMin: 1,
      numMax: 2,
      minTarget: 500,
      maxTarget: 510,
    };
    const t = splitTargets(c);
    expect(() => drawProblem(c, t.train, 'train', 0, new Rng(0))).toThrowError(UserError);
    expect(() => drawProblem(c, t.train, 'train', 0, new Rng(0))).toThrowError(/no solvable train problem/);
    expect(() => drawProblem(c, [], 'test', 0, new Rng(0))).toThrowError(/no test targets/);
  });

  it('builds records whose solutions verify and appear in their traces', async () => {
    const opts = {
      config: SOS_COUNTDOWN,
      targets: splitTargets(SOS_COUNTDOWN),
      solver: 'mix',
      format: 'compact' as const,
    };
    for (let i = 0; i < 40; i++) {
      const r = await makeRecord(opts, 'train', i);
      expect(r).toEqual(await makeRecord(opts, 'train', i));
      expect(verifyCountdown(r, r.optimal_solution).ok).toBe(true);
      expect(r.solved).toBe(r.solution !== null);
      if (r.solution) {
        expect(verifyCountdown(r, r.solution).ok).toBe(true);
        for (const s of r.solution) expect(r.trace).toContain(`try ${s} [`);
        expect(r.trace.trimEnd().endsWith(' goal')).toBe(true);
      } else expect(r.trace.trimEnd().endsWith('fail')).toBe(true);
      expect(r.trace.startsWith(`target ${r.target} [${r.nums.join(' ')}]\n`)).toBe(true);
    }
  });

  it('gives the test split distinct problems, and names the held-out space when it is too small', async () => {
    // 3 numbers in 1–4, one held-out target: a space small enough to count by brute force (as
    // number multisets: the same numbers in another order are the same prompt).
    const config: CountdownConfig = {
      ...SOS_COUNTDOWN,
      numbers: 3,
      numMin: 1,
      numMax: 4,
      minTarget: 5,
      maxTarget: 14,
    };
    const targets = splitTargets(config);
    expect(targets.test).toHaveLength(1);
    let space = 0;
    for (let a = 1; a <= 4; a++)
      for (let b = a; b <= 4; b++)
        for (let c = b; c <= 4; c++) if (findSolution([a, b, c], targets.test[0])) space++;
    const sorted = (nums: readonly number[]) => [...nums].sort((a, b) => a - b).join(' ');
    const opts = { config, targets, solver: 'dfs-sum', format: 'compact' as const };
    const draws = distinctDraws(opts, space, 'test');
    const keys = new Set<string>();
    for (let i = 0; i < space; i++) {
      const r = await makeRecord({ ...opts, draws: { test: draws } }, 'test', i);
      keys.add(`${sorted(r.nums)}=${r.target}`);
    }
    expect(keys.size).toBe(space);
    // Without the plan, the same number of draws repeats problems: what the plan exists to prevent.
    const plain = new Set<string>();
    for (let i = 0; i < space; i++) {
      const r = await makeRecord(opts, 'test', i);
      plain.add(`${sorted(r.nums)}=${r.target}`);
    }
    expect(plain.size).toBeLessThan(space);
    expect(distinctDraws(opts, space + 5, 'test', true)).toEqual(draws);
    expect(() => distinctDraws(opts, space + 1, 'test')).toThrowError(
      new RegExp(`only ${space} distinct test problems found`),
    );
  });

  it('holds out inputs as number multisets on train targets: train never draws one, test-inputs nothing else', async () => {
    const config: CountdownConfig = {
      ...SOS_COUNTDOWN,
      numbers: 3,
      numMax: 12,
      maxTarget: 40,
      heldOutInputFraction: 0.2,
    };
    const targets = splitTargets(config);
    const sorted = (nums: readonly number[]) => [...nums].sort((a, b) => a - b).join(' ');
    expect(inputSplit(config, [3, 7, 9], 20)).toBe(inputSplit(config, [9, 3, 7], 20));
    expect(inputSplit({ ...config, heldOutInputFraction: 0 }, [3, 7, 9], 20)).toBe('train');
    // About the asked fraction of all prompts, by the hash alone.
    let held = 0;
    for (let a = 1; a <= 12; a++)
      for (let t = 10; t <= 40; t++) if (inputSplit(config, [a, a + 1, 5], t) !== 'train') held++;
    expect(held / (12 * 31)).toBeGreaterThan(0.14);
    expect(held / (12 * 31)).toBeLessThan(0.26);

    const opts = { config, targets, solver: 'dfs-sum', format: 'compact' as const };
    const train = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const r = await makeRecord(opts, 'train', i);
      expect(inputSplit(config, r.nums, r.target)).toBe('train');
      train.add(`${sorted(r.nums)}=${r.target}`);
    }
    const draws = distinctDraws(opts, 60, 'test-inputs');
    const inputs = new Set<string>();
    for (let i = 0; i < draws.length; i++) {
      const r = await makeRecord({ ...opts, draws: { 'test-inputs': draws } }, 'test-inputs', i);
      expect(r.id).toBe(`test-inputs-${i}`);
      expect(targets.train).toContain(r.target);
      expect(inputSplit(config, r.nums, r.target)).toBe('test-inputs');
      expect(train.has(`${sorted(r.nums)}=${r.target}`)).toBe(false);
      inputs.add(`${sorted(r.nums)}=${r.target}`);
    }
    expect(inputs.size).toBe(60); // distinct as multisets: no permutation of one another
  });

  it('splits each held-out pool into disjoint validation and test parts', async () => {
    const config: CountdownConfig = {
      ...SOS_COUNTDOWN,
      numbers: 3,
      numMax: 12,
      maxTarget: 60,
      heldOutFraction: 0.3,
      heldOutInputFraction: 0.5,
      validationFraction: 1 / 3,
    };
    const targets = splitTargets(config);
    expect(targets.test).toHaveLength(10);
    expect(targets.valid).toHaveLength(5);
    const all = [...targets.train, ...targets.test, ...targets.valid].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 51 }, (_, i) => 10 + i)); // each value in exactly one split
    // Without validation, the test targets are those of before: the same shuffle, the same prefix.
    expect(splitTargets({ ...config, validationFraction: 0 }).test).toEqual([
      ...targets.test,
      ...targets.valid,
    ]);
    const counts = { train: 0, 'valid-inputs': 0, 'test-inputs': 0 };
    for (let a = 1; a <= 12; a++) for (let t = 10; t <= 60; t++) counts[inputSplit(config, [a, 2, 5], t)]++;
    const n = 12 * 51;
    expect(counts['valid-inputs'] / n).toBeGreaterThan(0.1); // ≈ 0.5 × 1/3
    expect(counts['valid-inputs'] / n).toBeLessThan(0.24);
    expect(counts['test-inputs'] / n).toBeGreaterThan(0.26); // ≈ 0.5 × 2/3
    expect(counts['test-inputs'] / n).toBeLessThan(0.4);
    const opts = { config, targets, solver: 'dfs-sum', format: 'compact' as const };
    for (const split of ['valid', 'valid-inputs'] as const) {
      const draws = distinctDraws(opts, 20, split);
      for (let i = 0; i < draws.length; i++) {
        const r = await makeRecord({ ...opts, draws: { [split]: draws } }, split, i);
        if (split === 'valid') expect(targets.valid).toContain(r.target);
        else expect(inputSplit(config, r.nums, r.target)).toBe('valid-inputs');
      }
    }
  });

  it('rejects a held-out-input fraction outside [0, 1)', () => {
    expect(() => validateConfig({ ...SOS_COUNTDOWN, heldOutInputFraction: 1 })).toThrowError(
      /'heldOutInputFraction' must be in \[0, 1\)/,
    );
  });
});
