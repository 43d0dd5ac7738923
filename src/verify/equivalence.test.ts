import { describe, expect, it } from 'vitest';
import { algebraicCompare } from './algebraic.js';
import { BallEvaluator } from './ball.js';
import { Field, isPrime, Rng } from './field.js';
import { parseLatex } from './parse.js';
import { powerProduct, RadicalBasis } from './powers.js';
import * as Q from './rational.js';
import { verify } from './verify.js';

const check = (gold: string, response: string, allowApproximation = false) =>
  verify({ gold, response: `\\boxed{${response}}` }, { allowApproximation });

describe('issue #19: no reward for a near miss', () => {
  it.each([
    ['\\frac{x}{10^{20}}', '\\frac{x+1}{10^{20}}'],
    ['x^{1000000000}', 'x^{1000000001}'],
    ['x', 'x+10^{-30}'],
    ['\\sin(10^{30}x)', '\\sin(10^{30}x+1)'],
    ['2^{100}', '\\sqrt2^{200}+1'],
    ['\\pi', '3.1416'],
    ['\\sqrt2', '1.414'],
    ['\\pi', '3.14159265358979'],
    ['4.5', '4.5+10^{-30}'],
  ])('rejects %s against %s', (gold, response) => {
    expect(check(gold, response).correct).toBe(false);
  });

  it.each([
    ['2^{299999}', '2^{300000}-2^{299999}'],
    ['3^{62500}', '\\sqrt{3^{125000}}'],
    ['10^{999999}', '1e999999'],
  ])('accepts %s as %s, beyond the 200,000-bit exact limit', (gold, response) => {
    expect(check(gold, response)).toMatchObject({ correct: true, method: 'exact' });
  });

  it('decides the same way whatever primes and points a check draws', () => {
    for (let k = 0; k < 40; k++) {
      expect(check('\\frac{\\sqrt{2}}{2}', '\\frac{1}{\\sqrt{2}}').correct).toBe(true);
      expect(check('x^2+2x+1', '(x+1)^2+10^{-40}').correct).toBe(false);
      expect(check('\\tan^2 y+1', '\\sec^2 y').correct).toBe(true);
    }
  });
});

describe('approximations', () => {
  it('takes a decimal for an irrational gold only when the problem asks for one', () => {
    expect(check('\\frac{\\pi}{2}', '1.5708')).toMatchObject({ correct: false, method: 'numeric' });
    expect(check('\\frac{\\pi}{2}', '1.5708').detail).toMatch(/allowApproximation/);
    expect(check('\\frac{\\pi}{2}', '1.5708', true).correct).toBe(true);
    expect(check('\\frac{\\pi}{2}', '1.5707', true).correct).toBe(false);
    expect(check('\\frac{\\pi}{2}', '1.57', true).correct).toBe(true);
    expect(check('\\frac{\\pi}{2}', '1.6', true).correct).toBe(false); // fewer than 3 digits
  });

  it('keeps repeating decimals for rational golds, correctly rounded', () => {
    expect(check('\\frac{2}{3}', '0.667').correct).toBe(true);
    expect(check('\\frac{2}{3}', '0.666').correct).toBe(false);
    expect(check('\\frac{1}{3}', '0.333333333333333333333333333334').correct).toBe(false);
    expect(check('\\frac{3}{8}', '0.38').correct).toBe(false);
  });

  it("reads a decimal gold's stated precision only when approximations are asked for", () => {
    expect(check('1.6', '1.59').correct).toBe(false);
    expect(check('1.6', '1.59', true).correct).toBe(true);
    expect(check('1.6', '1.5', true).correct).toBe(false);
    expect(check('3.14159', '3.14', true).correct).toBe(false);
  });
});

describe('high precision', () => {
  it('escalates what doubles cannot separate, and decides both ways', () => {
    expect(check('2', '2^{1+10^{-1000}}')).toMatchObject({ correct: false, method: 'numeric' });
    expect(check('\\sin(x)', '\\sin(x+2\\cdot 3.14159265358979)').correct).toBe(false);
    expect(check('\\cos(10^{-5}x)', '1-2\\sin^2(\\frac{10^{-5}x}{2})').correct).toBe(true);
    expect(check('\\pi', '\\arccos(-1+10^{-40})').correct).toBe(false);
  });

  it('stays undecided past its precision cap', () => {
    expect(check('1', '\\cos(10^{-2000})')).toMatchObject({
      correct: false,
      detail: 'cannot decide equality reliably',
    });
  });
});

describe('relations', () => {
  it('rejects rearranged equations that differ by a tiny term', () => {
    expect(check('y = 2x+3', '2y-4x = 6').correct).toBe(true);
    expect(check('y = 2x+3', '2y-4x = 6+10^{-25}').correct).toBe(false);
    expect(check('x > 2', '2x > 4+10^{-25}').correct).toBe(false);
    expect(check('y > \\sin x', '2y > 2\\sin x').correct).toBe(true);
    expect(check('y = \\sin x', 'y = \\sin x+10^{-30}').correct).toBe(false);
    expect(check('x + y = 1', 'x + y + \\max(0, 10^{-3}-(x-1)^2) = 1').correct).toBe(false);
  });
});

describe('building blocks', () => {
  it('finds primes and square roots in F_{p²}', () => {
    expect(isPrime(2305843009213693951n)).toBe(true); // 2^61 − 1
    expect(isPrime(2305843009213693953n)).toBe(false);
    const f = new Field(2305843009213693951n);
    const rng = new Rng(7n);
    for (let k = 0; k < 20; k++) {
      const z = f.mul(f.random(rng), [rng.next() % f.p, 1n]);
      const root = f.sqrt2(f.mul(z, z))!;
      expect(f.eq(f.mul(root, root), f.mul(z, z))).toBe(true);
    }
  });

  it('keeps huge radicands symbolic and shares one coprime basis', () => {
    const pp = powerProduct(parseLatex('\\sqrt{3^{125000}}'))!;
    expect([...pp]).toEqual([[3n, Q.rat(62500n)]]);
    const basis = new RadicalBasis([
      powerProduct(parseLatex('\\sqrt{6}'))!,
      powerProduct(parseLatex('\\sqrt{10}'))!,
    ]);
    expect([...basis.degree.keys()].sort()).toEqual([2n, 3n, 5n]);
    expect(algebraicCompare(parseLatex('\\sqrt{6}\\sqrt{10}'), parseLatex('2\\sqrt{15}'))).toBe('equal');
  });

  it('bounds the true value by its ball and measures the precision demand', () => {
    const at = (latex: string, env: Record<string, number> = {}) => {
      const ev = new BallEvaluator(env);
      return { v: ev.eval(parseLatex(latex)), demand: ev.demand };
    };
    const pi = at('4\\arctan 1').v;
    expect(Math.abs(pi.re - Math.PI)).toBeLessThanOrEqual(pi.r + 1e-16);
    expect(at('x+10^{-30}', { x: 1.5 }).demand.bits).toBeGreaterThan(90);
    expect(at('\\cos(10^{-5})').demand.bits).toBeGreaterThan(30);
    expect(at('\\sin(10^{30}x)', { x: 1.5 }).demand.unreliable).toBe(true);
    expect(at('\\sin x+\\cos x', { x: 1.5 }).demand.bits).toBeLessThan(8);
  });
});
