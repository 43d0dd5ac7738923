/**
 * Gold answers: read from a source's answer field, or extracted from its solution with the
 * verifier's own extraction, then read by the verifier's parser so that "the answer parses" means
 * exactly what it means at reward time.
 */
import { type ExtractionRule, extract } from '../verify/extract.js';
import type { AnswerType } from '../verify/verify.js';
import { DEFAULT_MAX_ANSWER_CHARS, explainAnswer } from '../verify/verify.js';

/** Extraction rules for worked solutions: a box, GSM8K's `####`, "the answer is". Never "last expression", which would guess. */
export const SOLUTION_RULES: readonly ExtractionRule[] = ['boxed', 'gsm8k', 'final_answer'];

export interface Gold {
  answer: string | null;
  from: 'field' | 'solution' | null;
  /** when the answer field held a worked solution (GSM8K's "... #### 18"), that text */
  solutionText: string | null;
  note: string | null;
}

/** The text of an answer field value; numbers lose a trailing `.0` (27.0 → "27"), lists are joined. */
export function answerText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (Array.isArray(v)) {
    const parts = v.map(answerText).filter((x): x is string => x !== null);
    return parts.length === 0 ? null : parts.join(', ');
  }
  return null;
}

/** A worked solution hiding in an answer field: several lines ending in `#### x`, or prose around a box. */
function looksLikeSolution(text: string): boolean {
  if (/####/.test(text)) return true;
  return (
    /\\(?:boxed|fbox)\b/.test(text) &&
    (text.includes('\n') || text.replace(/\\(?:boxed|fbox)\s*\{.*\}/s, '').trim().length > 40)
  );
}

/** The final answer of a worked solution, or why there is none. Several different boxes are ambiguous. */
export function answerFromSolution(solution: string): { answer: string | null; note: string | null } {
  const ex = extract(solution, SOLUTION_RULES);
  if (!ex) return { answer: null, note: 'no \\boxed{}, #### or "the answer is" in the solution' };
  const distinct = [...new Set(ex.answers.map((a) => a.trim()))];
  if (ex.rule === 'boxed' && distinct.length > 1) {
    return { answer: null, note: `${distinct.length} different \\boxed{} answers in the solution` };
  }
  return { answer: distinct[0]!, note: null };
}

export function resolveGold(answerValue: unknown, solution: string | null): Gold {
  const text = answerText(answerValue);
  if (text !== null) {
    if (!looksLikeSolution(text)) return { answer: text, from: 'field', solutionText: null, note: null };
    const got = answerFromSolution(text);
    return { answer: got.answer, from: got.answer ? 'field' : null, solutionText: text, note: got.note };
  }
  if (solution !== null && solution.trim() !== '') {
    const got = answerFromSolution(solution);
    return { answer: got.answer, from: got.answer ? 'solution' : null, solutionText: null, note: got.note };
  }
  return { answer: null, from: null, solutionText: null, note: 'no answer field and no solution' };
}

/**
 * The verifier's reading of a gold answer. `text` means its parser could not read it as mathematics.
 * Past the verifier's answer limit it is refused unread, as `verify()` would refuse it at reward time.
 */
export function readAnswer(answer: string): { type: AnswerType; canonical: string } {
  if (answer.length > DEFAULT_MAX_ANSWER_CHARS) return { type: 'text', canonical: '' };
  return explainAnswer(answer);
}
