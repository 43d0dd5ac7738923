/**
 * One answer string → what the verifier compares: normalized text, and the parsed expression when it is
 * mathematics (with its domain qualifier, if it states one), a multiple-choice letter, or text.
 */
import type { Expr } from './ast.js';
import { type CompareOptions, compare, expandPm, type Method } from './compare.js';
import { freeVars } from './evaluate.js';
import { allBoxed } from './extract.js';
import { decimalCommaReading, normalize } from './normalize.js';
import { FUNCTION_NAMES, ParseError, parseLatex } from './parse.js';
import { type Qualifier, qualifierSplits, qualifies, readQualifier, sameQualifier } from './qualifier.js';
import { markConnectives } from './setbuilder.js';
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

export interface Parsed {
  kind: 'expr' | 'text' | 'choice';
  expr?: Expr;
  text: string;
  percent: boolean;
  /** a domain restriction stated after the answer (`x^2, x \ge 0`): not part of the answer's value */
  qualifier?: Qualifier;
}

export interface ParseOptions {
  /** gold answers: `\boxed{1}\boxed{2}` and `#### 5` are unwrapped, and a bare letter is a choice */
  forGold?: boolean;
  /** the gold is a letter: only then is a leading letter in the response read as a choice */
  choice?: boolean;
  /** the gold is one number: `3,5` is read as the decimal 3.5 (see decimalCommaReading) */
  decimalComma?: boolean;
}

const WORD = /(?<![\\a-zA-Z])[a-zA-Z]{3,}(?![a-zA-Z])/g;
export const CHOICE = /^\(?([A-J])\)?(?:$|[\s.:)]+)/;

function looksLikeText(s: string): boolean {
  s = s.replace(/\\(?:begin|end)\s*\{[a-zA-Z]*\*?\}/g, ' ');
  for (const m of s.matchAll(WORD))
    if (!FUNCTION_NAMES.has(m[0]) && m[0] !== 'sqrt' && m[0] !== 'frac') return true;
  return /^(?:yes|no)$/i.test(s.trim());
}

export function parseAnswer(raw: string, o: ParseOptions = {}): Parsed {
  let s = raw.trim();
  if (o.forGold) {
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
  text = markConnectives(text)
    .replace(/(?<=\d)\s+\((?:[a-zA-Z](?:[a-zA-Z' -]*[a-zA-Z])?)\)$/, '')
    .replace(/\s+(?:and|or)\s+/g, ', ');
  if (o.decimalComma) text = decimalCommaReading(text);
  if (o.forGold ? /^\(?[A-J]\)?$/.test(text) : o.choice && CHOICE.test(text)) {
    return { kind: 'choice', text: CHOICE.exec(text)![1]!, percent: false };
  }
  for (const split of qualifierSplits(text)) {
    const qualifier = readQualifier(split.tail);
    if (!qualifier) continue;
    const main = parseText(split.main.trim(), n.percent);
    if (main.kind === 'expr' && qualifies(main.expr!, qualifier)) return { ...main, qualifier };
  }
  return parseText(text, n.percent);
}

function parseText(text: string, percent: boolean): Parsed {
  // words are text unless operators, digits or commands show it is a formula (`xyz = -1` is maths)
  if (looksLikeText(text) && !/[\d=+*/^\\<>]/.test(text)) return { kind: 'text', text, percent };
  let expr = looksLikeText(text) ? tryParseStrict(text) : tryParse(text);
  if (!expr) return { kind: 'text', text, percent };
  if (percent) expr = { t: 'pct', a: expr };
  return { kind: 'expr', expr, text, percent };
}

function tryParse(text: string): Expr | undefined {
  if (text === '') return undefined;
  const e = tryParseStrict(text);
  if (e) return e;
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

export function typeOf(p: Parsed): AnswerType {
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
    case 'fn':
      if (e.name === 'setof') return 'set';
      return freeVars(e).size === 0 ? 'number' : 'expression';
    default:
      return freeVars(e).size === 0 ? 'number' : 'expression';
  }
}

/** How many values an answer has: the parts of a list, set or tuple; 1 for anything else. */
export function arity(p: Parsed): number {
  if (p.kind !== 'expr') return 1;
  const e = expandPm(p.expr!);
  return e.t === 'list' || e.t === 'set' || e.t === 'tuple' ? e.items.length : 1;
}

function textKey(s: string): string {
  return s
    .toLowerCase()
    .replace(/\\[a-z]+/g, ' ')
    .replace(/[^a-z0-9\u00c0-\uffff]+/g, '');
}

export function compareParsed(
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
  const v = compare(g.expr!, r.expr!, o);
  // a qualifier counts only when both sides state one (docs/verifier.md, "Domain qualifiers")
  if (v.equal && g.qualifier && r.qualifier && !sameQualifier(g.qualifier, r.qualifier, o)) {
    return { equal: false, method: v.method, note: 'domain qualifiers differ' };
  }
  return v;
}
