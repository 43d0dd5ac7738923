/**
 * Which of several extracted answers (boxes) the verifier grades, and how. The default follows the reference
 * graders (Math-Verify, the Qwen2.5-Math and lm-eval MATH scripts): the last box is the answer, so a response
 * that corrects itself ("I first guessed \boxed{4}, but … \boxed{5}") is graded on its conclusion. Boxing
 * several answers cannot raise a reward under this rule (only one of them is graded), and a response with more
 * than MAX_DISTINCT_FINAL different boxes is degenerate and graded `hedged`. 'strict' keeps the older rule:
 * every box must equal a single-valued gold. Policies: docs/verifier.md, "Several answers".
 */
import { normalize } from './normalize.js';

export type BoxedPolicy = 'last' | 'strict';

/** More different boxed answers than this is a spray of guesses, not self-correction. */
export const MAX_DISTINCT_FINAL = 8;

export interface GoldShape {
  /** values the gold has: items of a list or set, parts of a tuple; 1 otherwise */
  arity: number;
  /** the gold is a list or a set (its boxes join into one unordered list) */
  collection: boolean;
  /** parts of a tuple gold, 0 for anything else */
  parts: number;
}

export type Final =
  /** grade this one answer */
  | { how: 'one'; answers: [string]; note?: string }
  /** grade the answers joined into one list */
  | { how: 'joined'; answers: string[] }
  /** strict: every answer must equal the gold */
  | { how: 'each'; answers: string[] }
  | { how: 'hedged'; answers: string[]; note: string };

/**
 * `lastArity` is the number of values the last answer states (needed only for a multi-valued gold): a last box
 * that states as many values as the gold has is the whole answer on its own (`\boxed{2, 4}` … `\boxed{2, 3}`
 * against `2, 3`).
 */
export function chooseFinal(
  answers: string[],
  gold: GoldShape,
  policy: BoxedPolicy,
  lastArity: number,
): Final {
  const n = answers.length;
  const last = answers[n - 1]!;
  if (n === 1) return { how: 'one', answers: [last] };
  const joinable = gold.collection || gold.parts === n;
  if (policy === 'strict') return joinable ? { how: 'joined', answers } : { how: 'each', answers };
  // a multi-valued gold whose last box does not restate it whole: the boxes together are the answer (a spray of
  // guesses fails on the count of values there)
  const whole = gold.arity < 2 || lastArity === gold.arity;
  if (!whole && joinable) return { how: 'joined', answers };
  const distinct = new Set(answers.map((a) => normalize(a).text)).size;
  if (distinct > MAX_DISTINCT_FINAL) {
    const note = `${distinct} different boxed answers (more than ${MAX_DISTINCT_FINAL})`;
    return { how: 'hedged', answers, note };
  }
  return distinct > 1
    ? { how: 'one', answers: [last], note: setAside(n - 1) }
    : { how: 'one', answers: [last] };
}

const setAside = (k: number): string => `graded the last boxed answer; ${k} earlier set aside`;
