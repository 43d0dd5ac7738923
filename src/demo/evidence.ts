import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { multisetKey } from '../countdown/arithmetic.js';
import type { TraceFormat } from '../countdown/linearize/format.js';
import { comparePaired, type PairedComparison } from '../eval/paired.js';
import type { TestProblem } from './data.js';
import { NO_TOOLS } from './eval-stage.js';
import { type EvalSummary, type Prediction, readPredictions, verified } from './evaluate.js';
import { goalChecks } from './goal-checks.js';
import { mean } from './metrics.js';
import type { TestSetResult } from './report.js';
import { type EvalSet, predictionFile } from './stages.js';

/** The meta-RL models the run may name as its choice, and the validation sets it chooses on. */
export const RL_CANDIDATES = ['metacot_rl', 'metacot_star'] as const;
export type RlChoice = (typeof RL_CANDIDATES)[number];
const VALIDATION: readonly EvalSet[] = ['valid', 'valid-inputs'];

/** "A beats B" claims the run tests, on every set both were evaluated on. */
const CLAIMS: ReadonlyArray<[string, string]> = [
  ['metacot', 'cot'],
  ['metacot', 'cot_resample'],
  [`metacot${NO_TOOLS}`, `cot${NO_TOOLS}`],
  ['metacot_star', 'metacot'],
  ['metacot_rl', 'metacot'],
];

export type Comparison = PairedComparison & { set: EvalSet };

/** A model's result on one set, read off its predictions file (re-verified) and the set's problems. */
export function setResult(
  e: EvalSummary,
  file: string,
  problems: readonly TestProblem[],
  format: TraceFormat,
): TestSetResult {
  const key = (p: { nums: readonly number[]; target: number }) => `${multisetKey(p.nums)}=${p.target}`;
  const unsolved = new Set(problems.filter((t) => !t.symbolic_solved).map(key));
  const preds = existsSync(file) ? readPredictions(file) : [];
  return {
    ...e,
    n_distinct: new Set(preds.map(key)).size,
    symbolic_unsolved: unsolved.size,
    solved_symbolic_unsolved: preds.filter((p) => verified(p) && unsolved.has(key(p))).length,
    goal_checks: goalChecks(preds, format),
    ...(preds.some((p) => p.tool_tokens !== undefined)
      ? { mean_tool_tokens: mean(preds.map((p) => p.tool_tokens ?? 0)) }
      : {}),
  };
}

/** Per-prompt outcomes of `key` on `set`, in the set's order; null when the model was not evaluated there. */
export function outcomes(
  dir: string,
  key: string,
  set: EvalSet,
): { preds: Prediction[]; solved: boolean[] } | null {
  const file = join(dir, predictionFile(key, set));
  if (!existsSync(file)) return null;
  const preds = readPredictions(file);
  return { preds, solved: preds.map(verified) };
}

/**
 * Every claim of `CLAIMS` on every set where both models have predictions: the paired difference,
 * its bootstrap interval, and McNemar's exact p. Predictions of two models must list the same
 * prompts in the same order (every evaluation walks the set in its order); anything else is an error.
 */
export function comparisons(dir: string, sets: readonly EvalSet[]): Comparison[] {
  const out: Comparison[] = [];
  for (const set of sets) {
    for (const [a, b] of CLAIMS) {
      const x = outcomes(dir, a, set);
      const y = outcomes(dir, b, set);
      if (!x || !y) continue;
      x.preds.forEach((p, i) => {
        const q = y.preds[i];
        if (!q || q.target !== p.target || multisetKey(q.nums) !== multisetKey(p.nums)) {
          throw new Error(
            `${set}: predictions of ${a} and ${b} differ at line ${i + 1}; rerun their evaluation`,
          );
        }
      });
      out.push({ set, ...comparePaired([a, b], x.solved, y.solved) });
    }
  }
  return out;
}

/**
 * The meta-RL model the run reports: of STaR and RL, the one that solves more validation prompts
 * (both validation sets pooled; RL on a tie). Test sets play no part in the choice.
 */
export function chooseRl(
  dir: string,
): { choice: RlChoice; validation: Partial<Record<RlChoice, number>> } | null {
  const validation: Partial<Record<RlChoice, number>> = {};
  for (const key of RL_CANDIDATES) {
    const all = VALIDATION.flatMap((set) => outcomes(dir, key, set)?.solved ?? []);
    if (all.length > 0) validation[key] = all.filter(Boolean).length / all.length;
  }
  const present = RL_CANDIDATES.filter((k) => validation[k] !== undefined);
  if (present.length === 0) return null;
  // RL_CANDIDATES lists RL first, so a tie keeps it.
  const choice = present.reduce((best, k) => (validation[k]! > validation[best]! ? k : best));
  return { choice, validation };
}
