import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOS_COUNTDOWN, splitTargets } from '../src/countdown/generator.js';
import { verifyCountdown } from '../src/countdown/verify.js';
import { metacot, ROOT, withoutProgress } from './cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metacot-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('metacot countdown generate', () => {
  it('writes verified problems and traces, identical with 1 or 2 workers', () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const args = ['countdown', 'generate', '--count', '600', '--test-count', '100', '--seed', '3'];
    const r1 = metacot([...args, '--out', a, '--workers', '2']);
    expect(withoutProgress(r1.stderr)).toBe('');
    expect(r1.code).toBe(0);
    expect(r1.stdout).toMatch(/wrote 700 problems/);
    expect(r1.stdout).toMatch(/median tokens/);
    expect(metacot([...args, '--out', b, '--workers', '1']).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));

    const rows = lines(a);
    expect(rows).toHaveLength(700);
    expect(rows.filter((r) => r.split === 'test')).toHaveLength(100);
    const { test: heldOut } = splitTargets({ ...SOS_COUNTDOWN, seed: 3 });
    for (const r of rows) {
      for (const key of [
        'nums',
        'target',
        'solution',
        'solver',
        'trace',
        'optimal',
        'nodes_explored',
        'split',
      ]) {
        expect(r).toHaveProperty(key);
      }
      expect(heldOut.includes(r.target)).toBe(r.split === 'test');
      expect(verifyCountdown(r, r.optimal_solution).ok).toBe(true);
      if (r.solution) expect(verifyCountdown(r, r.solution).ok).toBe(true);
    }
    const solvers = new Set(rows.map((r) => r.solver));
    expect(solvers.size).toBe(12);
    const rate = rows.filter((r) => r.solved).length / rows.length;
    expect(rate).toBeGreaterThan(0.45); // SoS reports 57% for its mixture
    expect(rate).toBeLessThan(0.7);

    const check = metacot(['countdown', 'check', a]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/700 records, \d+ with a solution, 0 problems/);
  });

  it('adds held-out inputs on train targets, never drawn for training, and says what they need', () => {
    const out = join(dir, 'inputs.jsonl');
    const base = ['countdown', 'generate', '--count', '300', '--numbers', '3', '--max-target', '40'];
    const r = metacot([...base, '--held-out-inputs', '0.2', '--test-inputs-count', '40', '--out', out]);
    expect(r.code).toBe(0);
    const rows = lines(out);
    const key = (x: { nums: number[]; target: number }) => `${[...x.nums].sort((a, b) => a - b)}=${x.target}`;
    const train = new Set(rows.filter((x) => x.split === 'train').map(key));
    const inputs = rows.filter((x) => x.split === 'test-inputs');
    expect(inputs).toHaveLength(40);
    for (const x of inputs) expect(train.has(key(x))).toBe(false);
    expect(metacot(['countdown', 'check', out]).code).toBe(0);
    const bad = metacot([...base, '--test-inputs-count', '10', '--out', join(dir, 'no.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--test-inputs-count needs held-out inputs: set --held-out-inputs/);
  });

  it('writes SoS-format and A* traces that pass the checker', () => {
    for (const [solver, format] of [
      ['bfs3-mult', 'sos'],
      ['astar-sum', 'compact'],
    ]) {
      const out = join(dir, `${solver}.jsonl`);
      const r = metacot([
        'countdown',
        'generate',
        '--count',
        '50',
        '--solver',
        solver,
        '--format',
        format,
        '--out',
        out,
      ]);
      expect(r.code).toBe(0);
      const rows = lines(out);
      expect(rows.every((x) => x.solver === solver)).toBe(true);
      expect(metacot(['countdown', 'check', out]).code).toBe(0);
    }
  });

  it('detects a tampered file', () => {
    const out = join(dir, 'tamper.jsonl');
    expect(
      metacot(['countdown', 'generate', '--count', '30', '--solver', 'dfs-sum', '--out', out]).code,
    ).toBe(0);
    const rows = lines(out);
    const i = rows.findIndex((r) => r.solution);
    rows[i].solution[0] = rows[i].solution[0].replace(
      /=(\d+)$/,
      (_: string, n: string) => `=${Number(n) + 1}`,
    );
    writeFileSync(out, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = metacot(['countdown', 'check', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`tamper.jsonl:${i + 1}: solution does not verify`));
  });

  it.each([
    [
      ['--numbers', '5', '--num-min', '1', '--num-max', '3', '--distinct'],
      /5 distinct numbers cannot be drawn/,
    ],
    [
      ['--numbers', '2', '--num-min', '1', '--num-max', '2', '--min-target', '500', '--max-target', '510'],
      /no solvable train problem/,
    ],
    [['--min-target', '90', '--max-target', '10'], /minTarget 90 > maxTarget 10/],
    [['--solver', 'bfs9-sum'], /unknown solver 'bfs9-sum'/],
    [['--count', '-3'], /expected an integer ≥ 0/],
  ])('refuses impossible config %j with one clear line and no output file', (extra, message) => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const out = join(sub, 'x.jsonl');
    const r = metacot(['countdown', 'generate', '--count', '5', ...extra, '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(sub)).toEqual([]);
  });

  it('creates a missing output folder, and refuses unwritable output paths in one line', () => {
    const made = metacot(['countdown', 'generate', '--count', '5', '--out', join(dir, 'missing', 'x.jsonl')]);
    expect(made.code, made.stderr).toBe(0);
    expect(lines(join(dir, 'missing', 'x.jsonl'))).toHaveLength(5);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const under = metacot(['countdown', 'generate', '--count', '5', '--out', join(file, 'x.jsonl')]);
    expect(under.code).toBe(1);
    expect(under.stderr).toMatch(/^metacot: error: cannot write .*a-file\/x\.jsonl: /);
    const folder = metacot(['countdown', 'generate', '--count', '5', '--out', dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/^metacot: error: --out .*: is a folder, expected a file$/m);
  });
});

describe('metacot countdown solve', () => {
  it('solves one problem and prints its trace', () => {
    const r = metacot([
      'countdown',
      'solve',
      '--nums',
      '39,66,33,13',
      '--target',
      '50',
      '--solver',
      'dfs-sum',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('target 50 [39 66 33 13]');
    expect(r.stderr).toMatch(/dfs-sum: solved with 39\+13=52, 66\/33=2, 52-2=50/);
  });

  it('names the file, line and field of a malformed problem', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"nums":[1,2,3],"target":6}\n{"nums":"1,2","target":3}\n');
    let r = metacot(['countdown', 'solve', '--in', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `metacot: error: ${bad}:2: field 'nums': expected a list of at least 2 non-negative integers`,
    );
    writeFileSync(bad, '{"nums":[1,2,3],"target":6}\n\n{"nums":[1,2],\n');
    r = metacot(['countdown', 'solve', '--in', bad]);
    expect(r.stderr).toMatch(new RegExp(`${bad}:3: not valid JSON`));
    r = metacot(['countdown', 'solve', '--in', join(dir, 'nope.jsonl')]);
    expect(r.stderr).toMatch(/nope.jsonl: no such file/);
  });

  it('solves a file of problems', () => {
    const inp = join(dir, 'problems.jsonl');
    const out = join(dir, 'solved.jsonl');
    writeFileSync(inp, '{"nums":[39,66,33,13],"target":50}\n{"nums":[1,1,1],"target":97}\n');
    expect(metacot(['countdown', 'solve', '--in', inp, '--out', out, '--solver', 'astar-sum']).code).toBe(0);
    const rows = lines(out);
    expect(rows.map((r) => r.solved)).toEqual([true, false]);
  });
});

describe('metacot countdown linearize', () => {
  it('rebuilds the same traces from saved trees (tree + visit log is lossless)', () => {
    const inp = join(dir, 'p.jsonl');
    const out = join(dir, 'trees.jsonl');
    writeFileSync(inp, '{"nums":[39,66,33,13],"target":50}\n{"nums":[8,2,3,2],"target":24}\n');
    for (const [solver, as, format] of [
      ['bfs3-sum', 'stream', 'sos'],
      ['dfs-mult', 'stream', 'compact'],
      ['astar-sum', 'astar', 'compact'],
    ]) {
      expect(
        metacot([
          'countdown',
          'solve',
          '--in',
          inp,
          '--out',
          out,
          '--tree',
          '--solver',
          solver,
          '--format',
          format,
        ]).code,
      ).toBe(0);
      const solved = lines(out);
      const r = metacot(['countdown', 'linearize', '--in', out, '--as', as, '--format', format]);
      expect(r.code).toBe(0);
      expect(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).text),
      ).toEqual(solved.map((x) => x.trace));
    }
    writeFileSync(out, '{"tree":{"format":"metacot.tree","version":1,"nodes":[]}}\n');
    expect(metacot(['countdown', 'linearize', '--in', out]).stderr).toMatch(
      /trees.jsonl:1: field 'tree': tree has no nodes/,
    );
  });
});

describe('metacot --help', () => {
  it('teaches the commands', () => {
    const r = metacot(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/countdown/);
    const g = metacot(['countdown', 'generate', '--help']);
    expect(g.stdout).toMatch(/--solver <name>/);
    expect(g.stdout).toMatch(/Example/);
  });
});

describe('interrupting countdown generate', () => {
  it('leaves no partial output after SIGTERM', async () => {
    const sub = mkdtempSync(join(dir, 'int-'));
    const child = spawn(process.execPath, [
      join(ROOT, 'dist/cli/main.js'),
      'countdown',
      'generate',
      '--count',
      '400000',
      '--out',
      join(sub, 'x.jsonl'),
    ]);
    // Interrupt once the temporary output exists: the handlers are installed and work is under way.
    for (let waited = 0; readdirSync(sub).length === 0 && waited < 20000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(sub).length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(readdirSync(sub)).toEqual([]);
  });
});
