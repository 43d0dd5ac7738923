/** `metacot data build` through the built CLI: outputs, summary, and one-line errors for bad input. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metacot, metacotAsync, withoutProgress } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-cli-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('metacot data build', () => {
  it('builds a folder, prints a per-source summary and writes every output', () => {
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(
      join(src, 'mine.jsonl'),
      [
        '{"question":"What is 6 times 7?","answer":"42"}',
        '{"question":"Which of the following is prime? (A) 4 (B) 6 (C) 7 (D) 9","answer":"C"}',
        'not json',
        '{"question":"计算 3 加 4。","answer":"7"}',
      ].join('\n'),
    );
    writeFileSync(join(src, 'map.yaml'), 'sources:\n  - match: "mine*"\n    source: mine_renamed\n');
    const out = join(dir, 'out');
    const r = metacot([
      'data',
      'build',
      '--in',
      src,
      '--out',
      out,
      '--map',
      join(src, 'map.yaml'),
      '--workers',
      '0',
    ]);
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mine_renamed\s+3\s+1\s+2\s+1/);
    for (const f of ['problems.jsonl', 'problems.parquet', 'removed.jsonl', 'report.json', 'report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.malformed).toEqual([
      { file: join(src, 'mine.jsonl'), line: 3, message: expect.stringMatching(/not valid JSON/) },
    ]);
  });

  it('--keep-flagged records a signal without removing, and bad arguments fail in one line', () => {
    const src = join(dir, 'src2');
    mkdirSync(src);
    writeFileSync(
      join(src, 'p.jsonl'),
      '{"problem":"Prove that 1 + 1 = 2, then compute 1 + 1.","answer":"2"}\n',
    );
    const out = join(dir, 'out2');
    const ok = metacot([
      'data',
      'build',
      '--in',
      src,
      '--out',
      out,
      '--keep-flagged',
      'proof',
      '--format',
      'jsonl',
      '--workers',
      '0',
    ]);
    expect(ok.code).toBe(0);
    const row = JSON.parse(readFileSync(join(out, 'problems.jsonl'), 'utf8'));
    expect(row.signals.proof).toMatch(/Prove/);
    expect(existsSync(join(out, 'problems.parquet'))).toBe(false);

    const missing = metacot(['data', 'build', '--in', join(dir, 'nope'), '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`metacot: error: ${join(dir, 'nope')}: no such file or folder`);
    const badSignal = metacot(['data', 'build', '--in', src, '--out', out, '--keep-flagged', 'proofs']);
    expect(badSignal.code).toBe(1);
    expect(badSignal.stderr).toMatch(/unknown signal 'proofs'/);
    const half = metacot(['data', 'build', '--in', src, '--out', out, '--difficulty-model', 'x']);
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/needs both --difficulty-endpoint and --difficulty-model/);
  });
});

/**
 * Difficulty end to end: the CLI talks to a real HTTP server on 127.0.0.1 that speaks the OpenAI chat
 * API (a scripted model: choice i is right when i is even), so 2 of 4 rollouts verify.
 */
describe('metacot data build --difficulty-endpoint', () => {
  let server: Server;
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('measures solve rates through the OpenAI-compatible backend, and a rerun resumes from the checkpoint', async () => {
    let requests = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        requests++;
        const j = JSON.parse(body) as { n: number; messages: { content: string }[] };
        const right = /6 times 7/.test(j.messages.at(-1)!.content) ? '42' : '5';
        const choices = Array.from({ length: j.n }, (_, i) => ({
          index: i,
          message: { role: 'assistant', content: i % 2 === 0 ? `so \\boxed{${right}}` : 'so \\boxed{0}' },
          finish_reason: 'stop',
        }));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ choices, usage: { prompt_tokens: 5, completion_tokens: 5 * j.n } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const src = join(dir, 'src3');
    mkdirSync(src);
    writeFileSync(
      join(src, 'p.jsonl'),
      '{"problem":"What is 6 times 7?","answer":"42"}\n{"problem":"What is 2 plus 3?","answer":"5"}\n',
    );
    const out = join(dir, 'out3');
    const args = ['data', 'build', '--in', src, '--out', out, '--workers', '0', '--format', 'jsonl'];
    const run = (extra: string[]) => metacotAsync([...args, ...extra]);
    const r = await run(['--difficulty-endpoint', url, '--difficulty-model', 'scripted', '--rollouts', '4']);
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    const rows = readFileSync(join(out, 'problems.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x: { solve_rate: number; difficulty: number }) => [x.solve_rate, x.difficulty])).toEqual(
      [
        [0.5, 3],
        [0.5, 3],
      ],
    );
    expect(requests).toBe(2);
    // the rerun names the same server as a backend spec: everything is in the checkpoint, no request is made
    const again = await run([
      '--difficulty-backend',
      `openai:${url}#model=scripted&mode=chat`,
      '--rollouts',
      '4',
    ]);
    expect(withoutProgress(again.stderr)).toBe('');
    expect(again.code).toBe(0);
    expect(requests).toBe(2);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.difficulty).toMatchObject({ rollouts: 4, measured: 2 });
  });
});

/**
 * A difficulty backend that refuses: every request (HTTP 401), or only prompts longer than its context
 * (HTTP 400, as vLLM answers), or one that answers slowly (progress lines on a non-terminal stderr).
 */
describe('metacot data build with a refusing or slow difficulty backend', () => {
  let server: Server;
  let url = '';
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const j = JSON.parse(body) as { model: string; n: number; messages: { content: string }[] };
        const prompt = j.messages.at(-1)!.content;
        res.setHeader('content-type', 'application/json');
        if (j.model === 'locked') {
          res.statusCode = 401;
          return res.end(JSON.stringify({ error: { message: 'invalid api key' } }));
        }
        if (j.model === 'small-context' && prompt.length > 200) {
          res.statusCode = 400;
          return res.end(
            JSON.stringify({ error: { message: "This model's maximum context length is 64 tokens" } }),
          );
        }
        const choices = Array.from({ length: j.n }, (_, i) => ({
          index: i,
          message: { role: 'assistant', content: 'so \\boxed{42}' },
          finish_reason: 'stop',
        }));
        const answer = () =>
          res.end(JSON.stringify({ choices, usage: { prompt_tokens: 5, completion_tokens: 5 } }));
        if (j.model === 'slow') setTimeout(answer, 1500);
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  const source = (name: string, rows: object[]) => {
    const src = join(dir, name);
    mkdirSync(src);
    writeFileSync(join(src, 'p.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return src;
  };
  const build = (src: string, out: string, model: string, extra: string[] = []) =>
    metacotAsync([
      ...['data', 'build', '--in', src, '--out', out, '--workers', '0', '--no-near-dedup'],
      ...['--difficulty-endpoint', url, '--difficulty-model', model, '--rollouts', '2', ...extra],
    ]);
  const rows = [
    { problem: 'What is 6 times 7?', answer: '42' },
    { problem: `What is 40 plus 2? ${'Think about it carefully. '.repeat(12)}`, answer: '42' },
    { problem: 'What is 50 minus 8?', answer: '42' },
  ];

  it('a backend that refuses everything: one line naming it and the HTTP status, no partial files', async () => {
    const out = join(dir, 'locked-out');
    const r = await build(source('locked', rows), out, 'locked');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^metacot: error: difficulty backend openai:http:\/\/127\.0\.0\.1:\d+\/v1 model=locked mode=chat: .*HTTP 401: invalid api key$/,
    );
    expect(readdirSync(out).filter((f) => f.endsWith('.partial') || f.includes('staging'))).toEqual([]);
  });

  it('a prompt longer than the context: that row is skipped and reported, the build goes on', async () => {
    const out = join(dir, 'context-out');
    const src = source('context', rows);
    const r = await build(src, out, 'small-context');
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /difficulty: 2 problems measured, 1 skipped as refused by the backend \(first: .*p\.jsonl:2: .*HTTP 400/,
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.difficulty).toMatchObject({ measured: 2, skipped: 1 });
    expect(report.difficulty.skipped_rows).toEqual([
      {
        id: expect.any(String),
        file: join(src, 'p.jsonl'),
        line: 2,
        message: expect.stringMatching(/context length/),
      },
    ]);
    const solveRates = readFileSync(join(out, 'problems.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).solve_rate);
    expect(solveRates).toEqual([1, null, 1]);
  });

  it('prints progress with done/total, rate and ETA on a stderr that is not a terminal', async () => {
    const out = join(dir, 'slow-out');
    // four problems, one at a time, 1.5 s each: at least one periodic line (every 5 s) before the end
    const slow = [...rows, { problem: 'What is 84 divided by 2?', answer: '42' }];
    const r = await build(source('slow', slow), out, 'slow', ['--difficulty-concurrency', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^difficulty [0-4]\/4 problems \(\d+%\), [\d.]+ problems\/s, ETA .+$/m);
  });

  it('fields of the wrong type are bad rows naming file, line and field, not text', async () => {
    const src = source('typed', [
      { problem: 7, answer: '1' },
      { problem: 'What is 1 + 1?', answer: [1] },
      { problem: 'What is 2 + 2?', answer: { value: 4 } },
      { problem: 'What is 3 + 3?', answer: 6 },
    ]);
    const out = join(dir, 'typed-out');
    const r = metacot(['data', 'build', '--in', src, '--out', out, '--workers', '0', '--format', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const file = join(src, 'p.jsonl');
    expect(report.malformed).toEqual([
      {
        file,
        line: 1,
        message: "field 'problem': expected text (a string or a list of strings), got the number 7",
      },
      {
        file,
        line: 2,
        message: "field 'answer': expected a string, a number or a list of strings, got the list [1]",
      },
      {
        file,
        line: 3,
        message: `field 'answer': expected a string, a number or a list of strings, got the object {"value":4}`,
      },
    ]);
    const kept = readFileSync(join(out, 'problems.jsonl'), 'utf8').trim().split('\n');
    expect(kept.map((l) => JSON.parse(l).answer)).toEqual(['6']);
  });
});
