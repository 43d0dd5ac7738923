/**
 * Tools a Countdown model calls while it decodes: the sampler's `force` hook writes their tokens in
 * the model's place. The model still chooses every operation, the numbers it keeps, and when to go
 * on, back up or stop; the tools do only what a program does better than a 1M-parameter network:
 * - `calculator`: once the model has written "a op b=", the true result (as GSM8K's calculator
 *   annotations do, Cobbe et al. 2021). A step that breaks the rules (a negative difference, an
 *   inexact quotient) gets nothing from it, so the verifier still rejects it.
 * - `goal-test`: once a step leaves one number ("[31]"), the goal check: " vs 31 goal" or " vs 31 no"
 *   in the compact format, " goal" / " no" in the terse one — the environment's answer to "is this the
 *   target?", which a search can act on (back up and try again) and a single solution path cannot.
 * Tokens a tool wrote are marked (`Generation.forced`), so RL leaves them out of its loss.
 */
import { evaluate, type Op } from './arithmetic.js';
import type { TraceFormat } from './linearize/format.js';
import type { Tokenizer } from './tokenizer.js';

export type CountdownTool = 'calculator' | 'goal-test';
export const COUNTDOWN_TOOLS: readonly CountdownTool[] = ['calculator', 'goal-test'];

/** A sampler `force` hook: the token a tool writes next in sequence i, or undefined to let the model choose. */
export type ForceHook = (sequence: number, generated: readonly number[]) => number | undefined;

/** Formats whose goal check the goal test can write. */
export const GOAL_TEST_FORMATS: readonly TraceFormat[] = ['compact', 'terse'];

// Tokens enough to hold "try a op b=c [c]" with numbers spelled digit by digit.
const LOOKBACK = 24;

/** The tools' hook for a batch of problems (sequence i solves targetOf(i)); undefined without tools. */
export function countdownTools(
  tokenizer: Tokenizer,
  tools: readonly CountdownTool[],
  format: TraceFormat,
  targetOf: (sequence: number) => number,
): ForceHook | undefined {
  const hooks: ForceHook[] = [];
  if (tools.includes('calculator')) hooks.push(calculator(tokenizer));
  if (tools.includes('goal-test')) hooks.push(goalTest(tokenizer, format, targetOf));
  if (hooks.length === 0) return undefined;
  return (sequence, generated) => {
    for (const h of hooks) {
      const t = h(sequence, generated);
      if (t !== undefined) return t;
    }
    return undefined;
  };
}

function calculator(tokenizer: Tokenizer): ForceHook {
  const equals = single(tokenizer, '=');
  return (_sequence, generated) => {
    // The result may take several tokens (one per digit past 999): find the "=" it follows. Whatever was
    // written after it must be the start of the result (`continueWith`), so a far "=" writes nothing.
    const at = lastIndexWithin(generated, equals, LOOKBACK);
    if (at < 0) return undefined;
    const m = /(\d+)([-+*/])(\d+)$/.exec(tokenizer.decode(generated.slice(Math.max(0, at - LOOKBACK), at)));
    if (!m) return undefined;
    const value = evaluate(Number(m[1]), m[2] as Op, Number(m[3]));
    if (value === null) return undefined;
    return continueWith(tokenizer.encode(String(value)), generated.slice(at + 1));
  };
}

function goalTest(
  tokenizer: Tokenizer,
  format: TraceFormat,
  targetOf: (sequence: number) => number,
): ForceHook {
  if (!GOAL_TEST_FORMATS.includes(format)) {
    throw new Error(
      `goal-test: the ${format} format is not supported (only ${GOAL_TEST_FORMATS.join(', ')})`,
    );
  }
  const close = single(tokenizer, ']');
  const vs = single(tokenizer, ' vs ');
  const goal = single(tokenizer, ' goal');
  const no = single(tokenizer, ' no');
  /** The one number a "try" line ends with ("try 2+13=15 [15]"), or null when the line leaves more. */
  const lastNumber = (tokens: readonly number[]): number | null => {
    const line = tokenizer.decode(tokens.slice(Math.max(0, tokens.length - LOOKBACK)));
    const m = /(?:^|\n)try [^\n]*\[(\d+)\]$/.exec(line);
    return m ? Number(m[1]) : null;
  };
  return (sequence, generated) => {
    const n = generated.length;
    if (format === 'terse') {
      if (n === 0 || generated[n - 1] !== close) return undefined;
      const left = lastNumber(generated);
      return left === null ? undefined : left === targetOf(sequence) ? goal : no;
    }
    if (n > 0 && generated[n - 1] === close) return lastNumber(generated) === null ? undefined : vs;
    const at = lastIndexWithin(generated, vs, 5);
    if (at < 0) return undefined;
    const left = lastNumber(generated.slice(0, at));
    if (left === null) return undefined;
    const target = tokenizer.encode(String(targetOf(sequence)));
    const written = generated.slice(at + 1);
    const next = continueWith(target, written);
    if (next !== undefined) return next;
    if (written.length !== target.length || written.some((t, k) => t !== target[k])) return undefined;
    return left === targetOf(sequence) ? goal : no;
  };
}

function single(tokenizer: Tokenizer, piece: string): number {
  const ids = tokenizer.encode(piece);
  if (ids.length !== 1) throw new Error(`countdown tools: the vocabulary has no "${piece}" token`);
  return ids[0];
}

/** Index of the last `token` among the final `within` tokens, or −1. */
function lastIndexWithin(tokens: readonly number[], token: number, within: number): number {
  for (let i = tokens.length - 1; i >= 0 && tokens.length - i <= within; i--)
    if (tokens[i] === token) return i;
  return -1;
}

/** The next token of `want` when `written` is a proper prefix of it; undefined otherwise. */
function continueWith(want: readonly number[], written: readonly number[]): number | undefined {
  if (written.length >= want.length) return undefined;
  for (let k = 0; k < written.length; k++) if (written[k] !== want[k]) return undefined;
  return want[written.length];
}
