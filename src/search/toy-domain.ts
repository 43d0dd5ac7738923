import type { Domain } from '../core/domain.js';

/**
 * A small asynchronous domain for tests: reach `goal` from 1 with steps "+1", "*2" and "+3",
 * within `depth` steps. Its steps resolve on a later tick, as an LLM's sampled steps would, so the
 * searches are exercised on an async domain as well as on Countdown's synchronous one.
 */
export interface ToyProblem {
  goal: number;
  depth: number;
}

export interface ToyState {
  value: number;
  depth: number;
}

export const toyDomain: Domain<ToyProblem, ToyState, string> = {
  name: 'toy',
  initialState: () => ({ value: 1, depth: 0 }),
  steps: (s) =>
    new Promise((resolve) => setImmediate(() => resolve(s.value > 1000 ? [] : ['+1', '*2', '+3']))),
  apply: (s, step) => ({ value: applyToy(s.value, step), depth: s.depth + 1 }),
  isTerminal: (s, p) => s.value === p.goal || s.depth >= p.depth,
  isSolved: async (s, p) => s.value === p.goal,
  verifySolution(p, steps) {
    if (steps.length > p.depth) return { ok: false, reason: 'too many steps' };
    const v = steps.reduce((acc, s) => applyToy(acc, s), 1);
    return v === p.goal ? { ok: true } : { ok: false, reason: `reaches ${v}, not ${p.goal}` };
  },
  heuristics: { distance: (s, p) => Math.abs(p.goal - s.value) },
  stepText: (s) => s,
};

function applyToy(v: number, step: string): number {
  if (step === '+1') return v + 1;
  if (step === '*2') return v * 2;
  if (step === '+3') return v + 3;
  throw new Error(`unknown toy step ${step}`);
}
