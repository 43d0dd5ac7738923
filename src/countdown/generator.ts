import { UserError } from '../core/errors.js';
import { hash32, Rng } from '../core/rng.js';
import { type CountdownProblem, type CountdownStep, sortedNums } from './arithmetic.js';
import { findSolution } from './solve.js';

/** How Countdown problems are drawn. Defaults are Stream of Search's 4-number task. */
export interface CountdownConfig {
  /** How many input numbers (k). */
  numbers: number;
  /** Input numbers are uniform in [numMin, numMax]; SoS: [1, maxTarget − 1]. */
  numMin: number;
  numMax: number;
  /** Targets are drawn from [minTarget, maxTarget]; SoS: 10–100. */
  minTarget: number;
  maxTarget: number;
  /** Fraction of target values held out for the test split (SoS: 0.1). */
  heldOutFraction: number;
  /**
   * Fraction of prompts (number multiset and train target) held out of training for the
   * `test-inputs` split: SoS's other test set, unseen inputs on targets the model trained on. 0: none.
   */
  heldOutInputFraction: number;
  /**
   * Share of each held-out pool that is validation instead of test: of the held-out target values
   * (split `valid`) and of the held-out inputs (split `valid-inputs`). Choices are made on validation,
   * so the test sets are read once per configuration. 0: no validation splits.
   */
  validationFraction: number;
  /** Draw the input numbers without replacement. */
  distinct: boolean;
  seed: number;
}

export const SOS_COUNTDOWN: CountdownConfig = {
  numbers: 4,
  numMin: 1,
  numMax: 99,
  minTarget: 10,
  maxTarget: 100,
  heldOutFraction: 0.1,
  heldOutInputFraction: 0,
  validationFraction: 0,
  distinct: false,
  seed: 0,
};

/**
 * `test`: problems on held-out target values; `test-inputs`: held-out prompts on train targets
 * (SoS's "held-out inputs", its 51.27% vs 25.73% headline). `valid` and `valid-inputs` are drawn
 * the same way from disjoint pools (other held-out target values, other held-out prompts).
 */
export type Split = 'train' | HeldOutSplit;
export type HeldOutSplit = 'valid' | 'test' | 'valid-inputs' | 'test-inputs';
export const HELD_OUT_SPLITS: readonly HeldOutSplit[] = ['valid', 'valid-inputs', 'test', 'test-inputs'];

/** Whether a split holds out target values (`valid`, `test`) rather than inputs on train targets. */
export function onHeldOutTargets(split: Split): boolean {
  return split === 'valid' || split === 'test';
}

/** Per-problem draws before giving up: far above what any sane config needs (SoS's task: ~1.4 on average). */
export const MAX_DRAWS = 20_000;

/** Checks a config can produce problems; throws a UserError naming the field otherwise. */
export function validateConfig(c: CountdownConfig): void {
  const int = (name: keyof CountdownConfig, min: number) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UserError(`countdown config: '${name}' must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  int('numbers', 2);
  int('numMin', 0);
  int('numMax', 0);
  int('minTarget', 0);
  int('maxTarget', 0);
  if (c.numbers > 6)
    throw new UserError(`countdown config: 'numbers' ≤ 6 (the search tree explodes), got ${c.numbers}`);
  if (c.numMin > c.numMax) throw new UserError(`countdown config: numMin ${c.numMin} > numMax ${c.numMax}`);
  if (c.minTarget > c.maxTarget) {
    throw new UserError(`countdown config: minTarget ${c.minTarget} > maxTarget ${c.maxTarget}`);
  }
  if (c.distinct && c.numbers > c.numMax - c.numMin + 1) {
    throw new UserError(
      `countdown config: ${c.numbers} distinct numbers cannot be drawn from [${c.numMin}, ${c.numMax}]`,
    );
  }
  if (!(c.heldOutFraction >= 0 && c.heldOutFraction < 1)) {
    throw new UserError(`countdown config: 'heldOutFraction' must be in [0, 1), got ${c.heldOutFraction}`);
  }
  if (!(c.validationFraction >= 0 && c.validationFraction < 1)) {
    throw new UserError(
      `countdown config: 'validationFraction' must be in [0, 1), got ${c.validationFraction}`,
    );
  }
  if (!(c.heldOutInputFraction >= 0 && c.heldOutInputFraction < 1)) {
    throw new UserError(
      `countdown config: 'heldOutInputFraction' must be in [0, 1), got ${c.heldOutInputFraction}`,
    );
  }
}

/**
 * Splits target values as SoS does: shuffle all targets with the seed, hold out the first
 * fraction (the last `validationFraction` of those for validation, the rest for test). Held-out
 * problems only ever use held-out targets, so a model never trained on them.
 */
export function splitTargets(c: CountdownConfig): Record<Split, number[]> {
  const all: number[] = [];
  for (let t = c.minTarget; t <= c.maxTarget; t++) all.push(t);
  new Rng(c.seed).shuffle(all);
  const nHeld = Math.floor(all.length * c.heldOutFraction);
  const nTest = nHeld - Math.round(nHeld * c.validationFraction);
  const train = all.slice(nHeld);
  return {
    train,
    test: all.slice(0, nTest),
    valid: all.slice(nTest, nHeld),
    'test-inputs': train,
    'valid-inputs': train,
  };
}

/**
 * Which split a prompt on a train target belongs to (`heldOutInputFraction`, `validationFraction`):
 * a hash of the seed, the target and the numbers in sorted order, so the same numbers in another
 * order go together, and the answer does not depend on which stream drew them.
 */
export function inputSplit(
  c: CountdownConfig,
  nums: readonly number[],
  target: number,
): 'train' | 'valid-inputs' | 'test-inputs' {
  if (c.heldOutInputFraction === 0) return 'train';
  let h = hash32(c.seed, target);
  for (const n of sortedNums(nums)) h = hash32(h, n);
  const u = h / 2 ** 32;
  if (u >= c.heldOutInputFraction) return 'train';
  return u < c.heldOutInputFraction * c.validationFraction ? 'valid-inputs' : 'test-inputs';
}

export interface DrawnProblem extends CountdownProblem {
  split: Split;
  /** The first solution an exhaustive search finds: proof of solvability and the CoT baseline's path. */
  reference: CountdownStep[];
}

/**
 * Draws one solvable problem for `split`, deterministically from (seed, split, index): a target
 * from the split's targets, then numbers until an exhaustive search finds a solution.
 */
export function drawProblem(c: CountdownConfig, targets: number[], split: Split, index: number, rng: Rng) {
  if (targets.length === 0) {
    throw new UserError(
      `countdown config: no ${split} targets (targets ${c.minTarget}–${c.maxTarget}, held-out fraction ${c.heldOutFraction})`,
    );
  }
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const target = rng.choice(targets);
    const nums = drawNumbers(c, rng);
    // Train never draws a held-out input; each held-out-input split draws only its own.
    if (!onHeldOutTargets(split) && inputSplit(c, nums, target) !== split) continue;
    const reference = findSolution(nums, target);
    if (reference) return { nums, target, split, reference } satisfies DrawnProblem;
  }
  throw new UserError(
    `countdown config: no solvable ${split} problem found in ${MAX_DRAWS} draws (problem ${index}): ` +
      `${c.numbers} numbers in [${c.numMin}, ${c.numMax}] rarely reach targets ${c.minTarget}–${c.maxTarget}`,
  );
}

function drawNumbers(c: CountdownConfig, rng: Rng): number[] {
  if (!c.distinct) return Array.from({ length: c.numbers }, () => rng.intBetween(c.numMin, c.numMax));
  const picked = new Set<number>();
  while (picked.size < c.numbers) picked.add(rng.intBetween(c.numMin, c.numMax));
  return [...picked];
}
