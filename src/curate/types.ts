import type { AnswerType } from '../verify/verify.js';

/** The shapes every curation stage passes along: raw rows from a reader, mapped problems, signals. */

/** One row as a reader found it, with where it came from (1-based line; for Parquet, the row number). */
export type RawRow =
  | { kind: 'row'; file: string; line: number; value: Record<string, unknown> }
  | { kind: 'malformed'; file: string; line: number; message: string };

/** A problem mapped onto Big-Math's fields, before filtering. */
export interface ProblemRecord {
  problem: string;
  /** the gold answer as the verifier will read it, or null when the source has none */
  answer: string | null;
  /** where the answer came from: the answer field, or extracted from a solution (and by which rule) */
  answerFrom: 'field' | 'solution' | null;
  /** why there is no answer (for the missing_answer reason), when `answer` is null */
  answerNote: string | null;
  /** the verifier's reading of the answer: its type and canonical form (null when there is no answer) */
  answerType: AnswerType | null;
  answerCanonical: string | null;
  solution: string | null;
  source: string;
  domain: string | null;
  /** multiple-choice options found in option fields (`options`, `choices`, ...), as text */
  options: string | null;
  /** the option field's name, for the multiple-choice reason */
  optionsField: string | null;
  file: string;
  line: number;
}

/**
 * Named signals, one per filter. Every signal is computed for every row it applies to and stored
 * with its reason, so a user can audit a removal and decide which signals remove rows.
 */
export const SIGNALS = [
  'non_english',
  'hyperlink',
  'multiple_choice',
  'yes_no',
  'true_false',
  'multi_part',
  'proof',
  'figure',
  'missing_answer',
  'unparsable_answer',
  'exact_duplicate',
  'near_duplicate',
  'contaminated',
] as const;
export type SignalName = (typeof SIGNALS)[number];

/** Fired signals of one row: name → reason. A signal that did not fire is absent. */
export type Signals = Partial<Record<SignalName, string>>;

/** A rule-based filter: looks at one record and says why it fires, or null. Pure and synchronous. */
export interface RuleFilter {
  name: SignalName;
  /** one line for the report: what the filter looks for */
  description: string;
  check(record: ProblemRecord): string | null;
}
