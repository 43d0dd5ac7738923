/** Finding the final answer in free-form model output. Each rule reports itself, so a result says which fired. */
import { matchBrace } from './normalize.js';

export type ExtractionRule = 'answer_tag' | 'boxed' | 'final_answer' | 'gsm8k' | 'last_expression';

export const DEFAULT_PRIORITY: readonly ExtractionRule[] = [
  'answer_tag',
  'boxed',
  'gsm8k',
  'final_answer',
  'last_expression',
];

export interface Extraction {
  rule: ExtractionRule;
  /** one entry per answer found by the rule, in order (several only for `boxed`) */
  answers: string[];
}

/** The part of a response after its reasoning block, if it has one. */
export function stripThinking(text: string): string {
  const k = text.lastIndexOf('</think>');
  return k >= 0 ? text.slice(k + '</think>'.length) : text;
}

export function extract(
  text: string,
  priority: readonly ExtractionRule[] = DEFAULT_PRIORITY,
): Extraction | null {
  text = stripThinking(text);
  for (const rule of priority) {
    // an empty or placeholder answer (`\boxed{}`, `\boxed{\phantom{2}}` restated from the problem) is no answer
    const answers = RULES[rule](text, priority)?.filter(isAnswer);
    if (answers && answers.length > 0) return { rule, answers };
  }
  return null;
}

const isAnswer = (a: string): boolean => !isPlaceholder(a);

/** Commands that draw blank space or a blank to fill in; with their argument, where they take one. */
const BLANK_WITH_ARG = /\\(?:phantom|hphantom|vphantom|hspace\*?|vspace\*?|kern|hskip)\s*(?=\{)/g;
const BLANK =
  /\\(?:quad|qquad|enspace|thinspace|hfill|space|square|Box|blacksquare|ldots|cdots|dots|dotsc|dotsb|cdot|underline|overline|text|mbox|textrm|textbf|mathrm|mathbf|displaystyle|left|right|_|,|;|:|!| )(?![a-zA-Z])|\\\$|[{}~?_.\s$*]/g;
const PLAIN_BLANK = /[{}~?_.\s$*]/g;
/** Words a model copies from a prompt's template ("put the answer in \boxed{answer}"). */
const TEMPLATE_WORDS = /^(?:your)?(?:final)?(?:answer|ans)(?:here)?$/i;

/**
 * A box with nothing in it: empty, spacing (`\quad`, `\phantom{2}`, `\hspace{1cm}`), a blank to fill in
 * (`\underline{\hspace{2cm}}`, `\_\_\_`, `\square`, `?`, `\ldots`) or a template's word (`answer`).
 */
export function isPlaceholder(answer: string): boolean {
  if (answer.length > 200) return false;
  // without a backslash only the plain blank characters can go: the common case, decided in one test
  let s = answer;
  if (!s.includes('\\')) {
    s = s.replace(PLAIN_BLANK, '');
    return s === '' || TEMPLATE_WORDS.test(s);
  }
  BLANK_WITH_ARG.lastIndex = 0;
  for (let m = BLANK_WITH_ARG.exec(s); m; m = BLANK_WITH_ARG.exec(s)) {
    const close = matchBrace(s, m.index + m[0].length);
    if (close < 0) break;
    s = `${s.slice(0, m.index)} ${s.slice(close + 1)}`;
    BLANK_WITH_ARG.lastIndex = m.index;
  }
  s = s.replace(BLANK, '');
  return s === '' || TEMPLATE_WORDS.test(s);
}

const RULES: Record<ExtractionRule, (text: string, priority: readonly ExtractionRule[]) => string[] | null> =
  {
    answer_tag(text, priority) {
      const open = text.lastIndexOf('<answer>');
      if (open < 0) return null;
      const close = text.indexOf('</answer>', open);
      const inner = text.slice(open + 8, close < 0 ? undefined : close);
      // an answer tag scopes the search; a box inside it is still the answer
      const nested = extract(
        inner,
        priority.filter((r) => r !== 'answer_tag' && r !== 'last_expression'),
      );
      return nested ? nested.answers : [inner.trim()];
    },
    boxed: allBoxed,
    final_answer(text) {
      const re =
        /(?:final\s+answer|the\s+answer|answer)\s*(?:is|=|:|：)\s*:?\s*((?:\$\$[\s\S]{0,2000}?\$\$|\$[^$]{0,2000}\$|\\\[[\s\S]{0,2000}?\\\]|\\\([\s\S]{0,2000}?\\\)|[^\n]){1,2000})/gi;
      let last: string | null = null;
      for (const m of text.matchAll(re)) last = m[1]!;
      if (last === null) return null;
      // "the answer is therefore $21$": filler words before the answer
      last = last
        .trim()
        .replace(
          /^(?:(?:therefore|thus|hence|so|then|just|simply|exactly|equal\s+to|given\s+by)[\s,:]+)+/i,
          '',
        );
      const math = /^(\$\$([\s\S]*?)\$\$|\$([^$]*)\$|\\\[([\s\S]*?)\\\]|\\\(([\s\S]*?)\\\))/.exec(last);
      if (math) return [(math[2] ?? math[3] ?? math[4] ?? math[5] ?? '').trim()];
      // prose: cut at the end of the sentence
      const cut = /^(.*?)(?:\.\s|\.$|$)/.exec(last);
      const sentence = (cut ? cut[1]! : last).trim();
      // "The volume of $ABCD$ is 120": in a sentence of words, the value is its last formula or number
      const words = sentence.replace(/\$[^$]*\$/g, ' ').match(PROSE_WORD) ?? [];
      if (words.length >= 2) {
        const value = lastValue(sentence);
        if (value !== null) return [value];
      }
      return [sentence];
    },
    gsm8k(text) {
      let last: string | null = null;
      for (const m of text.matchAll(/####\s*([^\n]{1,500})/g)) last = m[1]!.trim();
      return last === null ? null : [last];
    },
    last_expression(text) {
      const value = lastValue(text);
      return value === null ? null : [value];
    },
  };

/** Contents of every `\boxed{...}` / `\fbox{...}`, brace-balanced (also `\boxed 5`). */
export function allBoxed(text: string): string[] | null {
  const out: string[] = [];
  const re = /\\(?:boxed|fbox)\s*(\{|[^\s{\\$])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // past the cap the verifier refuses the response anyway; stop scanning
    if (out.length > 64) break;
    if (m[1] === '{') {
      const open = m.index + m[0].length - 1;
      const close = matchBrace(text, open);
      if (close < 0) break;
      out.push(text.slice(open + 1, close));
      re.lastIndex = close + 1;
    } else {
      const rest = /^[^\s$]+/.exec(text.slice(m.index + m[0].length - 1, m.index + m[0].length + 200));
      if (rest) out.push(rest[0]);
    }
  }
  return out.length > 0 ? out : null;
}

/** The last formula or bare number in a text, whichever comes later ("... of $n$ is 3024."). */
function lastValue(text: string): string | null {
  const seg = lastMathSegment(text);
  let num: { at: number; s: string } | null = null;
  for (const m of text.matchAll(NUMBER)) num = { at: m.index, s: m[0] };
  if (seg !== null && num !== null && num.at < seg.start && /^[A-Za-z\s]+$/.test(seg.body)) {
    // "there are 222 integers for which $BC$ is ...": a formula that only names things is not the value;
    // a number earlier in the same sentence is
    const sentence = Math.max(text.lastIndexOf('. ', seg.start), text.lastIndexOf('\n', seg.start));
    if (num.at > sentence) return num.s;
  }
  if (seg !== null && (num === null || num.at < seg.end)) return seg.body;
  return num === null ? (seg ? seg.body : null) : num.s;
}

const NUMBER =
  /(?<![A-Za-z\d_^{\\.])-?(?:\d+\s*\/\s*\d+(?!\d|[.,]\d)|\d{1,3}(?:(?:,| )\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:\s*%)?(?![A-Za-z\d}])/g;

const PROSE_WORD = /(?<![\\a-zA-Z{])[a-zA-Z]{3,}(?![a-zA-Z])/g;

/** The last `$...$`, `$$...$$`, `\(...\)` or `\[...\]` that is mathematics rather than prose between dollar amounts. */
function lastMathSegment(text: string): { body: string; start: number; end: number } | null {
  const re =
    /\$\$([\s\S]{1,4000}?)\$\$|\$([^$]{1,4000}?)\$|\\\[([\s\S]{1,4000}?)\\\]|\\\(([\s\S]{1,4000}?)\\\)/g;
  const recent: { body: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(re)) {
    const body = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim();
    const words = body.replace(/\\(?:text|mathrm|mbox)\s*\{[^}]*\}/g, '').match(PROSE_WORD) ?? [];
    if (body && words.length < 2) {
      recent.push({ body, start: m.index, end: m.index + m[0].length });
      if (recent.length > 4) recent.shift();
    }
  }
  const last = recent.pop() ?? null;
  // "... we get $m = 2$ after solving for $m$": a bare name closing the sentence points back at its value
  const before = last ? text.slice(Math.max(0, last.start - 40), last.start) : '';
  if (last && /^[a-zA-Z](?:_\{?\w+\}?)?$/.test(last.body) && /solv(?:e|ed|ing)\s+for\s*$/i.test(before)) {
    const name = last.body.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const stated = new RegExp(`^${name}\\s*(?:=|<|>|\\\\le|\\\\ge|\\\\leq|\\\\geq|\\\\neq|\\\\ne)`);
    for (let k = recent.length - 1; k >= 0; k--)
      if (stated.test(recent[k]!.body)) return { ...recent[k]!, end: last.end };
  }
  return last;
}
