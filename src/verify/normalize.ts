/**
 * String-level cleanup of an extracted answer before parsing: delimiters, spacing commands, text wrappers,
 * units, currency, degrees, thousands separators. Every rule here is a policy; docs/verifier.md lists them.
 */

export interface Normalized {
  text: string;
  /** set when a `%`, `\%` or "percent" was seen: 28% may then match 28 or 0.28 */
  percent: boolean;
}

const TEXT_WRAPPERS =
  /\\(?:boxed|fbox|text|textbf|textit|textrm|textsf|texttt|textnormal|mbox|mathrm|mathbf|mathit|mathsf|mathtt|mathnormal|boldsymbol|bm|operatorname\*?|hbox|rm|bf|it)\s*\{/g;

const NON_ASCII = /[^\x00-\x7f]/;
const PERCENT = /\\%|%|\bpercent(?:age)?\b|\bpct\b/i;

/** Units and currency words dropped after a number: a unit never changes which number is meant. */
const UNIT_WORDS = new Set(
  (
    'cm mm km m nm um μm kg g mg lb lbs oz kn kj kw s sec secs second seconds min mins minute minutes hr hrs ' +
    'hour hours day days week weeks month months year years yr yrs ft feet foot inch inches in mi mile miles yd yard yards ' +
    'meter meters metre metres centimeter centimeters kilometer kilometers millimeter millimeters gram grams kilogram ' +
    'kilograms liter liters litre litres ml gallon gallons cup cups pound pounds ounce ounces mph kph kmh dollar dollars ' +
    'usd cent cents euro euros yuan rmb unit units sq square cubic degree degrees deg radian radians hz khz mhz ghz ' +
    'ev kev mev gev erg ergs pa kpa mpa atm mol au pc kpc mpc ly cal kcal people person persons student students apple ' +
    'apples times point points each per and ways page pages marble marbles book books ticket tickets cookie cookies ' +
    'coins coin boxes box piece pieces car cars egg eggs bags bag'
  ).split(' '),
);

/** Unwraps `\cmd{...}` to its content, brace-balanced, without recursion. */
function unwrapCommands(s: string, re: RegExp): string {
  for (let guard = 0; guard < 1000; guard++) {
    re.lastIndex = 0;
    const m = re.exec(s);
    if (!m) return s;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) return s.slice(0, m.index) + s.slice(open + 1);
    s = `${s.slice(0, m.index)} ${s.slice(open + 1, close)} ${s.slice(close + 1)}`;
  }
  return s;
}

/** Index of the `}` closing the `{` at `open`, or -1. Iterative, so thousands of nested braces cost no stack. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 123) depth++;
    else if (c === 125) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** A derivation in `aligned`/`align`/`gathered` concludes on its last row: `\begin{aligned} … \\ x &= 9 \end{aligned}` is `x = 9`. */
function lastAlignedRow(s: string): string {
  let last: RegExpExecArray | null = null;
  const re = /\\begin\s*\{(aligned|align\*?|gathered|gather\*?|eqnarray\*?|split|multline\*?)\}/g;
  for (let m = re.exec(s); m; m = re.exec(s)) last = m;
  if (!last) return s;
  const start = last.index + last[0].length;
  const end = s.indexOf(`\\end{${last[1]}}`, start);
  const body = s.slice(start, end < 0 ? undefined : end);
  const rows = body.split(/\\\\(?:\[[^\]]*\])?/).map((r) => r.replace(/&/g, ' ').trim());
  const row = rows.filter((r) => r !== '').pop();
  return row ?? s;
}

export function normalize(raw: string): Normalized {
  let s = lastAlignedRow(raw);
  let percent = false;
  // Each rule below runs only when the character it needs is there: most answers are short ASCII formulas, and
  // this function runs on every answer the verifier sees
  if (NON_ASCII.test(s)) {
    s = s
      .replace(/[\u2212\u2013\u2014]/g, '-')
      .replace(/\u00d7/g, '\\times ')
      .replace(/[\u00b7\u22c5]/g, '\\cdot ')
      .replace(/\u221a/g, '\\sqrt')
      .replace(/\u03c0/g, '\\pi ')
      .replace(/\u221e/g, '\\infty ')
      .replace(/\u2264/g, '\\le ')
      .replace(/\u2265/g, '\\ge ')
      .replace(/\u2260/g, '\\ne ')
      .replace(/\u222a/g, '\\cup ')
      .replace(/\u00b1/g, '\\pm ')
      .replace(/\u00b0/g, '^\\circ ')
      .replace(/\u00a0/g, ' ');
  }
  // a LaTeX row break must survive the spacing cleanup below
  if (s.includes('\\\\')) s = s.replace(/\\\\/g, ' \\cr ');
  // GSM8K calculator annotations: <<24*2=48>>
  if (s.includes('<<')) s = s.replace(/<<[^<>]{0,200}>>/g, '');
  // markdown emphasis, math delimiters and sizing commands carry no meaning
  if (s.includes('**')) s = s.replace(/\*\*/g, ' ');
  if (s.includes('$')) s = s.replace(/\\\$/g, ' ').replace(/\$/g, ' ');
  const tex = s.includes('\\');
  if (tex) {
    s = s.replace(/\\\(|\\\)|\\\[|\\\]/g, ' ');
    s = s.replace(
      /\\(?:left|right|middle|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![a-zA-Z])\s*\.?/g,
      '',
    );
    s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![a-zA-Z])/g, ' ');
    s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
    // a transpose: M^\top, M^{\intercal} read as M^T
    s = s.replace(/\\(?:top|intercal)(?![a-zA-Z])/g, 'T');
    s = s
      .replace(/\\(?:le|leqslant|leq)(?![a-zA-Z])/g, '\\le ')
      .replace(/\\(?:ge|geqslant|geq)(?![a-zA-Z])/g, '\\ge ');
    s = s.replace(/\\(?:neq|ne)(?![a-zA-Z])/g, '\\ne ');
  }
  // `3{,}5` is LaTeX's decimal comma; 1{,}000 (a group of three) is a thousands separator, as are 1\,000, 1\!,\!000
  if (s.includes('{,}')) {
    s = s.replace(/(\d)\{,\}(\d{1,2}|\d{4,})(?!\d)/g, '$1.$2');
    s = s.replace(/(\d)\s*\{,\}\s*(?=\d{3}(?!\d))/g, '$1');
  }
  if (tex || s.includes('~')) {
    s = s.replace(/(\d)(?:\\[,!;: ]|\\thinspace|~)+(?=\d{3}(?!\d))/g, '$1');
    s = s.replace(/(\d)(?:\\!)?\s*,\s*\\!\s*(?=\d{3})/g, '$1');
    s = s.replace(/\\[,;:! ]|\\quad|\\qquad|\\enspace|\\thinspace|~/g, ' ');
  }
  // degrees become a marker: a bare 90^\circ compares as 90, but inside \sin it means π/2
  if (tex) s = s.replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree/g, '\\degreemark ');
  if (PERCENT.test(s)) {
    percent = true;
    s = s.replace(/\\%|%|\bpercent(?:age)?\b|\bpct\b/gi, ' ');
  }
  if (tex) {
    // ARML-style bold answers space their digits: \mathbf{1 4 4 0 0}
    s = s.replace(/\\(?:mathbf|textbf|boldsymbol)\s*\{([\d\s.,-]+)\}/g, (_m, d: string) =>
      d.replace(/\s+/g, ''),
    );
    s = dropBraces(s);
    s = unwrapCommands(s, TEXT_WRAPPERS);
    s = casesWords(s);
  }
  if (tex || NON_ASCII.test(s))
    s = s.replace(/\\(?:euro|pounds|yen|textdollar|dollar)(?![a-zA-Z])|[€£¥]/g, ' ');
  if (tex) s = s.replace(/\\,/g, ' ');
  // plain 1,000,000 (no spaces) is one number, not a list
  // but (12,102) is a pair
  s = s.trim();
  if (s.includes(',')) {
    s = s.replace(
      /(^|[^\d.,([{\s]|[^,([{]\s)(\d{1,3}(?:,\d{3})+)(?![\d,]*\d)(?!\s*[)\]}])/g,
      (_m, pre: string, num: string) => {
        return pre + num.replace(/,/g, '');
      },
    );
  }
  // 1 000 000: space-grouped thousands
  if (s.includes(' ')) {
    s = s.replace(
      /(^|[^\d.\s]\s*)(\d{1,3}(?: \d{3})+)(?![\d.])/g,
      (_m, pre: string, num: string) => pre + num.replace(/ /g, ''),
    );
  }
  // "1, 2, 3, ..." continues the list: the parser reads \ldots as an opaque term, so it is not the list 1, 2, 3
  if (tex || s.includes('..') || NON_ASCII.test(s)) {
    s = s.replace(/\.{3,}|\u2026|\\(?:ldots|cdots|dots|dotsc|dotsb)(?![a-zA-Z])/g, ' \\ldots ');
  }
  // ordinals: 3rd, 21st
  s = s.replace(/(\d)\s*(?:st|nd|rd|th)\s*$/, '$1');
  // rates: 50 km/h, 3 m/s
  s = s.replace(
    /(\d|\})\s*(?:km|m|mi|miles|ft|feet|cm)\s*\/\s*(?:h|hr|hour|s|sec|min|day)\s*[.,;]?\s*$/,
    '$1',
  );
  s = stripUnits(s.replace(/[\s.,;:]+$/, ''));
  // "(x, y): (0, 2), (4, 23)" labels what follows
  s = s.replace(/^\s*(?:\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z])*\s*\)|[a-z])\s*:(?!=)\s*(?=\S)/, '');
  // a derivation's conclusion is what follows its last implication arrow
  const arrow = /\\(?:therefore|Rightarrow|implies|Longrightarrow|Leftrightarrow|iff|because)(?![a-zA-Z])/g;
  let cut = -1;
  if (tex) for (const m of s.matchAll(arrow)) cut = m.index + m[0].length;
  if (cut >= 0) s = s.slice(cut);
  s = s.replace(/\s+/g, ' ').trim();
  s = s.replace(/[.,;:\s]+$/, '').replace(/^[:=\s]+/, '');
  return { text: s, percent };
}

/**
 * Inside a cases environment the words around a condition ("if", "for", "when") carry no meaning and
 * "otherwise" / "else" is a condition of its own; a row's closing punctuation is dropped.
 */
function casesWords(s: string): string {
  if (!s.includes('cases')) return s;
  return s.replace(/\\begin\s*\{[a-z]*cases\*?\}[\s\S]*?\\end\s*\{[a-z]*cases\*?\}/g, (body) =>
    body
      .replace(/(?<![\\a-zA-Z])(?:if|for|when|whenever|where)(?![a-zA-Z])/g, ' ')
      .replace(/(?<![\\a-zA-Z])(?:otherwise|else|elsewhere)(?![a-zA-Z])/g, ' \\otherwise ')
      .replace(/[.,;]\s*(?=\\cr(?![a-zA-Z])|\\end(?![a-zA-Z]))/g, ' '),
  );
}

/** `\underbrace{X}_{note}` is X: the brace and its note are annotation. */
function dropBraces(s: string): string {
  for (let guard = 0; guard < 50; guard++) {
    const m = /\\(?:underbrace|overbrace)\s*\{/.exec(s);
    if (!m) return s;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) return s;
    let rest = s.slice(close + 1);
    const note = /^\s*[_^]\s*\{/.exec(rest);
    if (note) {
      const end = matchBrace(rest, note[0].length - 1);
      if (end >= 0) rest = rest.slice(end + 1);
    }
    s = `${s.slice(0, m.index)}{${s.slice(open + 1, close)}}${rest}`;
  }
  return s;
}

/** Drops trailing unit words (`5 cm`, `4.5e33 ergs s^{-1}`, `12 \mbox{ cm}^2`) that follow a numeric answer. */
function stripUnits(s: string): string {
  // peel unit words off the end ("4 square centimeters", "4.5e33 ergs s^{-1}"), then require a number before them
  let rest = s;
  let peeled = false;
  for (let guard = 0; guard < 20; guard++) {
    const m = /(?:\s|^)([a-zA-Zμ]+)\s*(?:\^\s*\{?\s*-?\d\s*\}?)?\s*$/.exec(rest);
    if (!m || !UNIT_WORDS.has(m[1]!.toLowerCase())) break;
    rest = rest
      .slice(0, m.index)
      .trimEnd()
      .replace(/\s*(?:\\cdot|\\times|\/|per)\s*$/, '');
    peeled = true;
  }
  // `2x m` keeps `x`: a unit needs a number (or a closed group) right before it
  if (!peeled || rest === '' || !/[\d})]$/.test(rest)) return s;
  return rest;
}

/**
 * The European reading of a number written with a decimal comma, used only when the gold is a single number
 * (where the list reading `3, 5` could never be right): `3,5` → 3.5, `1000,99`, `0,25`, `3,14159`, `1.234,5`.
 * A comma followed by exactly three digits (`3,500`) stays a thousands separator, as everywhere else.
 */
export function decimalCommaReading(text: string): string {
  const m = /^((?:[a-zA-Z]\s*=\s*)?-?)(\d+),(\d{1,2}|\d{4,})$/.exec(text);
  if (m) return `${m[1]}${m[2]}.${m[3]}`;
  const dotted = /^((?:[a-zA-Z]\s*=\s*)?-?)(\d{1,3}(?:\.\d{3})+),(\d+)$/.exec(text);
  if (dotted) return `${dotted[1]}${dotted[2]!.replace(/\./g, '')}.${dotted[3]}`;
  return text;
}
