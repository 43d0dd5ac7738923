import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import { generateCountdownFile } from '../countdown/generate.js';
import { type CountdownConfig, drawProblem, SOS_COUNTDOWN } from '../countdown/generator.js';
import { type CountdownRecord, drawRng } from '../countdown/record.js';
import { runSolver, SOS_SOLVERS } from '../countdown/solvers.js';
import type { RunConfig } from './config.js';

export interface TestProblem extends CountdownProblem {
  /** Whether any of SoS's 12 symbolic solvers solves it. */
  symbolic_solved: boolean;
}

export interface RunData {
  train: CountdownRecord[];
  test: TestProblem[];
}

export function countdownConfig(cfg: RunConfig): CountdownConfig {
  return { ...SOS_COUNTDOWN, ...cfg.countdown, distinct: false, seed: cfg.seed };
}

/** Problems drawn for meta-RL on `data.metaRlTargets`. */
const META_RL_POOL = 5000;

/**
 * The problems STaR and RL sample from: SFT's train problems, or with `data.metaRlTargets`, a pool
 * of solvable problems on those target values (drawn like the train split, from its own stream).
 */
export function metaRlProblems(
  cfg: RunConfig,
  train: readonly CountdownProblem[],
): readonly CountdownProblem[] {
  const own = cfg.data.metaRlTargets;
  if (!own) return train;
  const config = countdownConfig(cfg);
  const targets = Array.from({ length: own.max - own.min + 1 }, (_, i) => own.min + i);
  return Array.from({ length: META_RL_POOL }, (_, i) => {
    try {
      const p = drawProblem(config, targets, 'train', i, drawRng(config, 'metaRl', i));
      return { nums: p.nums, target: p.target };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new UserError(
        `field 'data.metaRlTargets': ${config.numbers} numbers in [${config.numMin}, ${config.numMax}] ` +
          `rarely or never reach targets ${own.min}–${own.max}; pick values closer to the task's`,
      );
    }
  });
}

/** Generates the run's problems and traces (train targets) and its held-out-target test problems. */
export async function buildData(
  cfg: RunConfig,
  dir: string,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'countdown.jsonl');
  if (!existsSync(file)) {
    await generateCountdownFile(file, {
      config: countdownConfig(cfg),
      trainCount: cfg.data.train,
      testCount: cfg.data.test,
      testUpTo: true,
      solver: cfg.data.solver,
      format: cfg.data.format,
      onProgress,
    });
  }
}

export async function loadData(dir: string): Promise<RunData> {
  const rows = readFileSync(join(dir, 'countdown.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as CountdownRecord);
  const test: TestProblem[] = [];
  for (const r of rows.filter((x) => x.split === 'test')) {
    let solved = false;
    for (const spec of SOS_SOLVERS) {
      // Each solver once, seeded by the problem: "solved by no solver in the training mix".
      if ((await runSolver(spec, r, new Rng(r.target * 1000 + r.nums[0]))).solution !== null) {
        solved = true;
        break;
      }
    }
    test.push({ nums: r.nums, target: r.target, symbolic_solved: solved });
  }
  return { train: rows.filter((x) => x.split === 'train'), test };
}
