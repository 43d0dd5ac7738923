/**
 * The verifier is an RL reward: a policy will find every near miss it pays for. Seeded fuzz over real MATH-500
 * golds and synthetic ones: every value-changing perturbation (tiny, hidden under huge or tiny scales, in
 * exponents, radicals, logarithms, trigonometry of huge arguments, 1-ulp constants, at far-out points only) must
 * be rejected, and every value-preserving rewrite (commuting, fractions, factoring, expanding, radicals, huge exact
 * values, identities) must be accepted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSymbolicEngine } from '../../src/verify/symbolic.js';
import { verify } from '../../src/verify/verify.js';
import {
  perturbations,
  realGolds,
  rewrites,
  SYNTHETIC_GOLDS,
  seeded,
  type Variant,
} from './equivalence-fuzz.js';

beforeAll(async () => {
  await loadSymbolicEngine();
});

function run(
  golds: string[],
  make: (g: string, rnd: () => number) => Variant[],
  want: boolean,
  seed: number,
) {
  const rnd = seeded(seed);
  const wrong: string[] = [];
  let checked = 0;
  for (const gold of golds) {
    for (const v of make(gold, rnd)) {
      checked++;
      const r = verify({ gold, response: `So the answer is $\\boxed{${v.response}}$.` });
      if (r.correct !== want)
        wrong.push(`[${v.kind}] gold ${gold} · response ${v.response} → ${r.reason} ${r.detail ?? ''}`);
    }
  }
  return { wrong, checked };
}

describe('equivalence fuzz', () => {
  const golds = [...SYNTHETIC_GOLDS, ...realGolds()];

  it('uses real golds when ../shared/data is present', () => {
    expect(golds.length).toBeGreaterThanOrEqual(SYNTHETIC_GOLDS.length);
  });

  it('rejects every perturbation', () => {
    const { wrong, checked } = run(golds, perturbations, false, 19);
    expect(checked).toBeGreaterThan(golds.length * 15);
    expect(wrong).toEqual([]);
  });

  it('accepts every rewrite', () => {
    const { wrong, checked } = run(golds, rewrites, true, 20);
    expect(checked).toBeGreaterThan(golds.length * 12);
    expect(wrong).toEqual([]);
  });
});
