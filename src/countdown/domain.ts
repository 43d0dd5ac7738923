import type { Domain } from '../core/domain.js';
import { applyStep, type CountdownProblem, type CountdownStep, combine, stepText } from './arithmetic.js';
import { multHeuristic, sumHeuristic } from './heuristics.js';
import { verifyCountdown } from './verify.js';

/** Countdown as a search domain. A state is the list of numbers still available, in SoS order. */
export const countdownDomain: Domain<CountdownProblem, number[], CountdownStep> = {
  name: 'countdown',
  initialState: (problem) => [...problem.nums],
  steps(nums) {
    const out: CountdownStep[] = [];
    for (let i = 0; i < nums.length; i++) {
      for (let j = i + 1; j < nums.length; j++) out.push(...combine(nums[i], nums[j]));
    }
    return out;
  },
  apply(nums, step) {
    // The step names its operands by value; find them (the larger may be either one).
    let i = nums.indexOf(step.a);
    let j = -1;
    for (let k = 0; k < nums.length; k++) {
      if (k !== i && nums[k] === step.b) {
        j = k;
        break;
      }
    }
    if (i < 0 || j < 0) throw new Error(`step ${stepText(step)} does not apply to [${nums.join(', ')}]`);
    if (j < i) [i, j] = [j, i];
    return applyStep(nums, i, j, step.result);
  },
  isTerminal: (nums) => nums.length === 1,
  isSolved: (nums, problem) => nums.length === 1 && nums[0] === problem.target,
  answer: (nums) => (nums.length === 1 ? String(nums[0]) : null),
  verifySolution: (problem, steps) => verifyCountdown(problem, steps),
  heuristics: {
    sum: (nums, problem) => sumHeuristic(nums, problem.target),
    mult: (nums, problem) => multHeuristic(nums, problem.target),
  },
  stepText,
};
