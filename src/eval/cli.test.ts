/** `metacot eval` on a small JSONL whose metrics are worked out by hand below. Runs the built CLI. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metacot } from '../../test/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = [
  // p1, gold 1/2: two right (0.5 and 1/2 are one answer), two wrong; the wrong one has the top score
  { problem_id: 'p1', gold: '\\frac{1}{2}', response: 'so $\\boxed{0.5}$', score: 0.2, tokens: 10 },
  { problem_id: 'p1', gold: '\\frac{1}{2}', response: 'hence \\boxed{1/2}', score: 0.1, tokens: 20 },
  { problem_id: 'p1', gold: '\\frac{1}{2}', response: '\\boxed{3}', score: 0.9, tokens: 30 },
  { problem_id: 'p1', gold: '\\frac{1}{2}', response: 'I get \\boxed{3}', score: 0.3, tokens: 40 },
  // p2, gold 7 (a number, read as a string): right, no answer at all, wrong, right
  { problem_id: 'p2', gold: 7, response: 'The answer is $\\boxed{7}$.', score: 0.5, tokens: 50 },
  { problem_id: 'p2', gold: 7, response: 'no idea', score: 0.6, tokens: 60 },
  { problem_id: 'p2', gold: 7, response: '\\boxed{8}', score: 0.1, tokens: 70 },
  { problem_id: 'p2', gold: 7, response: '\\boxed{7}', score: 0.2, tokens: 80 },
];

const write = (name: string, lines: object[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return p;
};

describe('metacot eval', () => {
  it('reports pass@k, maj@k, bon@k and accuracy by tokens as one JSON object, and an HTML report', () => {
    const file = write('s.jsonl', rows);
    const html = join(dir, 'r.html');
    const r = metacot([
      'eval',
      '--samples',
      file,
      '--k',
      '1,2,4',
      '--json',
      '--report',
      html,
      '--workers',
      '1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // each problem: n=4, c=2 → pass@1 = 1/2, pass@2 = 1 - C(2,2)/C(4,2) = 5/6, pass@4 = 1
    expect(j['pass@1']).toBeCloseTo(0.5, 12);
    expect(j['pass@2']).toBeCloseTo(5 / 6, 12);
    expect(j['pass@4']).toBe(1);
    // maj@2: groups (0,1),(2,3): p1 → {0.5,1/2} right, {3,3} wrong; p2 → {7,-} right, {8,7} tie → 8 first, wrong
    // maj@4: p1 tie 2-2 → first-seen 0.5 wins; p2 7 beats 8 two to one
    expect([j['maj@1'], j['maj@2'], j['maj@4']]).toEqual([0.5, 0.5, 1]);
    // bon@2: p1 picks 0.5 (0.2 > 0.1) right and 3 (0.9) wrong; p2 picks "no idea" (0.6) wrong and 7 (0.2) right
    // bon@4: both problems' top score is a wrong sample
    expect([j['bon@1'], j['bon@2'], j['bon@4']]).toEqual([0.5, 0.5, 0]);
    expect(j).toMatchObject({ problems: 2, samples: 8, accuracy: 0.5, mean_tokens: 45 });
    // 5 bins over 8 samples sorted by tokens cut at floor(b·8/5) = 0,1,3,4,6,8:
    // [10✓] [20✓ 30✗] [40✗] [50✓ 60✗] [70✗ 80✓]
    expect(j.accuracy_vs_tokens.map((b: { accuracy: number }) => b.accuracy)).toEqual([1, 0.5, 0, 0.5, 0.5]);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('pass@k');
    expect(page).not.toContain('<script');
  });

  it('prints a table, gives null bon@k without scores, and refuses bad input in one line', () => {
    const noScores = write(
      'n.jsonl',
      rows.map(({ score: _s, tokens: _t, ...rest }) => rest),
    );
    const j = JSON.parse(
      metacot(['eval', '--samples', noScores, '--k', '2', '--json', '--workers', '1']).stdout,
    );
    expect(j['bon@2']).toBeNull();
    expect(j.accuracy_vs_tokens).toBeNull();
    const table = metacot(['eval', '--samples', noScores, '--k', '1,4', '--workers', '1']);
    expect(table.stdout).toMatch(/2 problems, 8 samples, 50\.0% of samples correct/);
    expect(table.stdout).toMatch(/\n {4}4 {4}100\.0% {4}100\.0% {9}-\n/);

    const tooFew = metacot(['eval', '--samples', noScores, '--k', '5', '--workers', '1']);
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr.trim()).toBe(
      'metacot: error: k=5 needs at least 5 samples per problem, but problem p1 has 4',
    );
    const bad = write('b.jsonl', [rows[0], { problem_id: 'p1', gold: '2', response: 'x' }]);
    const e = metacot(['eval', '--samples', bad, '--workers', '1']);
    expect(e.stderr.trim()).toMatch(
      /b\.jsonl:2: field 'gold': problem p1 had gold "\\\\frac\{1\}\{2\}" on line 1$/,
    );
    expect(metacot(['eval', '--samples', noScores, '--k', '0']).stderr).toMatch(
      /comma-separated list of integers >= 1/,
    );
    // a number where the model's text should be is bad input, not a wrong answer
    const numeric = write('r.jsonl', [rows[0], { problem_id: 'p1', gold: '\\frac{1}{2}', response: 42 }]);
    const n = metacot(['eval', '--samples', numeric, '--workers', '1']);
    expect(n.code).toBe(1);
    expect(n.stderr.trim()).toMatch(
      /^metacot: error: .*r\.jsonl:2: field 'response': expected the model's text \(a string\), got 42 \(number\)$/,
    );
  });
});
