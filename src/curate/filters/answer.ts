/**
 * Gold answers a reward can use: present, and read by the verifier's parser as mathematics. A
 * "text" reading (names, prose, "all real numbers") cannot be checked against a model's answer.
 */
import type { ProblemRecord, RuleFilter } from '../types.js';

export const missingAnswerFilter: RuleFilter = {
  name: 'missing_answer',
  description: 'no gold answer: no answer field, and none the verifier can extract from the solution',
  check(r: ProblemRecord) {
    return r.answer === null ? (r.answerNote ?? 'no answer') : null;
  },
};

export const unparsableAnswerFilter: RuleFilter = {
  name: 'unparsable_answer',
  description: "the verifier's parser reads the gold answer as text, not mathematics",
  check(r: ProblemRecord) {
    if (r.answer === null) return null;
    if (r.answerType === 'text') return `verifier reads '${r.answer.slice(0, 60)}' as text`;
    return null;
  },
};
