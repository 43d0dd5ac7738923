/**
 * Non-English problems. Non-Latin scripts (Han, Kana, Hangul, Cyrillic, Arabic, …) are decided by
 * their share of the letters; Latin-script text goes to ELD (Efficient Language Detector, n-gram
 * model, 60 languages), after stripping LaTeX as Big-Math does. Short prose ("Find quotient") is
 * treated as English, since no detector is reliable on two words.
 */
import { eld } from 'eld/medium';
import { stripLatex } from '../text.js';
import type { ProblemRecord, RuleFilter } from '../types.js';

/** Greek is left to the detector: α, β, π are everyday math symbols in English problems. */
const NON_LATIN = /[^\p{Script=Latin}\p{Script=Greek}\p{Script=Common}\p{Script=Inherited}]/gu;
const SCRIPTS: [string, RegExp][] = [
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
];
/** prose words (2+ letters) needed before the detector's verdict is trusted */
const MIN_WORDS = 4;

function scriptName(ch: string): string {
  for (const [name, re] of SCRIPTS) if (re.test(ch)) return name;
  return 'non-Latin';
}

/** Why a text is not English, or null. */
export function nonEnglishReason(text: string): string | null {
  const prose = stripLatex(text);
  // single letters are variable names ("x", "y"), not language
  const words = prose.split(' ').filter((w) => w.length > 1 || /[^\p{Script=Latin}]/u.test(w));
  const letters = words.join('');
  const foreign = letters.match(NON_LATIN) ?? [];
  if (foreign.length > 0 && foreign.length >= 0.2 * letters.length) {
    return `${scriptName(foreign[0]!)} script (${foreign.length} of ${letters.length} letters)`;
  }
  const latinWords = words.filter((w) => w.length > 1);
  if (latinWords.length < MIN_WORDS) return null;
  // the first 80 words decide as well as the whole text, at a fraction of the cost on long problems
  const result = eld.detect(latinWords.slice(0, 80).join(' '));
  if (result.language === '' || result.language === 'en' || !result.isReliable()) return null;
  const scores = result.getScores();
  const top = scores[result.language] ?? 0;
  // a close English second is a mixed or formula-heavy English text, not another language. On the
  // English sources in shared/data, a non-English verdict never had English below 0.93 of the top
  // score; French, Spanish and Italian problems sit at 0.5-0.7.
  if ((scores.en ?? 0) >= 0.8 * top) return null;
  return `detected '${result.language}' (ELD score ${top.toFixed(2)}, English ${(scores.en ?? 0).toFixed(2)})`;
}

export const languageFilter: RuleFilter = {
  name: 'non_english',
  description: 'problem or answer not in English (script share, then ELD language ID on LaTeX-stripped text)',
  check(r: ProblemRecord) {
    const p = nonEnglishReason(r.problem);
    if (p) return `problem: ${p}`;
    // answers are mostly formulas; only a foreign script in them is telling ("第一象限")
    if (r.answer) {
      const a = nonEnglishReason(r.answer);
      if (a?.includes('script')) return `answer: ${a}`;
    }
    return null;
  },
};
