/** True/false questions: the answer is true/false (or correct/incorrect), or the problem asks "true or false". */
import type { ProblemRecord, RuleFilter } from '../types.js';
import { answerWords } from './yes-no.js';

const TRUE_FALSE_ANSWER = /^(?:true|false|correct|incorrect)(?:\s*[,.;:!]|$)/;
const ASKS_TRUE_FALSE =
  /\btrue\s+or\s+false\b(?!\s+(?:questions?|statements?|items?|problems?|sections?|tests?|quiz))|\btrue\s*\/\s*false\s*(?:[?):]|$)|\(\s*t\s*\/\s*f\s*\)|\bwhether\s+(?:the\s+following\s+|the\s+|this\s+|each\s+)?(?:statement|proposition|claim)s?\s+(?:is|are)\s+(?:true|correct)\b/im;

export const trueFalseFilter: RuleFilter = {
  name: 'true_false',
  description: 'answer is true/false (or correct/incorrect), or the problem asks "true or false"',
  check(r: ProblemRecord) {
    if (r.answer !== null && r.answerType !== 'number') {
      if (TRUE_FALSE_ANSWER.test(answerWords(r.answer))) return `answer is '${r.answer.trim().slice(0, 40)}'`;
    }
    const m = ASKS_TRUE_FALSE.exec(r.problem);
    return m ? `problem asks '${m[0]}'` : null;
  },
};
