/**
 * Figures: an Asymptote block (`[asy]`, HARP's filter in Big-Math), an included graphic or TikZ
 * picture, or prose that names a figure the text does not contain ("in the diagram", "Figure 2").
 * "As shown" and "shown below" alone are left out: as often as not they point at text or a table
 * printed in the problem itself.
 */
import type { ProblemRecord, RuleFilter } from '../types.js';

const FIGURE: [RegExp, string][] = [
  [/\[asy\]/i, 'Asymptote figure [asy]'],
  [/\\includegraphics|\\begin\s*\{(?:tikzpicture|picture|figure)\}/, 'embedded graphic'],
  [
    /\b(?:in|from|see|use|using|on|according\s+to|based\s+on|shown\s+in|as\s+in)\s+the\s+(?:adjoining\s+|accompanying\s+|given\s+)?(?:figure|diagram)s?\b/i,
    'refers to a figure',
  ],
  [/\(\s*see\s+(?:the\s+)?(?:figure|diagram)|\b(?:figure|fig\.)\s*\d/i, 'refers to a figure'],
  [
    /\bthe\s+(?:following|adjoining|accompanying)\s+(?:figure|diagram|picture|graph)\b/i,
    'refers to a figure',
  ],
  [/\b(?:figure|diagram)\s+(?:below|above)\b/i, 'refers to a figure'],
  // "The graph of $y = f(x)$ is shown below"
  [/\b(?:graph|figure|diagram|picture)\b[^.?!\n]{0,80}\b(?:is|are)\s+shown\b/i, 'refers to a figure'],
];

export const figureFilter: RuleFilter = {
  name: 'figure',
  description: '[asy] blocks, included graphics, or prose naming a figure ("in the diagram", "Figure 2")',
  check(r: ProblemRecord) {
    for (const [re, what] of FIGURE) {
      const m = re.exec(r.problem);
      if (m) return `${what}: '${m[0].slice(0, 40)}'`;
    }
    return null;
  },
};
