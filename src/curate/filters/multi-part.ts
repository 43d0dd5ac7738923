/**
 * Multi-part questions: part markers — (a)/(b), (1)/(2), (I)/(II), (i)/(ii), a)/b), 1./2. at line
 * starts, ①/②, "Part 1"/"Part 2" — where at least two parts ask something, or a list of items
 * after an instruction ("Solve the following: 1. … 2. …"), or two or more answer blanks.
 * Enumerated conditions are not parts ("such that (i) no two … (ii) every row …"), nor references
 * ("substitute (1) into (2)": numbered markers count only at a clause boundary), nor f(a) or P(A).
 */
import type { ProblemRecord, RuleFilter } from '../types.js';

const B = String.raw`(?:^|\n|[.:;?!,，。；：]\s*|\s(?:and|or|then)\s+)`; // a clause boundary
const STYLES: { name: string; markers: RegExp }[] = [
  { name: '(a) … (b)', markers: /(?<![\w\\^_])\(([a-h])\)/g },
  { name: '(1) … (2)', markers: new RegExp(`${B}\\s*[(（]([1-9])[)）]`, 'g') },
  { name: '(I) … (II)', markers: new RegExp(`${B}\\s*[(（](I{1,3}|IV|V)[)）]`, 'g') },
  { name: '(i) … (ii)', markers: new RegExp(`${B}\\s*\\((i{1,3}|iv|v)\\)`, 'g') },
  { name: 'a) … b)', markers: /(?:^|\n|[.;:?]\s+)([a-h])\)\s/g },
  { name: '1. … 2.', markers: /(?:^|\n|:\s+)\s*([1-9])[.)]\s+(?=\S)/g },
  { name: '① … ②', markers: /([①②③④⑤])/g },
  { name: 'Part 1 … Part 2', markers: /\bpart\s*\(?([a-d1-4]|i{1,3})\)?(?!\w)/gi },
];
const ORDER: Record<string, number> = {
  a: 1,
  b: 2,
  c: 3,
  d: 4,
  '1': 1,
  '2': 2,
  '3': 3,
  '4': 4,
  I: 1,
  II: 2,
  III: 3,
  IV: 4,
  i: 1,
  ii: 2,
  iii: 3,
  iv: 4,
  '①': 1,
  '②': 2,
  '③': 3,
  '④': 4,
};

/** A part that asks something: a question mark, or it opens with an instruction or a question word. */
const ASKS_MARK = /[?？]|求|证明/;
const ASKS_START =
  /^[\s:.)\-–]*(?:find|compute|calculate|determine|evaluate|solve|prove|show|what|how|which|why|express|simplify|give|sketch|explain|estimate|identify|list|write|state|verify|derive|deduce|use|is|are|does|do|can)\b/i;
/** A lead-in that introduces tasks rather than conditions; it ends with the first marker. */
const TASK_LEAD =
  /\b(?:find|compute|calculate|evaluate|solve|simplify|factor|differentiate|integrate|expand|answer|determine)\b[^.?!]*[:：]\s*\S{1,4}\s*$/i;
const CONDITION_LEAD =
  /\b(?:such that|so that|satisf|condition|propert|following\s+(?:rules?|way|operation))/i;

/** Blanks to fill: `(\quad)`, `\underline{\quad}`, `____`, `\_\_\_`. */
const BLANK = /\(\s*\\q?quad\s*\)|\\underline\s*\{\s*\\q?quad\s*\}|_{3,}|(?:\\_){3,}/g;

export function multiPartReason(text: string): string | null {
  for (const style of STYLES) {
    const marks = [...text.matchAll(style.markers)].map((m) => ({
      n: ORDER[m[1]!.toLowerCase()] ?? ORDER[m[1]!] ?? 0,
      at: m.index + m[0].length,
      start: m.index,
    }));
    const first = marks.findIndex((m) => m.n === 1);
    if (first < 0) continue;
    const second = marks.findIndex((m, k) => k > first && m.n === 2);
    if (second < 0) continue;
    // the parts: from each marker to the next one; the last ends at a paragraph break (the question
    // after a list of conditions is not part of its last item)
    const parts = marks.slice(first).map((m, k, all) => {
      const part = text.slice(m.at, all[k + 1]?.start ?? text.length);
      return k === all.length - 1 ? part.split(/\n\s*\n/)[0]! : part;
    });
    const asking = parts.filter((p) => ASKS_MARK.test(p) || ASKS_START.test(p)).length;
    if (asking >= 2) return `parts ${style.name} (${asking} ask something)`;
    // the instruction that introduces the list sits right before it; a bounded window keeps the regex linear
    const lead = text.slice(Math.max(0, marks[first]!.at - 300), marks[first]!.at);
    if (TASK_LEAD.test(lead) && !CONDITION_LEAD.test(lead)) {
      return `parts ${style.name} after '${lead.trim().slice(-40)}'`;
    }
  }
  const blanks = text.match(BLANK)?.length ?? 0;
  if (blanks >= 2) return `${blanks} answer blanks`;
  return null;
}

export const multiPartFilter: RuleFilter = {
  name: 'multi_part',
  description:
    'several sub-questions: (a)/(b), (1)/(2), (I)/(II), 1./2., ①/②, Part 1/2 that each ask, or several blanks',
  check(r: ProblemRecord) {
    const p = multiPartReason(r.problem);
    if (p) return `problem has ${p}`;
    const a = r.answer ? multiPartReason(r.answer) : null;
    return a ? `answer has ${a}` : null;
  },
};
