import { describe, expect, it } from 'vitest';
import { COUNTDOWN_VOCAB_NUM_V1, COUNTDOWN_VOCAB_V1, Tokenizer } from './tokenizer.js';
import { countdownTools, type ForceHook } from './tools.js';

/** Lets the hook write wherever it wants after `text`, then returns what it wrote (as text). */
function written(tok: Tokenizer, hook: ForceHook, text: string, sequence = 0): string {
  const tokens = tok.encode(text);
  const start = tokens.length;
  for (let t = hook(sequence, tokens); t !== undefined; t = hook(sequence, tokens)) tokens.push(t);
  return tok.decode(tokens.slice(start));
}

const num = new Tokenizer(COUNTDOWN_VOCAB_NUM_V1);
const digits = new Tokenizer(COUNTDOWN_VOCAB_V1);

describe('countdown tools', () => {
  it('has no hook without tools', () => {
    expect(countdownTools(num, [], 'compact', () => 10)).toBeUndefined();
  });

  it('calculator: writes the true result of the step the model chose, and nothing else', () => {
    const calc = countdownTools(num, ['calculator'], 'compact', () => 24)!;
    expect(written(num, calc, 'try 7+24=')).toBe('31');
    expect(written(num, calc, 'try 6*2=12 [7 12]\ngo\ntry 12-7=')).toBe('5');
    expect(written(num, calc, 'back 6*12=')).toBe('72');
    expect(written(num, calc, 'try 36/4=')).toBe('9');
    // Against the rules: a negative difference, an inexact quotient. Left to the model (and the verifier).
    expect(written(num, calc, 'try 5-7=')).toBe('');
    expect(written(num, calc, 'try 7/2=')).toBe('');
    // Mid-line, after the result, or after a result the model wrote itself: nothing.
    expect(written(num, calc, 'try 7+24=31')).toBe('');
    expect(written(num, calc, 'try 7+24=31 [31]')).toBe('');
    expect(written(num, calc, 'try 7+')).toBe('');
  });

  it('calculator: a result spelled in several tokens is written to the end', () => {
    const calc = countdownTools(digits, ['calculator'], 'compact', () => 24)!;
    expect(digits.encode('36').length).toBe(2);
    expect(written(digits, calc, 'try 12*3=')).toBe('36');
    expect(written(digits, calc, 'try 12*3=3')).toBe('6');
    // A wrong first digit from the model: the tool does not write a number that is not the result.
    expect(written(digits, calc, 'try 12*3=4')).toBe('');
    expect(written(num, countdownTools(num, ['calculator'], 'compact', () => 0)!, 'try 99*12=')).toBe('1188');
    // Past four tokens too: a nine-digit product, one token per digit, is written whole.
    expect(written(num, countdownTools(num, ['calculator'], 'compact', () => 0)!, 'try 1116*563204=')).toBe(
      '628535664',
    );
  });

  it("goal test (compact): writes the check against the sequence's own target once one number is left", () => {
    const targets = [15, 11];
    const goal = countdownTools(num, ['goal-test'], 'compact', (i) => targets[i])!;
    expect(written(num, goal, 'try 2+13=15 [15]', 0)).toBe(' vs 15 goal');
    expect(written(num, goal, 'try 2+13=15 [15]', 1)).toBe(' vs 11 no');
    // More than one number left, a "back" line, or an unfinished list: no check yet.
    expect(written(num, goal, 'try 6*2=12 [7 12]', 0)).toBe('');
    expect(written(num, goal, 'back 6*2=12 [12]', 0)).toBe('');
    expect(written(num, goal, 'try 2+13=15 [15', 0)).toBe('');
    // The model began the check itself: the tool writes the target and the verdict.
    expect(written(num, goal, 'try 2+13=15 [15] vs ', 1)).toBe('11 no');
    // A check the model already finished is not written again.
    expect(written(num, goal, 'try 2+13=15 [15] vs 15 goal', 0)).toBe('');
  });

  it('goal test (terse) writes the verdict alone; formats it cannot write are refused', () => {
    const goal = countdownTools(num, ['goal-test'], 'terse', () => 15)!;
    expect(written(num, goal, 'try 2+13=15 [15]')).toBe(' goal');
    expect(written(num, goal, 'try 2+12=14 [14]')).toBe(' no');
    expect(() => countdownTools(num, ['goal-test'], 'digitwise', () => 15)).toThrow(/digitwise/);
  });

  it('both tools together write a whole step and its check', () => {
    const both = countdownTools(digits, ['calculator', 'goal-test'], 'compact', () => 36)!;
    const tokens = digits.encode('try 12*3=');
    const start = tokens.length;
    for (let t = both(0, tokens); t !== undefined; t = both(0, tokens)) tokens.push(t);
    expect(digits.decode(tokens.slice(start))).toBe('36');
    tokens.push(...digits.encode(' [36]'));
    expect(written(digits, both, digits.decode(tokens))).toBe(' vs 36 goal');
  });
});
