import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');

describe('metacot verify (built CLI)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('checks one pair and prints a JSON result', () => {
    const out = execFileSync(
      'node',
      [CLI, 'verify', '--gold', '\\frac{1}{2}', '--response', 'so $\\boxed{0.5}$'],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toMatchObject({
      correct: true,
      reason: 'equal',
      extracted: '0.5',
      rule: 'boxed',
    });
  });

  it('verifies a JSONL file in input order and reports bad lines per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metacot-verify-'));
    dirs.push(dir);
    const inFile = join(dir, 'in.jsonl');
    const outFile = join(dir, 'out.jsonl');
    const lines = [
      ...Array.from({ length: 40 }, (_, k) =>
        JSON.stringify({ id: k, gold: String(k), response: `\\boxed{${k % 3 ? k : k + 1}}` }),
      ),
      'not json',
      JSON.stringify({ id: 'no-response', gold: '1' }),
      JSON.stringify({ id: 'numeric-gold', gold: 7, response: '#### 7' }),
    ];
    writeFileSync(inFile, `${lines.join('\n')}\n`);
    const res = spawnSync('node', [CLI, 'verify', '--in', inFile, '--out', outFile, '--workers', '2'], {
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/verified 43 lines/);
    const out = readFileSync(outFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(43);
    out.slice(0, 40).forEach((r, k) => {
      expect(r.id).toBe(k);
      expect(r.correct).toBe(k % 3 !== 0);
      expect(typeof r.reason).toBe('string');
    });
    expect(out[40]).toMatchObject({ line: 41, correct: false, reason: 'invalid_input' });
    expect(out[40].error).toMatch(/in\.jsonl:41: not valid JSON/);
    expect(out[41]).toMatchObject({ id: 'no-response', reason: 'invalid_input' });
    expect(out[41].error).toMatch(/in\.jsonl:42: field 'response': missing/);
    expect(out[42]).toMatchObject({ id: 'numeric-gold', correct: true });
  });

  it('grades the last box by default; --strict-hedging grades a correction as hedged', () => {
    const args = [
      'verify',
      '--gold',
      '6',
      '--response',
      'First \\boxed{5}. Wait, that is wrong: \\boxed{6}.',
    ];
    const run = (...extra: string[]) =>
      JSON.parse(execFileSync('node', [CLI, ...args, ...extra], { encoding: 'utf8' }));
    expect(run()).toMatchObject({ correct: true, reason: 'equal', extracted: '6' });
    expect(run('--last-boxed')).toMatchObject({ correct: true, reason: 'equal', extracted: '6' });
    expect(run('--strict-hedging')).toMatchObject({ correct: false, reason: 'hedged', extracted: '5 ; 6' });
    const both = spawnSync('node', [CLI, ...args, '--strict-hedging', '--last-boxed'], { encoding: 'utf8' });
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/--strict-hedging and --last-boxed contradict/);
    expect(both.stderr).not.toMatch(/at .*\.js/);
  });

  it('takes a decimal for an exact irrational gold only with --allow-approximation', () => {
    const run = (...flags: string[]) =>
      JSON.parse(
        execFileSync('node', [CLI, 'verify', '--gold', '\\pi', '--response', '$\\boxed{3.1416}$', ...flags], {
          encoding: 'utf8',
        }),
      );
    expect(run()).toMatchObject({ correct: false, reason: 'not_equal' });
    expect(run('--allow-approximation')).toMatchObject({ correct: true, reason: 'equal' });
  });

  it('explains misuse without a stack trace', () => {
    const res = spawnSync('node', [CLI, 'verify', '--gold', '1'], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/needs both --gold and --response/);
    expect(res.stderr).not.toMatch(/at .*\.js/);
  });
});
