/** Countdown's arithmetic: one step combines two available numbers into one. */

export type Op = '+' | '-' | '*' | '/';

export interface CountdownStep {
  a: number;
  b: number;
  op: Op;
  result: number;
}

export interface CountdownProblem {
  nums: number[];
  target: number;
}

/**
 * The legal results of combining a and b, in Stream of Search's order: a+b, a*b, then the
 * non-negative difference (larger first) and the exact quotient (larger by smaller) when it divides.
 */
export function combine(a: number, b: number): CountdownStep[] {
  const out: CountdownStep[] = [
    { a, b, op: '+', result: a + b },
    { a, b, op: '*', result: a * b },
  ];
  const [hi, lo] = a <= b ? [b, a] : [a, b];
  out.push({ a: hi, b: lo, op: '-', result: hi - lo });
  if (lo !== 0 && hi % lo === 0) out.push({ a: hi, b: lo, op: '/', result: hi / lo });
  return out;
}

export function stepText(s: CountdownStep): string {
  return `${s.a}${s.op}${s.b}=${s.result}`;
}

const STEP_RE = /^\s*(\d+)\s*([-+*/])\s*(\d+)\s*=\s*(\d+)\s*$/;

/** Parses "a op b=c" (non-negative integers); returns null when the text is not of that form. */
export function parseStep(text: string): CountdownStep | null {
  const m = STEP_RE.exec(text);
  if (!m) return null;
  return { a: Number(m[1]), b: Number(m[3]), op: m[2] as Op, result: Number(m[4]) };
}

/** What a op b really is under Countdown's rules, or null when the operation is not allowed. */
export function evaluate(a: number, op: Op, b: number): number | null {
  switch (op) {
    case '+':
      return a + b;
    case '*':
      return a * b;
    case '-':
      return a >= b ? a - b : null;
    case '/':
      return b !== 0 && a % b === 0 ? a / b : null;
  }
}

/** Numbers left after applying a step to `nums` (SoS order: the untouched numbers, then the result). */
export function applyStep(nums: readonly number[], i: number, j: number, result: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < nums.length; k++) if (k !== i && k !== j) out.push(nums[k]);
  out.push(result);
  return out;
}

/**
 * Countdown numbers as a multiset: [3, 5] and [5, 3] are the same state, and the same held-out input.
 * One definition for every place that identifies numbers regardless of order.
 */
export function sortedNums(nums: readonly number[]): number[] {
  return [...nums].sort((a, b) => a - b);
}

export function multisetKey(nums: readonly number[]): string {
  return sortedNums(nums).join(',');
}
