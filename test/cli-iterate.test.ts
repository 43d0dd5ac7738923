import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildRecord } from '../src/iterate/processes.js';
import { processAlive } from '../src/iterate/processes.js';
import type { IterateState, RoundMetrics } from '../src/iterate/state.js';
import { arithmeticLines, trainTinyTextModel } from '../src/llm/testing/tiny-model.js';
import { AsciiTokenizer } from '../src/llm/text-tokenizer.js';
import { ROOT } from './cli.js';

/**
 * `metacot iterate` end to end, with nothing scripted: a tiny character-level model trained here is the
 * round-1 policy; `metacot serve` (a child process iterate starts and stops) serves it; `metacot search`'s
 * library searches against it over HTTP; `metacot train` (the "external" trainer, a shell command) trains
 * the round's checkpoint from scratch on the base lines plus the kept traces, and round 2 serves that.
 * Faults: the model server is SIGKILLed mid-search in round 1 (iterate restarts it and the round goes on),
 * and iterate itself is SIGKILLed mid-search in round 2 and resumed by the same command.
 */
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'metacot-iterate-'));
const work = join(dir, 'work');
const PROBLEMS = 24;
const started: ChildProcess[] = [];

beforeAll(async () => {
  await trainTinyTextModel(join(dir, 'base'));
  const tok = new AsciiTokenizer();
  writeFileSync(
    join(dir, 'base.jsonl'),
    arithmeticLines()
      .map((l) => `${JSON.stringify({ tokens: [tok.bos, ...tok.encode(l), tok.eos] })}\n`)
      .join(''),
  );
  // problems the base model was trained on, so that some are solved
  const problems = Array.from({ length: PROBLEMS }, (_, i) => {
    const [a, b] = [i % 10, (7 * i + 3) % 10];
    return JSON.stringify({ id: `q${i}`, problem: `${a} plus ${b} is`, answer: String(a + b) });
  });
  writeFileSync(join(dir, 'problems.jsonl'), `${problems.join('\n')}\n`);
  writeFileSync(join(dir, 'template.json'), JSON.stringify({ mode: 'completion', prompt: '{problem}' }));
  const metacot = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
  writeFileSync(
    join(dir, 'iterate.yaml'),
    [
      `problems: ${join(dir, 'problems.jsonl')}`,
      'rounds: 2',
      `policy: ${join(dir, 'base')}`,
      'search:',
      `  template: ${join(dir, 'template.json')}`,
      '  segment: "marker:."',
      '  maxSteps: 1',
      '  branching: 4',
      '  rollouts: 4',
      '  rolloutTokens: 6',
      '  maxStepTokens: 6',
      '  maxNodes: 12',
      '  concurrency: 1',
      'export: { format: metacot-tokens }',
      'train:',
      '  shell: true', // the command is a small script: test, cat, redirection, &&
      // {init} must be the policy just searched with: the command fails if it is not a checkpoint
      `  command: >-`,
      `    test -f {init}/trainer.json && cat ${join(dir, 'base.jsonl')} {data} > {round_dir}/train-data.jsonl &&`,
      `    ${metacot} train --data {round_dir}/train-data.jsonl --out {out} --vocab 101 --layers 1 --d-model 48`,
      '    --heads 4 --ff 96 --ctx 48 --steps 100 --batch 16 --lr 1e-2 --warmup 5 --seed 1 --threads 1',
      '  ready: "{out}/trainer.json"',
      'server:',
      '  command: >-',
      `    ${metacot} serve --model {checkpoint} --port {port} --threads 1`,
      '  retries: 1',
      '  stopTimeout: 5',
    ].join('\n'),
  );
}, 60_000);

afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function iterate(): {
  child: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; out: string }>;
} {
  const child = spawn(process.execPath, [CLI, 'iterate', join(dir, 'iterate.yaml'), '--work', work], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  return {
    child,
    output: () => out,
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code, out }))),
  };
}

function results(round: number): number {
  try {
    const db = new Database(join(work, `round-${round}`, 'search.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

async function waitFor(
  what: string,
  cond: () => boolean,
  run: { child: ChildProcess; output: () => string },
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline || run.child.exitCode !== null)
      throw new Error(`timed out waiting for ${what}; output so far:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const children = (): ChildRecord[] => JSON.parse(readFileSync(join(work, 'children.json'), 'utf8'));
const state = (): IterateState => JSON.parse(readFileSync(join(work, 'state.json'), 'utf8'));

describe('metacot iterate', () => {
  it('runs two Meta-STaR rounds with metacot train + metacot serve, surviving a dead server and a SIGKILL', async () => {
    const first = iterate();
    // 1. the server dies mid-search in round 1
    await waitFor('round 1 search to start', () => results(1) >= 3, first);
    const server1 = children().find((c) => c.label === 'server')!;
    process.kill(-server1.pid, 'SIGKILL');
    // 2. iterate itself is killed mid-search in round 2
    await waitFor('round 2 search to start', () => results(2) >= 3, first, 45_000);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.out).toMatch(
      /round 1: endpoint failed \(model server exited .*SIGKILL.*\); recovering \(1\/3\)/,
    );
    expect(results(1)).toBe(PROBLEMS);
    expect(results(2)).toBeLessThan(PROBLEMS);
    expect(state().rounds.map((r) => [r.round, r.metrics !== undefined, r.search !== undefined])).toEqual([
      [1, true, true],
      [2, false, false],
    ]);
    // a SIGKILLed iterate cannot stop its children: the round-2 server is still running
    const orphan = children().find((c) => c.label === 'server')!;
    expect(processAlive(orphan.pid)).toBe(true);

    // 3. the same command resumes: it stops the orphan, continues round 2's search from its store, trains
    const second = iterate();
    const resumed = await second.done;
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toContain(`stopped what an interrupted run left running: server (pid ${orphan.pid})`);
    expect(resumed.out).toContain('round 2: resuming at search');
    expect(resumed.out).not.toContain('round 1: search');
    expect(processAlive(orphan.pid)).toBe(false);
    expect(children()).toEqual([]);

    const metrics = JSON.parse(readFileSync(join(work, 'metrics.json'), 'utf8')) as RoundMetrics[];
    expect(metrics.map((m) => m.round)).toEqual([1, 2]);
    for (const m of metrics) {
      expect(m.problems).toBe(PROBLEMS);
      expect(m.solve_rate).toBeCloseTo(m.solved / PROBLEMS, 12);
      expect(m.tokens).toBeGreaterThan(0);
      // one SFT example per solved problem, and one token line per example
      expect(m.kept).toBe(m.solved);
      const sft = join(work, `round-${m.round}`, 'sft.jsonl');
      if (m.kept > 0) expect(readFileSync(sft, 'utf8').trimEnd().split('\n')).toHaveLength(m.kept);
      expect(JSON.parse(readFileSync(join(work, `round-${m.round}`, 'metrics.json'), 'utf8'))).toEqual(m);
    }
    // the base model was trained on these sums: it solves some of them
    expect(metrics[0].solved).toBeGreaterThan(0);
    expect(metrics[0].server_restarts).toBe(1);
    expect(metrics[0].policy).toBe(join(dir, 'base'));
    // round 2 searched with the checkpoint round 1 trained, which records its tokenizer for `metacot serve`
    expect(metrics[1].policy).toBe(metrics[0].checkpoint);
    expect(metrics[0].checkpoint).toBe(join(work, 'round-1', 'checkpoint'));
    expect(existsSync(join(metrics[0].checkpoint, 'metacot-tokenizer.json'))).toBe(true);
    expect(metrics.every((m) => m.trained === m.kept > 0)).toBe(true);
    // the printed table has a line per round
    expect(resumed.out).toMatch(/round\s+problems\s+solved\s+solve rate/);
    expect(resumed.out).toMatch(new RegExp(`\\n\\s+2\\s+${PROBLEMS}\\s+${metrics[1].solved}\\s`));

    // 4. rerunning a finished run does nothing but print the table
    const again = iterate();
    const r3 = await again.done;
    expect(r3.code).toBe(0);
    expect(r3.out).not.toMatch(/search with|training/);
  }, 120_000);

  it('stops its children on SIGTERM and exits 143', async () => {
    const termWork = join(dir, 'work-term');
    const child = spawn(process.execPath, [CLI, 'iterate', join(dir, 'iterate.yaml'), '--work', termWork], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const listed = (): ChildRecord[] => {
      try {
        return JSON.parse(readFileSync(join(termWork, 'children.json'), 'utf8'));
      } catch {
        return [];
      }
    };
    await waitFor('the server to start', () => listed().some((c) => c.label === 'server'), {
      child,
      output: () => err,
    });
    const server = listed()[0];
    child.kill('SIGTERM');
    expect(await done).toBe(143);
    expect(err).toContain('metacot iterate: SIGTERM; stopping child processes');
    expect(processAlive(server.pid)).toBe(false);
    expect(listed()).toEqual([]);
  }, 30_000);

  it('refuses a bad config naming the field, and a changed config on an existing work dir', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(join(dir, 'iterate.yaml'), 'utf8').replace('rounds: 2', 'rounds: 0'));
    const spawnOnce = (cfg: string) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'iterate', cfg, '--work', work], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        c.stderr.on('data', (d) => {
          err += d;
        });
        c.on('close', (code) => resolve({ code, err }));
      });
    const r = await spawnOnce(bad);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/bad\.yaml: field 'rounds': .*>=\s*1/);
    writeFileSync(
      bad,
      readFileSync(join(dir, 'iterate.yaml'), 'utf8').replace('maxNodes: 12', 'maxNodes: 13'),
    );
    const changed = await spawnOnce(bad);
    expect(changed.code).toBe(1);
    expect(changed.err.trim()).toContain('search.maxNodes: started with 12, now 13');
  });
});
