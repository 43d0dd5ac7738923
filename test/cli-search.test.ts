import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplesLM, applesProblem } from '../src/reasoning/testing/apples-lm.js';
import { startMetacot, withoutProgress } from './cli.js';

/**
 * `metacot search` end to end in real child processes, killed with SIGKILL mid-run and resumed.
 * The model is the scripted ApplesLM behind a real OpenAI-compatible HTTP server in this process (a
 * fake model, because no real one can run in a test here; the client, the HTTP, the CLI, SQLite and
 * the kills are all real). spawnSync would block this process's server, so children run async.
 */

let dir: string;
let server: Server;
let backend: string;
let requests = 0;
/** Called before answering request number `requests` (1-based); lets a test kill a child mid-call. */
let onRequest: ((n: number) => void) | null = null;

const run = (args: string[]) => startMetacot(args);

const dumpResults = (file: string) => {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT * FROM results ORDER BY problem_idx').all();
  db.close();
  return JSON.stringify(rows);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metacot-search-cli-'));
  const lm = new ApplesLM();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: [{ id: 'apples' }] }));
        return;
      }
      const b = JSON.parse(body);
      requests++;
      onRequest?.(requests);
      const r = await lm.complete({
        prompt: b.prompt,
        n: b.n,
        maxTokens: b.max_tokens,
        temperature: b.temperature,
        stop: b.stop,
        seed: b.seed,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          choices: r.completions.map((c, index) => ({ index, text: c.text, finish_reason: c.finishReason })),
          usage: { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  backend = `openai:http://127.0.0.1:${(server.address() as AddressInfo).port}/v1#model=apples`;
  const lines = Array.from({ length: 12 }, (_, i) => {
    const p = applesProblem(`q${i}`, 20 + i, 5 + (i % 4), 3 + (i % 5));
    return JSON.stringify({ id: p.id, problem: p.problem, answer: p.gold });
  });
  writeFileSync(join(dir, 'problems.jsonl'), `${lines.join('\n')}\n`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const searchArgs = (out: string, extra: string[] = []) => [
  'search',
  '--problems',
  join(dir, 'problems.jsonl'),
  '--backend',
  backend,
  '--algorithm',
  'mcts',
  '--rollouts',
  '8',
  '--branching',
  '3',
  '--max-nodes',
  '40',
  '--seed',
  '5',
  '--concurrency',
  '2',
  '--out',
  out,
  ...extra,
];

describe('metacot search', () => {
  let referenceRequests = 0;
  it('searches every problem into a store', async () => {
    requests = 0;
    const r = await run(searchArgs(join(dir, 'ref.sqlite'))).done;
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^searched 12\/12 problems: \d+ solved/);
    referenceRequests = requests;
    expect(referenceRequests).toBeGreaterThan(50);
  });

  it('killed with SIGKILL twice mid-run, resumes to byte-identical results', async () => {
    const out = join(dir, 'killed.sqlite');
    requests = 0;
    let finished = 0;
    for (const at of [Math.round(referenceRequests * 0.3), Math.round(referenceRequests * 0.7)]) {
      const p = run(searchArgs(out));
      onRequest = (n) => {
        if (n === at) p.child.kill('SIGKILL');
      };
      const r = await p.done;
      onRequest = null;
      expect(r.signal).toBe('SIGKILL');
      // killed mid-run: some problems are finished, not all, and the one in progress left its calls
      const db = new Database(out, { readonly: true });
      const now = (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
      const calls = (db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n;
      db.close();
      expect(now).toBeGreaterThanOrEqual(finished);
      expect(now).toBeLessThan(12);
      expect(calls).toBeGreaterThan(0);
      finished = now;
    }
    const resumed = await run(searchArgs(out)).done;
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/calls replayed from the store/);
    expect(dumpResults(out)).toBe(dumpResults(join(dir, 'ref.sqlite')));
    // nothing asked twice but the calls in flight at each kill (at most --concurrency per kill)
    expect(requests).toBeLessThanOrEqual(referenceRequests + 2 * 2);
  });

  it('exports the same SFT data from both stores', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const ra = await run(['search', 'export', join(dir, 'ref.sqlite'), '--format', 'chat', '--out', a]).done;
    expect(ra.stderr).toBe('');
    expect(ra.stdout).toMatch(/^exported \d+ solved of 12 searched problems/);
    await run(['search', 'export', join(dir, 'killed.sqlite'), '--format', 'chat', '--out', b]).done;
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    const lines = readFileSync(a, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(6);
    for (const l of lines) {
      expect(l.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(l.messages[1].content).toMatch(/Solution:\n[\s\S]*\\boxed\{\d+\}\.?$/);
    }
    const rec = join(dir, 'records.jsonl');
    await run([
      'search',
      'export',
      join(dir, 'ref.sqlite'),
      '--format',
      'records',
      '--style',
      'back',
      '--out',
      rec,
    ]).done;
    const first = JSON.parse(readFileSync(rec, 'utf8').split('\n')[0]);
    expect(Object.keys(first).sort()).toEqual([
      'completion',
      'gold',
      'messages',
      'meta',
      'problem',
      'prompt',
    ]);
    expect(first.meta).toMatchObject({ style: 'back', algorithm: 'mcts', value: 'rollout' });
  });

  it('shards merge into the unsharded result', async () => {
    const shards = [0, 1].map((i) => join(dir, `s${i}.sqlite`));
    await Promise.all(shards.map((s, i) => run(searchArgs(s, ['--shard', `${i}/2`])).done));
    const m = await run(['merge', '--out', join(dir, 'merged.sqlite'), ...shards]).done;
    expect(m.stderr).toBe('');
    expect(m.stdout).toMatch(/merged 2 stores: 12 of 12 problems searched/);
    expect(dumpResults(join(dir, 'merged.sqlite'))).toBe(dumpResults(join(dir, 'ref.sqlite')));
  });

  it('says in one line what is wrong with the input', async () => {
    const r = await run(searchArgs(join(dir, 'ref.sqlite'), ['--branching', '4'])).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^metacot: error: .*ref\.sqlite: made with another config \(branching: stored 3, given 4\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    writeFileSync(join(dir, 'bad.jsonl'), '{"problem": "x"}\n');
    const bad = await run([
      'search',
      '--problems',
      join(dir, 'bad.jsonl'),
      '--backend',
      backend,
      '--out',
      join(dir, 'x.sqlite'),
    ]).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl:1: field 'answer'/);
  });
});
