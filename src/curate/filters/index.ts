import type { RuleFilter } from '../types.js';
import { missingAnswerFilter, unparsableAnswerFilter } from './answer.js';
import { figureFilter } from './figure.js';
import { hyperlinkFilter } from './hyperlink.js';
import { languageFilter } from './language.js';
import { multiPartFilter } from './multi-part.js';
import { multipleChoiceFilter } from './multiple-choice.js';
import { proofFilter } from './proof.js';
import { trueFalseFilter } from './true-false.js';
import { yesNoFilter } from './yes-no.js';

/** Every rule-based filter, in report order. Each is computed for every row; the config decides which remove. */
export const RULE_FILTERS: readonly RuleFilter[] = [
  languageFilter,
  hyperlinkFilter,
  multipleChoiceFilter,
  yesNoFilter,
  trueFalseFilter,
  multiPartFilter,
  proofFilter,
  figureFilter,
  missingAnswerFilter,
  unparsableAnswerFilter,
];
