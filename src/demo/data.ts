import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import { generateCountdownFile } from '../countdown/generate.js';
import {
  type CountdownConfig,
  drawProblem,
  type HeldOutSplit,
  SOS_COUNTDOWN,
} from '../countdown/generator.js';
import { type CountdownRecord, drawRng } from '../countdown/record.js';
import { runSolver, SOS_SOLVERS } from '../countdown/solvers.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import type { RunConfig } from './config.js';
import { textExample } from './examples.js';

export interface TestProblem extends CountdownProblem {
  /** Whether any of SoS's 12 symbolic solvers solves it. */
  symbolic_solved: boolean;
}

export interface RunData {
  train: CountdownRecord[];
  /** Problems on held-out target values. */
  test: TestProblem[];
  /** Held-out inputs: problems on train targets whose numbers training never saw (empty unless held out). */
  testInputs: TestProblem[];
  /** The validation sets, disjoint from the test sets: other held-out target values, other held-out inputs. */
  valid: TestProblem[];
  validInputs: TestProblem[];
}

export function countdownConfig(cfg: RunConfig): CountdownConfig {
  return { ...SOS_COUNTDOWN, ...cfg.countdown, distinct: false, seed: cfg.seed };
}

/** Problems drawn for meta-RL on `data.metaRlTargets`. */
const META_RL_POOL = 5000;

/**
 * The problems STaR or RL sample from (`pool`): SFT's train problems, those of them whose teacher
 * search does not fit `data.maxTokens` (`beyond-teacher`: never in Meta-CoT's training, as
 * `overLimit` says), or with `data.metaRlTargets`, a pool of solvable problems on those target
 * values (drawn like the train split, from its own stream).
 */
export function metaRlProblems(
  cfg: RunConfig,
  train: readonly CountdownRecord[],
  tokenizer: Tokenizer,
  pool: 'train' | 'beyond-teacher' = 'train',
): readonly CountdownProblem[] {
  const own = cfg.data.metaRlTargets;
  const overLimit = (r: CountdownRecord) =>
    textExample(tokenizer, r.trace).tokens.length > cfg.data.maxTokens;
  if (!own) return pool === 'train' ? train : train.filter(overLimit);
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

/** Generates the run's problems and traces (train targets) and its two test sets: held-out targets and inputs. */
export async function buildData(
  cfg: RunConfig,
  dir: string,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'countdown.jsonl');
  const inputsHeld = cfg.countdown.heldOutInputFraction > 0;
  const validated = cfg.countdown.validationFraction > 0;
  if (!existsSync(file)) {
    await generateCountdownFile(file, {
      config: countdownConfig(cfg),
      trainCount: cfg.data.train,
      testCount: cfg.data.test,
      testInputsCount: inputsHeld ? cfg.data.testInputs : 0,
      validCount: validated ? cfg.data.valid : 0,
      validInputsCount: validated && inputsHeld ? cfg.data.validInputs : 0,
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
  const testSet = async (split: HeldOutSplit) => {
    const out: TestProblem[] = [];
    for (const r of rows.filter((x) => x.split === split)) {
      out.push({ nums: r.nums, target: r.target, symbolic_solved: await symbolicSolved(r) });
    }
    return out;
  };
  return {
    train: rows.filter((x) => x.split === 'train'),
    test: await testSet('test'),
    testInputs: await testSet('test-inputs'),
    valid: await testSet('valid'),
    validInputs: await testSet('valid-inputs'),
  };
}

/** Whether any solver of the training mix solves the problem, each run once, seeded by the problem. */
async function symbolicSolved(p: CountdownProblem): Promise<boolean> {
  for (const spec of SOS_SOLVERS) {
    if ((await runSolver(spec, p, new Rng(p.target * 1000 + p.nums[0]))).solution !== null) return true;
  }
  return false;
}
