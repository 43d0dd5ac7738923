import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedsTable } from './seeds.js';

const tmp = mkdtempSync(join(tmpdir(), 'metacot-seeds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const set = (accuracy: number, n: number) => ({
  accuracy,
  ci95: [accuracy - 0.05, accuracy + 0.05],
  n_eval: n,
});
const claim = (set: string, a: string, b: string, diff: number, p: number) => ({
  set,
  a,
  b,
  diff,
  p_mcnemar: p,
});

function run(seed: number, metacot: number, rl: number, extra: object = {}): string {
  const dir = join(tmp, `seed${seed}`);
  mkdirSync(dir, { recursive: true });
  const results = {
    config: { seed },
    models: {
      cot: { ...set(0.1, 500), held_out_inputs: set(0.3, 600) },
      metacot: { ...set(metacot, 500), held_out_inputs: set(metacot + 0.1, 600) },
      metacot_rl: { ...set(rl, 500), held_out_inputs: set(rl + 0.1, 600) },
    },
    comparisons: [
      claim('inputs', 'metacot', 'cot', metacot - 0.2, 1e-9),
      claim('inputs', 'metacot_rl', 'metacot', rl - metacot, 0.01),
      claim('targets', 'metacot_rl', 'metacot', rl - metacot, 0.2),
    ],
    rl_choice: 'metacot_rl',
    ...extra,
  };
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

describe('metacot seeds', () => {
  it('tabulates each seed and the mean, with each claim and the chosen meta-RL model', () => {
    const table = seedsTable([run(0, 0.5, 0.56), run(1, 0.6, 0.62)]);
    expect(table).toMatch(
      /\| Meta-CoT \(stream of search\) \| 60\.0 \(55\.0–65\.0\) \| 70\.0 \(65\.0–75\.0\) \| 65\.0 \|/,
    );
    expect(table).toMatch(
      /\| metacot_rl vs metacot \| \+6\.0 \(p 0\.010\) \| \+2\.0 \(p 0\.010\) \| \+4\.0 \|/,
    );
    expect(table).toMatch(
      /\| rl_choice vs metacot \| \+6\.0 \(p 0\.010\) \| \+2\.0 \(p 0\.010\) \| \+4\.0 \|/,
    );
    expect(table).toMatch(/metacot vs cot \| \+30\.0 \(p 1e-9\)/);
    expect(table).toMatch(/meta-RL model chosen on validation: seed 0: metacot_rl, seed 1: metacot_rl/);
  });

  it('refuses folders without test results', () => {
    expect(() => seedsTable([join(tmp, 'nowhere')])).toThrowError(/no results\.json/);
    expect(() =>
      seedsTable([run(7, 0.5, 0.5, { top_level_set: 'validation: held-out targets' })]),
    ).toThrowError(/validation-only/);
    expect(() => seedsTable([run(8, 0.5, 0.5, { comparisons: undefined })])).toThrowError(/no 'comparisons'/);
  });
});
