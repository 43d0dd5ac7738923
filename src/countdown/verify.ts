import type { SolutionCheck } from '../core/domain.js';
import { type CountdownProblem, type CountdownStep, evaluate, parseStep, stepText } from './arithmetic.js';

/**
 * Re-checks a Countdown solution from scratch: every step's arithmetic is right under the rules
 * (non-negative subtraction, exact division), uses only numbers still available, and the last
 * remaining number is the target with every input used.
 */
export function verifyCountdown(
  problem: CountdownProblem,
  solution: ReadonlyArray<string | CountdownStep>,
): SolutionCheck {
  const available = [...problem.nums];
  for (let k = 0; k < solution.length; k++) {
    const raw = solution[k];
    const step = typeof raw === 'string' ? parseStep(raw) : raw;
    const shown = typeof raw === 'string' ? raw : stepText(raw);
    if (!step) return { ok: false, reason: `step ${k + 1} '${shown}' is not of the form a op b=c`, step: k };
    const truth = evaluate(step.a, step.op, step.b);
    if (truth === null) return { ok: false, reason: `step ${k + 1} '${shown}' is not allowed`, step: k };
    if (truth !== step.result) {
      return {
        ok: false,
        reason: `step ${k + 1} '${shown}' is wrong: ${step.a}${step.op}${step.b}=${truth}`,
        step: k,
      };
    }
    for (const operand of [step.a, step.b]) {
      const i = available.indexOf(operand);
      if (i < 0) {
        return {
          ok: false,
          reason: `step ${k + 1} '${shown}' uses ${operand}, which is not available`,
          step: k,
        };
      }
      available.splice(i, 1);
    }
    available.push(step.result);
  }
  if (available.length !== 1) {
    return { ok: false, reason: `${available.length} numbers remain; a solution uses every number` };
  }
  if (available[0] !== problem.target) {
    return { ok: false, reason: `the result is ${available[0]}, not the target ${problem.target}` };
  }
  return { ok: true };
}
