/**
 * Multiple choice: an option field, an option-letter answer, options A–D listed in the text, or a
 * question that points at listed options. A lone "A)" inside mathematics is not an option list:
 * the text rule needs all four markers A, B, C, D, in order and in the same style.
 */
import type { ProblemRecord, RuleFilter } from '../types.js';

/** Marker styles: `(A)` / `（A）`, and `A)` / `A.` / `A:` / `A、` after a space or line start. */
const MARKER_STYLES: RegExp[] = [
  /(?<![A-Za-z0-9_^\\])[(（]\s*([A-E])\s*[)）]/g,
  /(?<=^|[\s$>])([A-E])\s*[).:．、：](?=\s*\S)(?![A-Za-z]{2})/gm,
];

/**
 * Lower-case `(a) 12 (b) 14 (c) 16 (d) 18`: options only when every item is short and asks nothing;
 * otherwise these are the parts of a multi-part question.
 */
const LOWER_OPTIONS = /(?<![A-Za-z0-9_^\\])\(([a-d])\)([^()?]{1,60}?)(?=\s*\([b-e]\)|\s*$)/g;

function lowerCaseOptions(text: string): string | null {
  const found = [...text.matchAll(LOWER_OPTIONS)].map((m) => ({ letter: m[1]!, body: m[2]!.trim() }));
  const start = found.findIndex((f) => f.letter === 'a');
  if (start < 0) return null;
  const seq = found.slice(start, start + 4);
  if (seq.map((f) => f.letter).join('') !== 'abcd') return null;
  if (seq.some((f) => /\b(?:find|compute|what|how|show|prove|determine)\b/i.test(f.body))) return null;
  return '(a) … (b) … (c) … (d)';
}

/** The option markers A, B, C, D found in order in one style (or short lower-case options), or null. */
export function optionMarkers(text: string): string | null {
  for (const style of MARKER_STYLES) {
    const found: { letter: string; at: number; text: string }[] = [];
    for (const m of text.matchAll(style)) found.push({ letter: m[1]!, at: m.index, text: m[0] });
    let at = -1;
    const seq: string[] = [];
    for (const letter of ['A', 'B', 'C', 'D']) {
      const next = found.find((f) => f.letter === letter && f.at > at);
      if (!next) break;
      at = next.at;
      seq.push(next.text.trim());
    }
    if (seq.length === 4) return seq.join(' … ');
  }
  return lowerCaseOptions(text);
}

const POINTS_AT_OPTIONS =
  /\bwhich\s+(?:one\s+)?of\s+the\s+following\b|\b(?:choose|select|pick)\s+(?:the\s+)?(?:correct|best|right)\s+(?:answer|option|choice)|\banswer\s+choices\b|(?:^|\n)\s*options\s*:/i;

/** A gold answer that names an option: `B`, `(B)`, `\text{(B)}`. */
const LETTER_ANSWER = /^\s*\$?\s*(?:\\text(?:bf)?\s*\{\s*)?\(?\s*([A-E])\s*\)?\s*\}?\s*\$?\s*$/;

export const multipleChoiceFilter: RuleFilter = {
  name: 'multiple_choice',
  description: 'option fields, an option-letter answer, options A-D in the text, or "which of the following"',
  check(r: ProblemRecord) {
    if (r.optionsField) return `option field '${r.optionsField}'`;
    if (r.answer !== null && (r.answerType === 'choice' || LETTER_ANSWER.test(r.answer))) {
      return `answer is an option letter ('${r.answer.trim()}')`;
    }
    const markers = optionMarkers(r.problem);
    if (markers) return `options in the text: ${markers}`;
    const m = POINTS_AT_OPTIONS.exec(r.problem);
    if (m) return `refers to listed options: '${m[0].trim()}'`;
    return null;
  },
};
