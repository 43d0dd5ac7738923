import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arithmeticLines } from '../src/llm/testing/tiny-model.js';
import { startMetacot } from './cli.js';

/**
 * The newcomer's path through the CLI, with no hand-written file in between: `metacot train` on text lines
 * makes a model that `metacot serve` answers real HTTP completions with, that `metacot search` searches with
 * (engine backend; question/gold lines; an --out folder that does not exist yet), and that
 * `metacot export gguf` writes as a GGUF which llama.cpp (node-llama-cpp) loads and decodes to the same
 * greedy text as the server. Children run async: the server must answer while this process waits on it.
 */
const dir = mkdtempSync(join(tmpdir(), 'metacot-train-serve-'));
const model = join(dir, 'runs', 'm');
const children: ChildProcess[] = [];

function start(args: string[]): ReturnType<typeof startMetacot> {
  const run = startMetacot(args, { cwd: dir });
  children.push(run.child);
  return run;
}

const metacot = (args: string[]) => start(args).done;

beforeAll(() => {
  writeFileSync(
    join(dir, 'text.jsonl'),
    arithmeticLines()
      .map((text) => `${JSON.stringify({ text })}\n`)
      .join(''),
  );
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('train → serve → search → export gguf → llama.cpp, all through the CLI', () => {
  let served = '';

  it('trains on text lines and records the tokenizer, the vocabulary sized to it', async () => {
    const r = await metacot([
      'train',
      '--data',
      'text.jsonl',
      '--out',
      model,
      ...['--layers', '1', '--d-model', '48', '--heads', '4', '--ff', '96', '--ctx', '48'],
      ...[
        '--steps',
        '120',
        '--batch',
        '16',
        '--lr',
        '1e-2',
        '--warmup',
        '5',
        '--seed',
        '1',
        '--threads',
        '1',
      ],
    ]);
    expect(r.code, r.stderr).toBe(0);
    // the lines use 24 distinct characters; the model's vocabulary is the tokenizer's 101 all the same
    expect(JSON.parse(r.stdout)).toMatchObject({ steps: 120, vocab: 101, tokenizer: 'text-ascii-v1' });
    expect(JSON.parse(readFileSync(join(model, 'metacot-tokenizer.json'), 'utf8'))).toEqual({
      format: 'metacot.tokenizer',
      version: 1,
      id: 'text-ascii-v1',
    });
  }, 120_000);

  it('serves it: a real HTTP completion request', async () => {
    const server = start(['serve', '--model', model, '--port', '0', '--threads', '1']);
    const deadline = Date.now() + 60_000;
    while (!/\n/.test(server.stdout()) && server.child.exitCode === null && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    const url = /metacot serve: (\S+)/.exec(server.stdout())?.[1];
    expect(url, `metacot serve printed no URL within a minute: ${server.stdout()}`).toBeDefined();
    const res = await fetch(`${url}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: '3 plus 4 is', max_tokens: 8, temperature: 0, stop: ['\n'] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ text: string; finish_reason: string }> };
    served = body.choices[0].text;
    // the model learned the lines' shape: a number and a full stop, then <eos>
    expect(served).toMatch(/^ \d+\.$/);
    server.child.kill('SIGTERM');
    const exit = await server.done;
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('searches with it: question/gold lines, --out in a folder that does not exist yet', async () => {
    writeFileSync(
      join(dir, 'problems.jsonl'),
      [
        { question: '3 plus 4 is', gold: 7 },
        { problem: '2 plus 2 is', answer: '4' },
      ]
        .map((p) => `${JSON.stringify(p)}\n`)
        .join(''),
    );
    writeFileSync(join(dir, 'template.json'), JSON.stringify({ mode: 'completion', prompt: '{problem}' }));
    const store = join(dir, 'new', 'folder', 'search.sqlite');
    const r = await metacot([
      'search',
      '--problems',
      'problems.jsonl',
      '--backend',
      `engine:${model}`,
      '--template',
      'template.json',
      ...['--segment', 'marker:.', '--max-steps', '1', '--max-step-tokens', '6', '--rollout-tokens', '6'],
      ...['--algorithm', 'best-of-n', '--n', '2', '--concurrency', '1', '--out', store],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/searched 2\/2 problems/);
    expect(existsSync(store)).toBe(true);
  }, 120_000);

  it('exports it to GGUF, which llama.cpp loads and decodes greedily to the served text', async (ctx) => {
    const gguf = join(dir, 'out', 'm.gguf');
    const r = await metacot(['export', 'gguf', '--model', model, '--out', gguf]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*m\.gguf .*tokenizer text-ascii-v1, 101 tokens/);
    try {
      await import('node-llama-cpp');
    } catch (err) {
      return ctx.skip(`node-llama-cpp cannot load here: ${(err as Error).message}`);
    }
    const { LlamaCppBackend } = await import('../src/llm/llama-cpp.js');
    const lm = await LlamaCppBackend.load(gguf, { sequences: 1 });
    try {
      const out = await lm.complete({ prompt: '3 plus 4 is', maxTokens: 8, temperature: 0, stop: ['\n'] });
      expect(out.completions[0].text).toBe(served);
    } finally {
      await lm.close();
    }
  }, 120_000);
});
