import { describe, expect, it } from 'vitest';
import type { Prediction } from './evaluate.js';
import { goalChecks } from './goal-checks.js';

const pred = (target: number, output: string): Prediction => ({
  nums: [6, 5, 1],
  target,
  output,
  solution: [],
  solved: false,
  output_tokens: 0,
  finish: 'stop',
});

describe('goalChecks', () => {
  it('counts each verdict against whether the written result is the target', () => {
    const out = [
      'try 6+5=11 [1 11]',
      'go',
      'try 1+11=12 [12] vs 30 no',
      'try 11-1=10 [10] vs 30 goal',
      'back [6 5 1]',
      'try 6*5=30 [1 30]',
      'go',
      'try 1*30=30 [30] vs 30 no',
      'try 30-1=29 [29] vs 30 no',
      '',
    ].join('\n');
    expect(goalChecks([pred(30, out)], 'compact')).toEqual({
      hits: 0,
      misses: 1,
      false_goals: 1,
      rejections: 2,
    });
    // The written result counts, even when its arithmetic is wrong: the check is what is measured.
    expect(goalChecks([pred(30, 'try 6*6=30 [30] vs 3:3 0:0 goal\n')], 'digitwise')).toEqual({
      hits: 1,
      misses: 0,
      false_goals: 0,
      rejections: 0,
    });
  });

  it('reads Stream of Search text too, and ignores lines without a verdict', () => {
    const sos = [
      'Exploring Operation: 6*5=30, Resulting Numbers: [1, 30]',
      'Generated Node #0,0: 31:[1, 30] Operation: 6*5=30',
      'Exploring Operation: 1+30=31, Resulting Numbers: [31]',
      '31,31 equal: Goal Reached',
      'garbage line',
    ].join('\n');
    expect(goalChecks([pred(31, sos)], 'sos')).toEqual({ hits: 1, misses: 0, false_goals: 0, rejections: 0 });
  });
});
