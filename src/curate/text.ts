/** Text helpers shared by filters and dedup: LaTeX stripping, normalization, tokens. */

const MATH_SPANS = /\$\$[\s\S]*?\$\$|\$[^$]*\$|\\\[[\s\S]*?\\\]|\\\([\s\S]*?\\\)/g;

/**
 * Prose only: drops math spans (`$…$`, `\[…\]`, …), environment names, LaTeX commands, digits and
 * symbols, so a language detector sees words rather than formulas (Big-Math strips LaTeX the same way).
 */
export function stripLatex(s: string): string {
  return s
    .replace(MATH_SPANS, ' ')
    .replace(/\\(?:begin|end)\s*\{[^}]*\}/g, ' ')
    .replace(/\\[a-zA-Z]+\*?/g, ' ')
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The form two problems must share to be exact duplicates: Unicode-compatible, lower case, straight
 * quotes, `\dfrac` = `\frac`, no `\left`/`\right` or `$`, and no spacing differences.
 */
export function normalizeForDedup(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201f\u2033]/g, '"')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\\(?:left|right)(?![a-z])/g, '')
    .replace(/\\[,;:! ]|~|\$/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ?([^a-z0-9\\ ]) ?/g, '$1')
    .trim();
}

const TOKEN = /\\[a-z]+|[a-z]+|\d+(?:\.\d+)?|[+\-*/=<>^]/g;

/** Words, numbers, LaTeX command names and operators of an already-normalized text. */
export function tokens(normalized: string): string[] {
  return normalized.match(TOKEN) ?? [];
}

/** 32-bit FNV-1a of a string. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 53-bit hash (two independent 32-bit halves), safe as a JS number key; collisions need ~10^8 keys. */
export function hash53(s: string): number {
  const a = hash32(s);
  const b = hash32(s, 0x9747b28c);
  return (a & 0x1fffff) * 0x100000000 + b;
}

/** The last sentence of a text that ends in a question mark, or the last line. */
export function finalQuestion(s: string): string {
  const t = s.trim();
  const lines = t.split(/\n+/);
  const last = lines[lines.length - 1]!.trim();
  // sentences end at . ! ? followed by a space; keep the last one
  const parts = last.split(/(?<=[.!?。？])\s+(?=[A-Z"'(])/);
  return parts[parts.length - 1]!.trim();
}
