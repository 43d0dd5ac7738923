/**
 * Yes/no questions: the answer is yes or no, the problem asks "yes or no", or — when the answer
 * does not settle it (missing, or prose) — the final question opens with an auxiliary verb
 * ("Is it possible …?"). A numeric answer shows a question like "Can you find x?" is not yes/no.
 */
import { finalQuestion } from '../text.js';
import type { ProblemRecord, RuleFilter } from '../types.js';

/** The answer's words: `\text{}`, `$`, `\boxed{}` wrappers and trailing punctuation gone, lower case. */
export function answerWords(answer: string): string {
  return answer
    .replace(/\\(?:text|textbf|mathrm|mbox|boxed)\s*\{([^}]*)\}/g, '$1')
    .replace(/[$\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const YES_NO_ANSWER =
  /^(?:yes|no)(?:\s*[,.;:!]|$)|^(?:yes|no)\s+(?:it|they|there|the|he|she|because|since|we|this|that)\b/;
/** "yes or no", "(yes/no)"; not "yes/no questions" in a story */
const ASKS_YES_NO =
  /\b(?:yes\s+or\s+no|yes\s*\/\s*no)\b(?!["'”]?\s+(?:questions?|answers?))|\(\s*yes\s*\/\s*no\s*\)/i;
const AUXILIARY =
  /^(?:is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|must|may|might)\s/i;

export const yesNoFilter: RuleFilter = {
  name: 'yes_no',
  description:
    'answer is yes/no, the problem asks "yes or no", or an unanswered final question opens with is/are/do/can…',
  check(r: ProblemRecord) {
    if (r.answer !== null && YES_NO_ANSWER.test(answerWords(r.answer))) {
      return `answer is '${r.answer.trim().slice(0, 40)}'`;
    }
    const asks = ASKS_YES_NO.exec(r.problem);
    if (asks) return `problem asks '${asks[0]}'`;
    if (r.answerType === null || r.answerType === 'text') {
      const q = finalQuestion(r.problem);
      if (q.endsWith('?') && AUXILIARY.test(q)) return `final question is yes/no: '${q.slice(0, 60)}'`;
    }
    return null;
  },
};
