/**
 * Adversarial and random inputs for the fuzz test and the safety benchmark: deep nesting, exponent towers,
 * huge literals, regex-hostile repetitions and garbage. Deterministic (seeded), so failures reproduce.
 */
import type { VerifyInput } from './verify.js';

const rep = (s: string, n: number): string => s.repeat(n);

export function adversarialCorpus(): VerifyInput[] {
  const hostile = [
    `\\boxed{${rep('{', 5000)}1${rep('}', 5000)}}`,
    `\\boxed{${rep('{', 20000)}`,
    `\\boxed{${rep('2^{', 800)}2${rep('}', 800)}}`,
    '\\boxed{9^9^9^9^9^9^9^9}',
    '\\boxed{10^{10^{10^{10^{10}}}}}',
    '\\boxed{2^{2^{2^{2^{2^{2^{2}}}}}}}',
    `\\boxed{${rep('(', 10000)}}`,
    `\\boxed{${rep('\\frac{', 3000)}}`,
    `\\boxed{${rep('\\sqrt{', 3000)}2${rep('}', 3000)}}`,
    `\\boxed{${rep('1,', 20000)}1}`,
    `\\boxed{${rep('x^{', 500)}x${rep('}', 500)}}`,
    '\\boxed{100000!}',
    '\\boxed{(10^{10})!}',
    `\\boxed{0.${rep('0', 4000)}1}`,
    '\\boxed{1e999999}',
    `\\boxed{${rep('9', 4000)}}`,
    rep('$', 100000),
    rep('the answer is ', 20000),
    rep('\\boxed', 50000),
    rep('\\boxed{', 30000),
    rep('<answer>', 20000),
    rep('#### ', 20000),
    `\\boxed{${rep('\\begin{pmatrix}', 2000)}}`,
    `\\boxed{\\begin{pmatrix}${rep('1 & ', 3000)}1\\end{pmatrix}}`,
    `\\boxed{\\{${Array.from({ length: 3000 }, (_, k) => k).join(',')}\\}}`,
    `\\boxed{${rep('|', 10000)}}`,
    `\\boxed{${rep('-', 20000)}1}`,
    `\\boxed{${rep('\\left(', 5000)}}`,
    `\\boxed{${rep('a', 4000)}}`,
    '\\boxed{\\binom{100000}{50000}}',
    '\\boxed{\\binom{10^{9}}{3}}',
    '\\boxed{x^{10^{9}}}',
    '\\boxed{\\sin^{10^{9}} x}',
    '\\boxed{\\lfloor 10^{10^{10}} \\rfloor}',
    '\\boxed{(1+i)^{10^{15}}}',
    '\\boxed{1/0}',
    '\\boxed{0/0}',
    '\\boxed{0^{-1}}',
    '\\boxed{\\infty - \\infty}',
    '\\boxed{}',
    '\\boxed{\\\\}',
    `\\boxed{${rep('\\pm 1', 3000)}}`,
    `\\boxed{${rep('1 = ', 3000)}1}`,
    `\\boxed{${rep('\\cup (1,2)', 2000)}}`,
    `${rep('x', 999_000)} \\boxed{1}`,
    '\u0000\u0001\u0002\uffff\ud800',
    // matrix products, set-builders, cases, qualifiers, decimal commas and box sprays
    `\\boxed{${rep('\\begin{pmatrix}1&1\\\\1&0\\end{pmatrix}', 300)}}`,
    '\\boxed{\\begin{pmatrix}1&1\\\\1&0\\end{pmatrix}^{16}}',
    `\\boxed{${rep('\\{x \\mid x \\in ', 300)}(0,1)${rep('\\}', 300)}}`,
    `\\boxed{\\begin{cases}${Array.from({ length: 1000 }, (_, k) => `${k} & x < ${k}`).join('\\\\')}\\end{cases}}`,
    '\\boxed{\\{x \\mid x^{100000} > 2\\}}',
    `\\boxed{x, ${rep('x > 0, ', 1500)}x > 0}`,
    `\\boxed{1,${rep('5', 4000)}}`,
    rep('\\boxed{1}\\boxed{2}', 40),
    rep('\\boxed{\\phantom{1}}', 3000),
    `\\boxed{\\text{${rep('\\text{', 5000)}}}`,
    // the exact engines: factoring, radical bases, root orders, huge exponents modulo p, ball arithmetic
    `\\boxed{${Array.from({ length: 150 }, (_, k) => `\\sqrt{${1_000_003 + 2 * k}}`).join('+')}}`,
    `\\boxed{\\sqrt{${rep('9', 4000)}}}`,
    `\\boxed{${rep('3000!+', 40)}1}`,
    '\\boxed{\\sqrt[33333333]{2}+\\sqrt[3]{2}+\\sqrt[5]{3}+\\sqrt[7]{5}+\\sqrt[11]{7}+\\sqrt[13]{11}}',
    `\\boxed{(x+1)^{${rep('9', 1000)}}}`,
    `\\boxed{x^{9^{9^{9^{9}}}}+\\sin(10^{${rep('9', 300)}}x)}`,
    `\\boxed{${Array.from({ length: 200 }, (_, k) => `\\ln(x+${k})`).join('+')}}`,
    `\\boxed{\\sqrt{x^2}${rep('+|x-1|', 300)}}`,
  ];
  const golds = ['1', '2^{2020}', 'x+1', '\\{1,2\\}', '(1,2]', 'A', '\\text{yes}', rep('{', 3000)];
  const out: VerifyInput[] = [];
  hostile.forEach((response, k) => {
    out.push({ gold: golds[k % golds.length]!, response });
  });
  // hostile golds
  for (const g of [
    rep('{', 4000),
    `${rep('2^{', 600)}2${rep('}', 600)}`,
    rep('\\frac', 1000),
    '\\boxed{',
    '',
  ]) {
    out.push({ gold: g, response: '\\boxed{1}' });
  }
  return out;
}

/** Seeded random strings over a LaTeX-flavoured alphabet. */
export function randomCorpus(n: number, seed = 12345): VerifyInput[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const atoms = [
    '1',
    '2',
    '0',
    '9',
    '.',
    ',',
    '+',
    '-',
    '*',
    '/',
    '^',
    '_',
    '{',
    '}',
    '(',
    ')',
    '[',
    ']',
    '\\{',
    '\\}',
    '|',
    '=',
    '<',
    '>',
    '\\frac',
    '\\sqrt',
    '\\pi',
    'x',
    'y',
    'e',
    'i',
    '\\infty',
    '\\cup',
    '\\pm',
    '\\left(',
    '\\right)',
    '\\text{',
    '\\boxed{',
    '$',
    ' ',
    '%',
    '\\%',
    '!',
    '&',
    '\\\\',
    '\\begin{pmatrix}',
    '\\end{pmatrix}',
    '\\le',
    '\\sin',
    '\\log_',
    'a',
    'B',
    '#### ',
    '<answer>',
    '</answer>',
    '\\cdot',
    '^{',
    'é',
    '∞',
    '√',
  ];
  const word = (len: number): string =>
    Array.from({ length: len }, () => atoms[Math.floor(rnd() * atoms.length)]).join('');
  return Array.from({ length: n }, () => {
    const gold = word(1 + Math.floor(rnd() * 12));
    const response = `${word(Math.floor(rnd() * 40))} \\boxed{${word(1 + Math.floor(rnd() * 20))}} ${word(Math.floor(rnd() * 10))}`;
    return { gold, response };
  });
}
