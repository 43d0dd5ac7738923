/**
 * verify({ gold, response }): extract the final answer from a model response and decide whether it equals the
 * gold answer. Synchronous and in-process: for trusted inputs and tests. Use VerifierPool for untrusted input
 * (hard per-check timeouts).
 *
 * ```ts
 * import { verify } from 'metacot';
 * verify({ gold: '\\frac{1}{2}', response: 'so the answer is $\\boxed{0.5}$' });
 * // → { correct: true, reason: 'equal', extracted: '0.5', rule: 'boxed', goldType: 'number', method: 'exact', ... }
 * ```
 */
import {
  type AnswerType,
  arity,
  compareParsed,
  type Parsed,
  type ParseOptions,
  parseAnswer,
  typeOf,
} from './answer.js';
import { show } from './ast.js';
import { type CompareOptions, DEFAULT_COMPARE, type Method } from './compare.js';
import { DEFAULT_PRIORITY, type ExtractionRule, extract, stripThinking } from './extract.js';
import { type BoxedPolicy, chooseFinal } from './final-answer.js';

export type { AnswerType } from './answer.js';
export { MAX_DISTINCT_FINAL } from './final-answer.js';

export type Reason =
  | 'equal'
  | 'not_equal'
  | 'no_answer'
  | 'hedged'
  | 'gold_unparsable'
  | 'input_too_large'
  | 'invalid_input'
  | 'timeout'
  | 'error';

export interface VerifyInput {
  gold: string;
  response: string;
}

export interface VerifyOptions extends Partial<CompareOptions> {
  /** extraction rules to try, in order; the first that finds an answer wins */
  priority?: readonly ExtractionRule[];
  /** responses longer than this (in characters) are refused with `input_too_large` */
  maxResponseChars?: number;
  /** extracted answers and golds longer than this are refused */
  maxAnswerChars?: number;
  /**
   * several boxed answers: 'last' (default, the reference graders' convention) grades the final one, and a
   * response with more than MAX_DISTINCT_FINAL different ones is hedged; 'strict' requires every box to equal a
   * single-valued gold, so two different boxes are hedged ('all' is the old name of 'strict'). Empty and
   * placeholder boxes never count. Several boxes against a multi-valued gold: docs/verifier.md, "Several answers"
   */
  boxed?: BoxedPolicy | 'all';
}

export interface VerifyResult {
  correct: boolean;
  reason: Reason;
  /** the answer graded (several boxed answers graded together are joined with ' ; '), or null */
  extracted: string | null;
  /** which extraction rule fired */
  rule: ExtractionRule | null;
  goldType: AnswerType | null;
  method: Method | null;
  /** a human-readable detail for not-equal and failure results, and when earlier boxed answers were set aside */
  detail?: string;
}

export const DEFAULT_MAX_RESPONSE_CHARS = 1_000_000;
export const DEFAULT_MAX_ANSWER_CHARS = 5_000;
/** more boxed answers than this is degenerate output, not a multi-part answer */
export const MAX_ANSWERS = 64;

/** Where a multiple-choice response names its option when no rule found a letter: the last such mention wins. */
const CHOICE_PATTERNS: RegExp[] = [
  /\b(?:answer|ans|option|choice)\b[^A-Za-z\n]{0,12}(?:(?:is|will\s+be|should\s+be|must\s+be)\b[^A-Za-z\n]{0,6})?\(?([A-J])(?![A-Za-z])/gi,
  /(?<![A-Za-z])\(?([A-J])\)?\s+(?:is|must\s+be|would\s+be)\s+(?:the\s+)?(?:correct|right|answer|true)/g,
  /(?:^|\n)[\s>=.:*-]*(?:thus|hence|so)?[\s,]*\(?([A-J])\)?[.)\s]*$/gi,
  /=\s*([A-J])\s*$/g,
];

function choiceFallback(text: string): string | null {
  let best: { at: number; letter: string } | null = null;
  for (const re of CHOICE_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const letter = m[1]!;
      if (letter !== letter.toUpperCase()) continue;
      if (!best || m.index >= best.at) best = { at: m.index, letter };
    }
  }
  return best ? best.letter : null;
}

export function verify(input: VerifyInput, options: VerifyOptions = {}): VerifyResult {
  const base = { extracted: null, rule: null, goldType: null, method: null } as const;
  if (typeof input?.gold !== 'string' || typeof input?.response !== 'string') {
    return { ...base, correct: false, reason: 'invalid_input', detail: 'gold and response must be strings' };
  }
  const maxResponse = options.maxResponseChars ?? DEFAULT_MAX_RESPONSE_CHARS;
  const maxAnswer = options.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
  if (input.response.length > maxResponse) {
    return {
      ...base,
      correct: false,
      reason: 'input_too_large',
      detail: `response over ${maxResponse} chars`,
    };
  }
  if (input.gold.length > maxAnswer) {
    return { ...base, correct: false, reason: 'input_too_large', detail: `gold over ${maxAnswer} chars` };
  }
  const o: CompareOptions = { ...DEFAULT_COMPARE, ...stripUndefined(options) };
  const gold = parseAnswer(input.gold, { forGold: true });
  const goldType = typeOf(gold);
  if (gold.text === '')
    return { ...base, goldType, correct: false, reason: 'gold_unparsable', detail: 'empty gold' };

  // a reasoning block that never closed is a truncated response: whatever it boxed was scratch work
  if (input.response.includes('<think>') && !input.response.includes('</think>')) {
    return {
      ...base,
      goldType,
      correct: false,
      reason: 'no_answer',
      detail: 'unfinished reasoning: <think> without </think>',
    };
  }
  const ex = extract(input.response, options.priority ?? DEFAULT_PRIORITY);
  let answers = ex?.answers ?? [];
  let rule = ex?.rule ?? null;
  const isChoice = goldType === 'choice';
  // the gold's type decides how a response is read: `3,5` is the decimal 3.5 only against a single number
  const readOpts = { choice: isChoice, decimalComma: goldType === 'number' };
  if (isChoice) {
    const letters = answers.map((a) => parseAnswer(a, readOpts)).filter((p) => p.kind === 'choice');
    if (letters.length === 0) {
      const fb = choiceFallback(stripThinking(input.response));
      if (fb) {
        answers = [fb];
        rule = 'final_answer';
      }
    }
  }
  if (answers.length === 0) return { ...base, goldType, correct: false, reason: 'no_answer' };
  if (answers.some((a) => a.length > maxAnswer)) {
    return { ...base, goldType, rule, extracted: null, correct: false, reason: 'input_too_large' };
  }
  if (answers.length > MAX_ANSWERS) {
    const detail = 'too many answers';
    return { ...base, goldType, rule, extracted: null, correct: false, reason: 'hedged', detail };
  }
  const policy = options.boxed === 'strict' || options.boxed === 'all' ? 'strict' : 'last';
  const shape = {
    arity: arity(gold),
    collection: goldType === 'list' || goldType === 'set',
    parts: gold.expr?.t === 'tuple' ? gold.expr.items.length : 0,
  };
  const lastArity =
    shape.arity >= 2 && answers.length > 1 ? responseArity(answers[answers.length - 1]!, gold, readOpts) : 1;
  const final = chooseFinal(answers, shape, policy, lastArity);
  const extracted = final.answers.join(' ; ');
  const done = (
    v: { equal: boolean; method: Method | null; note?: string },
    hedged = false,
  ): VerifyResult => {
    const out: VerifyResult = {
      correct: v.equal && !hedged,
      reason: hedged ? 'hedged' : v.equal ? 'equal' : 'not_equal',
      extracted,
      rule,
      goldType,
      method: v.method,
    };
    const note = hedged && !v.note ? 'several different final answers' : v.note;
    if (note) out.detail = note;
    return out;
  };
  switch (final.how) {
    case 'hedged':
      return done({ equal: false, method: null, note: final.note }, true);
    case 'joined':
      return done(compareParsed(gold, parseAnswer(final.answers.join(', '), readOpts), o));
    case 'one': {
      const v = compareParsed(gold, parseAnswer(final.answers[0], readOpts), o);
      return done(final.note && !v.note ? { ...v, note: final.note } : v);
    }
    case 'each': {
      const verdicts = final.answers.map((a) => compareParsed(gold, parseAnswer(a, readOpts), o));
      const hits = verdicts.filter((v) => v.equal).length;
      if (hits === verdicts.length) return done(verdicts[0]!);
      const miss = verdicts.find((v) => !v.equal)!;
      return done(hits > 0 ? { ...miss, note: undefined } : miss, hits > 0);
    }
  }
}

/** How many values one response answer states; against a list of tuples, a tuple is one value, not its parts. */
function responseArity(answer: string, gold: Parsed, readOpts: ParseOptions): number {
  const p = parseAnswer(answer, readOpts);
  const g = gold.expr;
  const tupleItems = (g?.t === 'list' || g?.t === 'set') && g.items.every((x) => x.t === 'tuple');
  return tupleItems && p.expr?.t === 'tuple' ? 1 : arity(p);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The canonical form the verifier sees for one answer: useful to debug a surprising verdict. */
export function explainAnswer(answer: string): { type: AnswerType; canonical: string } {
  const p = parseAnswer(answer, { forGold: true });
  return { type: typeOf(p), canonical: p.expr ? show(p.expr) : p.text };
}
