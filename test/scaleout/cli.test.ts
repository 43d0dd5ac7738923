/**
 * `metacot export` and `metacot serve-rollouts` as a user runs them: the built CLI in a child process, a
 * stand-in policy over real HTTP, and the Python NeoX client over real TCP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metacot, ROOT } from '../cli.js';
import { neoxFetch, runPython } from './python.js';
import { type StandInPolicy, startStandInPolicy } from './stand-in-policy.js';
import { tinyTokenizerJson } from './tiny-tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-scaleout-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const problems = join(dir, 'problems.jsonl');
writeFileSync(
  problems,
  [
    { problem: 'What is 2 + 3?', answer: '5' },
    { problem: 'What is 4 + 4?', answer: '8' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
);
const tokenizer = join(dir, 'tokenizer.json');
writeFileSync(tokenizer, JSON.stringify(tinyTokenizerJson()));

describe('metacot export', () => {
  it('writes a complete verl Parquet file and says how many rows', async () => {
    const out = join(dir, 'train.parquet');
    const r = metacot(['export', '--format', 'verl', '--in', problems, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 2 problems as verl to ${out}\n`);
    // Parquet magic at both ends: a complete file, not a temp left half-written
    const head = await runPython([
      '-c',
      `d=open(${JSON.stringify(out)},'rb').read();print(d[:4]==b'PAR1' and d[-4:]==b'PAR1')`,
    ]);
    expect(head.trim()).toBe('True');
  });

  it('reports bad input as one line naming file and line, exit 1', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"problem": "x", "answer": "1"}\n{"problem": "y"}\n');
    const r = metacot(['export', '--format', 'trl', '--in', bad, '--out', join(dir, 'o.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`metacot: error: ${bad}:2: field 'answer': missing (the gold answer)\n`);
  });
});

describe('metacot serve-rollouts --protocol neox', () => {
  let policy: StandInPolicy;
  beforeAll(async () => {
    policy = await startStandInPolicy({
      table: {
        'What is 2 + 3?': [' So \\boxed{5}.', ' So \\boxed{4}.'],
        'What is 4 + 4?': [' So \\boxed{8}.', ' Maybe 9.'],
      },
    });
  });
  afterAll(() => policy.close());

  it('rejects a malformed tokenizer before listening, in one line', () => {
    const broken = join(dir, 'broken.json');
    const truncated = join(dir, 'truncated.json');
    writeFileSync(
      broken,
      JSON.stringify({ ...tinyTokenizerJson(), pre_tokenizer: { type: 'NoSuchPreTokenizer' } }),
    );
    writeFileSync(truncated, JSON.stringify(tinyTokenizerJson()).slice(0, 500));
    for (const [file, message] of [
      [broken, 'malformed tokenizer\\.json \\(.*\\)'],
      [truncated, 'tokenizer\\.json is not valid JSON \\(.*\\)'],
    ] as const) {
      const r = metacot(
        [
          'serve-rollouts',
          '--backend',
          `openai:${policy.url}#model=stand-in`,
          '--tokenizer',
          file,
          '--train',
          problems,
          '--seq-length',
          '128',
        ],
        { timeoutMs: 20_000 },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^metacot: error: ${file}: ${message}\\n$`));
    }
  });

  it('exits with one clear line when no problem fits the context, or a rank has no problems', () => {
    const base = [
      'serve-rollouts',
      '--backend',
      `openai:${policy.url}#model=stand-in`,
      '--tokenizer',
      tokenizer,
      '--train',
      problems,
    ];
    const tooShort = metacot([...base, '--seq-length', '8', '--ports', '0'], { timeoutMs: 20_000 });
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(
      /^skipped: .*problems\.jsonl:1: prompt is \d+ tokens, but the trainer's seq_length \+ 1 = 9/m,
    );
    expect(tooShort.stderr).toMatch(
      /^metacot: error: no usable train problem for rank 0: all 2 were skipped/m,
    );
    const tooManyRanks = metacot([...base, '--seq-length', '128', '--ports', '0,0,0'], { timeoutMs: 20_000 });
    expect(tooManyRanks.code).toBe(1);
    expect(tooManyRanks.stderr).toBe(
      'metacot: error: rank 2 has no train problems (fewer problems than data-parallel ranks)\n',
    );
  });

  it('refuses groups of one completion (leave-one-out needs two)', () => {
    const r = metacot([
      'serve-rollouts',
      '--backend',
      policy.url,
      '--tokenizer',
      tokenizer,
      '--train',
      problems,
      '--seq-length',
      '128',
      '--k',
      '1',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--k.*expected an integer ≥ 2/);
  });

  it('writes a status line every few seconds to a stderr that is not a terminal', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(ROOT, 'dist', 'cli', 'main.js'),
        'serve-rollouts',
        ...['--backend', `openai:${policy.url}#model=stand-in`, '--tokenizer', tokenizer],
        ...['--train', problems, '--seq-length', '128', '--k', '2', '--groups', '2', '--ports', '0'],
        ...['--verify-workers', '1', '--status-every', '1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }, // a pipe: stderr.isTTY is false
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const t0 = Date.now();
      while (!/^rollouts after \d+ s: /m.test(stderr) && Date.now() - t0 < 15_000 && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      // prefetch 2 batches of 2 groups of 2 samples, graded [1, 0]: before any trainer connects
      expect(stderr).toMatch(
        /^rollouts after \d+ s: \d+ groups \(\d+ samples, [\d.]+\/s, mean reward 0\.500\), \d+ batches built, \d+ ready; served train 0$/m,
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('serves two data-parallel ranks to the NeoX client, then stops cleanly on SIGTERM', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(ROOT, 'dist', 'cli', 'main.js'),
        'serve-rollouts',
        '--backend',
        `openai:${policy.url}#model=stand-in`,
        '--tokenizer',
        tokenizer,
        '--train',
        problems,
        '--seq-length',
        '128',
        '--k',
        '2',
        '--groups',
        '1',
        '--ports',
        '0,0',
        '--verify-workers',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const t0 = Date.now();
      while (!/rank 1 → /.test(stdout) && Date.now() - t0 < 20_000) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const ports = [...stdout.matchAll(/rank (\d) → 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[2]));
      expect(ports, `stdout: ${stdout}\nstderr: ${stderr}`).toHaveLength(2);
      const [a, b] = await Promise.all([
        neoxFetch(ports[0]!, 'train', 128),
        neoxFetch(ports[1]!, 'train', 128),
      ]);
      for (const r of [a, b]) {
        expect(r.errors).toEqual([]);
        expect(r.groups).toHaveLength(1);
        expect(r.groups[0]!.rewards).toEqual([1, 0]);
        expect(r.groups[0]!.advantages).toEqual([1, -1]);
      }
      // a batch counts as served once the trainer has read it and closed
      const t1 = Date.now();
      while (!/rank 0 train #1: 1 groups/.test(stderr) && Date.now() - t1 < 5000)
        await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toMatch(/rank 0 train #1: 1 groups/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
