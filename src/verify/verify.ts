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
import type { Expr } from './ast.js';
import { show } from './ast.js';
import { type CompareOptions, compare, DEFAULT_COMPARE, expandPm, type Method } from './compare.js';
import { freeVars } from './evaluate.js';
import { allBoxed, DEFAULT_PRIORITY, type ExtractionRule, extract, stripThinking } from './extract.js';
import { normalize } from './normalize.js';
import { FUNCTION_NAMES, ParseError, parseLatex } from './parse.js';
import { symbolicParse } from './symbolic.js';

export type AnswerType =
  | 'number'
  | 'expression'
  | 'set'
  | 'list'
  | 'tuple'
  | 'interval'
  | 'matrix'
  | 'relation'
  | 'text'
  | 'choice';

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
   * several boxed answers against a single-valued gold: 'all' (default) requires every one to match, so a hedge
   * earns nothing; 'last' grades only the last box (for evaluating self-correcting outputs, never for rewards)
   */
  boxed?: 'all' | 'last';
}

export interface VerifyResult {
  correct: boolean;
  reason: Reason;
  /** the answer taken from the response (several boxed answers are joined with ' ; '), or null */
  extracted: string | null;
  /** which extraction rule fired */
  rule: ExtractionRule | null;
  goldType: AnswerType | null;
  method: Method | null;
  /** a human-readable detail for not-equal and failure results */
  detail?: string;
}

export const DEFAULT_MAX_RESPONSE_CHARS = 1_000_000;
export const DEFAULT_MAX_ANSWER_CHARS = 5_000;
/** more boxed answers than this is degenerate output, not a multi-part answer */
export const MAX_ANSWERS = 64;

interface Parsed {
  kind: 'expr' | 'text' | 'choice';
  expr?: Expr;
  text: string;
  percent: boolean;
}

const WORD = /(?<![\\a-zA-Z])[a-zA-Z]{3,}(?![a-zA-Z])/g;
const CHOICE = /^\(?([A-J])\)?(?:$|[\s.:)]+)/;

function looksLikeText(s: string): boolean {
  s = s.replace(/\\(?:begin|end)\s*\{[a-zA-Z]*\*?\}/g, ' ');
  for (const m of s.matchAll(WORD))
    if (!FUNCTION_NAMES.has(m[0]) && m[0] !== 'sqrt' && m[0] !== 'frac') return true;
  return /^(?:yes|no)$/i.test(s.trim());
}

/** `choice` is set when the gold is a letter: only then is a leading letter in the response read as a choice. */
function parseAnswer(raw: string, forGold: boolean, choice = false): Parsed {
  let s = raw.trim();
  if (forGold) {
    // a gold written as \boxed{1}\boxed{2} is the list 1, 2
    const boxed = allBoxed(s);
    if (boxed) s = boxed.join(', ');
    const hash = /####\s*(.+)$/.exec(s);
    if (hash) s = hash[1]!;
  }
  const n = normalize(s);
  let text = n.text;
  // "4 4/9" in plain text is a mixed number
  text = text.replace(/^(-?)(\d+)\s+(\d+)\s*\/\s*(\d+)$/, '$1($2+\\frac{$3}{$4})');
  text = text
    .replace(/(?<=\d)\s+\((?:[a-zA-Z](?:[a-zA-Z' -]*[a-zA-Z])?)\)$/, '')
    .replace(/\s+(?:and|or)\s+/g, ', ');
  if (forGold ? /^\(?[A-J]\)?$/.test(text) : choice && CHOICE.test(text)) {
    return { kind: 'choice', text: CHOICE.exec(text)![1]!, percent: false };
  }
  // words are text unless operators, digits or commands show it is a formula (`xyz = -1` is maths)
  if (looksLikeText(text) && !/[\d=+*/^\\<>]/.test(text)) return { kind: 'text', text, percent: n.percent };
  let expr = looksLikeText(text) ? tryParseStrict(text) : tryParse(text);
  if (!expr) return { kind: 'text', text, percent: n.percent };
  if (n.percent) expr = { t: 'pct', a: expr };
  return { kind: 'expr', expr, text, percent: n.percent };
}

function tryParse(text: string): Expr | undefined {
  if (text === '') return undefined;
  try {
    return parseLatex(text);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  // the engine is for LaTeX commands and primes this parser lacks; plain text gains nothing from it, and an
  // ellipsis means the answer continues (the engine would quietly drop it)
  return /[\\']/.test(text) && !text.includes('\\ldots')
    ? symbolicParse(text.replace(/\\degreemark/g, ' '))
    : undefined;
}

/** Text with formula characters: only the hand-written parser, so prose is never read as a product of letters. */
function tryParseStrict(text: string): Expr | undefined {
  try {
    return parseLatex(text);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  return undefined;
}

function typeOf(p: Parsed): AnswerType {
  if (p.kind !== 'expr') return p.kind;
  const e = expandPm(p.expr!);
  switch (e.t) {
    case 'set':
      return 'set';
    case 'list':
      return 'list';
    case 'tuple':
      return 'tuple';
    case 'interval':
    case 'union':
      return 'interval';
    case 'matrix':
      return 'matrix';
    case 'rel':
      return 'relation';
    default:
      return freeVars(e).size === 0 ? 'number' : 'expression';
  }
}

function textKey(s: string): string {
  return s
    .toLowerCase()
    .replace(/\\[a-z]+/g, ' ')
    .replace(/[^a-z0-9\u00c0-\uffff]+/g, '');
}

function compareParsed(
  g: Parsed,
  r: Parsed,
  o: CompareOptions,
): { equal: boolean; method: Method; note?: string } {
  if (g.kind === 'choice') {
    const letter = r.kind === 'choice' ? r.text : CHOICE.exec(r.text)?.[1];
    return { equal: letter === g.text, method: 'choice' };
  }
  if (g.kind === 'expr' && r.kind !== 'expr') {
    // a formula gold against unparsable text: only the same characters (spacing aside) can match
    const same = g.text.replace(/\s+/g, '') === r.text.replace(/\s+/g, '');
    return same
      ? { equal: true, method: 'string' }
      : { equal: false, method: 'string', note: 'response is not mathematics' };
  }
  if (g.kind === 'text' || r.kind !== 'expr') {
    if (textKey(g.text) === textKey(r.text) && textKey(g.text) !== '')
      return { equal: true, method: 'string' };
    return {
      equal: false,
      method: 'string',
      note: g.kind === 'text' ? undefined : 'response is not mathematics',
    };
  }
  return compare(g.expr!, r.expr!, o);
}

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
  const gold = parseAnswer(input.gold, true);
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
  if (options.boxed === 'last' && answers.length > 1 && goldType !== 'list' && goldType !== 'set') {
    answers = answers.slice(-1);
  }
  if (goldType === 'choice') {
    const letters = answers.map((a) => parseAnswer(a, false, true)).filter((p) => p.kind === 'choice');
    if (letters.length === 0) {
      const fb = choiceFallback(stripThinking(input.response));
      if (fb) {
        answers = [fb];
        rule = 'final_answer';
      }
    }
  }
  if (answers.length === 0) return { ...base, goldType, correct: false, reason: 'no_answer' };
  const extracted = answers.join(' ; ');
  if (answers.some((a) => a.length > maxAnswer)) {
    return { ...base, goldType, rule, extracted: null, correct: false, reason: 'input_too_large' };
  }
  const isChoice = goldType === 'choice';
  const done = (v: { equal: boolean; method: Method; note?: string }, hedged = false): VerifyResult => {
    const out: VerifyResult = {
      correct: v.equal && !hedged,
      reason: hedged ? 'hedged' : v.equal ? 'equal' : 'not_equal',
      extracted,
      rule,
      goldType,
      method: v.method,
    };
    if (hedged) out.detail = 'several different final answers';
    else if (v.note) out.detail = v.note;
    return out;
  };

  if (answers.length > MAX_ANSWERS) {
    return {
      ...base,
      goldType,
      rule,
      extracted: null,
      correct: false,
      reason: 'hedged',
      detail: 'too many answers',
    };
  }
  if (answers.length > 1) {
    // several boxed answers: one multi-part answer if the gold has several parts, otherwise they must all agree
    // (a tuple gold of n parts takes n boxes in order: "x = \boxed{3}, y = \boxed{-1}")
    const parts = gold.expr?.t === 'tuple' ? gold.expr.items.length : 0;
    if (goldType === 'list' || goldType === 'set' || parts === answers.length) {
      const joined = parseAnswer(answers.join(', '), false, isChoice);
      return done(compareParsed(gold, joined, o));
    }
    const verdicts = answers.map((a) => compareParsed(gold, parseAnswer(a, false, isChoice), o));
    const hits = verdicts.filter((v) => v.equal).length;
    if (hits === verdicts.length) return done(verdicts[0]!);
    return done(verdicts.find((v) => !v.equal)!, hits > 0);
  }
  return done(compareParsed(gold, parseAnswer(answers[0]!, false, isChoice), o));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The canonical form the verifier sees for one answer: useful to debug a surprising verdict. */
export function explainAnswer(answer: string): { type: AnswerType; canonical: string } {
  const p = parseAnswer(answer, true);
  return { type: typeOf(p), canonical: p.expr ? show(p.expr) : p.text };
}
