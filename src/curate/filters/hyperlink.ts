/** Hyperlinks in the problem or its answer (Big-Math: `\url`, `\href`, `http://`, `https://`), plus bare `www.` hosts. */
import type { ProblemRecord, RuleFilter } from '../types.js';

const LINK = /https?:\/\/[^\s)}\]]+|\bwww\.[a-z0-9-]+\.[a-z]{2,}[^\s)}\]]*|\\(?:url|href)\s*\{[^}]*\}/i;

export function hyperlinkReason(text: string): string | null {
  const m = LINK.exec(text);
  return m ? `link '${m[0].slice(0, 60)}'` : null;
}

export const hyperlinkFilter: RuleFilter = {
  name: 'hyperlink',
  description: 'a URL, www. host, \\url{} or \\href{} in the problem or answer',
  check(r: ProblemRecord) {
    const p = hyperlinkReason(r.problem);
    if (p) return `problem has ${p}`;
    const a = r.answer ? hyperlinkReason(r.answer) : null;
    return a ? `answer has ${a}` : null;
  },
};
