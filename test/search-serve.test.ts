import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainTinyTextModel } from '../src/llm/testing/tiny-model.js';
import { verify } from '../src/verify/verify.js';
import { metacotAsync, ROOT, withoutProgress } from './cli.js';

/**
 * `metacot search` against a real model: a tiny character-level model trained here on "a plus b is c."
 * lines, served by `metacot serve` as a child process, searched over real HTTP. Nothing is scripted:
 * the steps are the model's samples and the rewards the verifier's verdicts. The model writes one step
 * (" c" up to the "."), so these trees are shallow; the deep-tree checks use the scripted model in
 * cli-search.test.ts.
 */
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'metacot-search-serve-'));
let server: ChildProcess | undefined;
let url = '';

beforeAll(async () => {
  await trainTinyTextModel(join(dir, 'model'));
  server = spawn(process.execPath, [CLI, 'serve', '--model', join(dir, 'model'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]);
    });
    server!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const problems = [
    [3, 4],
    [2, 5],
    [6, 1],
    [4, 4],
  ].map(([a, b], i) => JSON.stringify({ id: `t${i}`, problem: `${a} plus ${b} is`, answer: String(a + b) }));
  writeFileSync(join(dir, 'problems.jsonl'), `${problems.join('\n')}\n`);
  // The model knows no instructions: the prompt is the problem itself.
  writeFileSync(join(dir, 'template.json'), JSON.stringify({ mode: 'completion', prompt: '{problem}' }));
});

afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const search = (out: string) =>
  metacotAsync([
    'search',
    '--problems',
    join(dir, 'problems.jsonl'),
    '--backend',
    `${url}#model=model`,
    '--template',
    join(dir, 'template.json'),
    '--segment',
    'marker:.',
    '--max-steps',
    '1',
    '--algorithm',
    'mcts',
    '--branching',
    '4',
    '--rollouts',
    '4',
    '--rollout-tokens',
    '6',
    '--max-step-tokens',
    '6',
    '--max-nodes',
    '12',
    '--out',
    out,
  ]);

describe('metacot search against metacot serve', () => {
  it('searches with a real model, reproducibly under a seed, and exports the solved trees', async () => {
    const a = await search(join(dir, 'a.sqlite'));
    expect(withoutProgress(a.stderr)).toBe('');
    expect(a.code).toBe(0);
    const rows = (file: string) => {
      const db = new Database(file, { readonly: true });
      const r = db.prepare('SELECT * FROM results ORDER BY problem_idx').all() as Array<{
        tree: string;
        solved: number;
      }>;
      db.close();
      return r;
    };
    const results = rows(join(dir, 'a.sqlite'));
    expect(results).toHaveLength(4);
    let solved = 0;
    for (const r of results) {
      const tree = JSON.parse(r.tree) as {
        problem: { gold: string };
        nodes: Array<{ step: string | null; verified: boolean | null }>;
      };
      for (const n of tree.nodes.slice(1)) {
        // what the model wrote up to the "." (at temperature 1 mostly " c", sometimes noise)
        expect(n.step!.trim()).not.toBe('');
        expect(n.step).not.toContain('.');
        expect(n.verified).toBe(verify({ gold: tree.problem.gold, response: `${n.step}.` }).correct);
      }
      solved += r.solved;
    }
    expect(solved).toBeGreaterThan(0);
    // the server samples with the request's seed: a second run stores the same results
    await search(join(dir, 'b.sqlite'));
    expect(JSON.stringify(rows(join(dir, 'b.sqlite')))).toBe(JSON.stringify(results));
    const e = await metacotAsync([
      'search',
      'export',
      join(dir, 'a.sqlite'),
      '--out',
      join(dir, 'sft.jsonl'),
    ]);
    expect(e.code).toBe(0);
    expect(readFileSync(join(dir, 'sft.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(solved);
  });
});
