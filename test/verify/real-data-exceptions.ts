/**
 * Why a reference solution's extracted answer may legitimately fail to verify against its gold. Every exception
 * in real-data-exceptions.json carries one of these codes plus the extracted text, so each entry explains itself.
 * Regenerate after an intended verifier change with `npx tsx test/verify/update-exceptions.ts` and review the diff.
 */
export const EXCEPTION_REASONS = {
  'proof-style':
    'OlympiadBench reference solutions are proofs: the answer is stated in prose (often first), and the last formula is a proof step, not the answer',
  'answer-phrase-is-prose':
    'the solution says "the answer is" about something other than the final value (ARML relay answers in terms of T, "the answer is reasonable", ...)',
  'carp-intermediate':
    'CARP steps end with an intermediate formula or a condition, not with the value the gold records',
  'carp-gold-sign':
    'CARP gold lost the minus sign: the steps conclude with -gold (e.g. "m = -7" for gold "7")',
  'asdiv-word-answer':
    'ASDiv gold is a word, time or ordinal ("Yes", "Bryan", "3:30 p.m.", "6th") that the arithmetic formula cannot state',
  'asdiv-formula-not-answer':
    'ASDiv formula is an equation to solve, a remainder division ("47/6=7 r5"), a sequence, or a proportion whose last term is not the asked quantity',
  'aqua-no-letter': 'AQuA rationale never names the option letter (ends with a number or prose)',
  'dataset-error': 'the source row is inconsistent: its solution computes a different value than its gold',
} as const;

export type ExceptionCode = keyof typeof EXCEPTION_REASONS;

export interface ExceptionEntry {
  source: string;
  id: string;
  code: ExceptionCode;
  gold: string;
  extracted: string | null;
}
