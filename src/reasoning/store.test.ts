import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import type { CompletionRequest, LMBackend } from '../llm/backend.js';
import { LMRequestError } from '../llm/errors.js';
import { LM_ALGORITHMS, runSearch, type SearchRunConfig } from './run.js';
import { mergeStores, SearchStore } from './store.js';
import { TEMPLATES } from './template.js';
import { ApplesLM, applesProblem } from './testing/apples-lm.js';

const problems = Array.from({ length: 6 }, (_, i) => applesProblem(`p${i}`, 10 + i, 3 + i, 2 + i));
const config: SearchRunConfig = {
  algorithm: 'mcts',
  branching: 3,
  width: 2,
  subtrees: 2,
  n: 4,
  aggregate: 'majority',
  exploration: Math.SQRT2,
  stopAtSolution: true,
  value: { kind: 'rollout', rollouts: 8, maxTokens: 200 },
  template: TEMPLATES.math,
  segmentation: { kind: 'blank-line' },
  temperature: 1,
  maxStepTokens: 64,
  maxSteps: 6,
  budget: { maxNodes: 40 },
  seed: 11,
};

/** The scripted model until `limit` calls have been answered; every later call fails, as a killed process would. */
class CrashingLM implements LMBackend {
  readonly name = 'apples-scripted';
  answered = 0;
  readonly #lm = new ApplesLM();
  constructor(readonly limit: number) {}
  async complete(r: CompletionRequest) {
    if (this.answered >= this.limit) throw new Error('crash');
    const out = await this.#lm.complete(r);
    this.answered++;
    return out;
  }
}

let dir: string;
let reference: ReturnType<SearchStore['results']>;
let referenceCalls: number;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metacot-store-'));
  const store = SearchStore.open(join(dir, 'ref.sqlite'));
  const lm = new ApplesLM();
  const p = await runSearch({ config, problems, store, backend: lm, concurrency: 2 });
  expect(p).toMatchObject({ done: 6, total: 6, replayed: 0, errors: 0 });
  reference = store.results();
  referenceCalls = lm.requests;
  store.close();
});

describe('search store', () => {
  it('holds one result per problem with its tree, and no leftover call log', () => {
    expect(reference.map((r) => r.id)).toEqual(problems.map((p) => p.id));
    expect(reference.filter((r) => r.solved === 1).length).toBeGreaterThan(3);
    for (const r of reference) {
      expect(JSON.parse(r.tree).nodes).toHaveLength(r.nodes);
      expect(r.prompt_tokens + r.completion_tokens).toBeGreaterThan(0);
    }
    const store = SearchStore.openReadonly(join(dir, 'ref.sqlite'));
    expect((store.db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n).toBe(0);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
  });

  it('resumes after a crash at any call with identical results, repeating no model call', async () => {
    for (const limit of [1, 17, 60, referenceCalls - 1]) {
      const file = join(dir, `crash-${limit}.sqlite`);
      const crash = new CrashingLM(limit);
      let store = SearchStore.open(file);
      await expect(runSearch({ config, problems, store, backend: crash, concurrency: 2 })).rejects.toThrow(
        'crash',
      );
      store.close();
      store = SearchStore.open(file);
      const lm = new ApplesLM();
      const p = await runSearch({ config, problems, store, backend: lm, concurrency: 2 });
      expect(store.results()).toEqual(reference);
      // calls answered before the crash are replayed from the store, never asked again
      expect(crash.answered + lm.requests).toBe(referenceCalls);
      if (limit > 1) expect(p.replayed).toBeGreaterThan(0);
      store.close();
    }
  });

  it('refuses to resume with another config or other problems', async () => {
    const store = SearchStore.open(join(dir, 'ref.sqlite'));
    await expect(
      runSearch({ config: { ...config, branching: 4 }, problems, store, backend: new ApplesLM() }),
    ).rejects.toThrow(/another config \(branching: stored 3, given 4\)/);
    const other = problems.map((p, i) => (i === 2 ? applesProblem(p.id, 1, 1, 1) : p));
    await expect(runSearch({ config, problems: other, store, backend: new ApplesLM() })).rejects.toThrow(
      UserError,
    );
    store.close();
  });

  it('shards split the problems; merge joins them into the same results', async () => {
    const files = [0, 1, 2].map((i) => join(dir, `shard-${i}.sqlite`));
    for (const [i, file] of files.entries()) {
      const store = SearchStore.open(file);
      const p = await runSearch({
        config,
        problems,
        store,
        backend: new ApplesLM(),
        shard: { index: i, count: 3 },
      });
      expect(p.total).toBe(2);
      store.close();
    }
    const out = join(dir, 'merged.sqlite');
    expect(mergeStores(out, files)).toEqual({ problems: 6, results: 6 });
    const merged = SearchStore.open(out);
    expect(merged.results()).toEqual(reference);
    // the merged store is a whole run: searching it again has nothing left to do
    const lm = new ApplesLM();
    await runSearch({ config, problems, store: merged, backend: lm });
    expect(lm.requests).toBe(0);
    merged.close();
    expect(() => mergeStores(out, files)).toThrow(/already exists/);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('refuses to merge stores of different runs', async () => {
    const file = join(dir, 'other.sqlite');
    const store = SearchStore.open(file);
    await runSearch({
      config: { ...config, seed: 12 },
      problems: problems.slice(0, 1),
      store,
      backend: new ApplesLM(),
    });
    store.close();
    expect(() => mergeStores(join(dir, 'bad.sqlite'), [join(dir, 'shard-0.sqlite'), file])).toThrow(
      /another config .*seed: stored 11, given 12/,
    );
    expect(existsSync(join(dir, 'bad.sqlite'))).toBe(false);
  });

  it('runs every LM algorithm with judge values, reproducibly', async () => {
    for (const algorithm of LM_ALGORITHMS) {
      const cfg: SearchRunConfig = { ...config, algorithm, value: { kind: 'judge', samples: 3 } };
      const once = async (name: string) => {
        const store = SearchStore.open(join(dir, `${algorithm}-${name}.sqlite`));
        const p = await runSearch({
          config: cfg,
          problems: problems.slice(0, 3),
          store,
          backend: new ApplesLM(),
        });
        const rows = store.results();
        store.close();
        return { p, rows };
      };
      const a = await once('a');
      expect(a.p.solved, algorithm).toBeGreaterThan(0);
      expect((await once('b')).rows).toEqual(a.rows);
    }
  });

  it('records a problem the server refuses for good as failed, and goes on', async () => {
    const lm = new ApplesLM();
    // Problem p1's prompts are "too long" for this server: a 400 that no retry or resume would change.
    const picky: LMBackend = {
      name: 'picky',
      complete: (r: CompletionRequest) =>
        r.prompt?.includes(problems[1].problem)
          ? Promise.reject(new LMRequestError('400: prompt longer than the context', 400, false))
          : lm.complete(r),
    };
    const store = SearchStore.open(join(dir, 'picky.sqlite'));
    const p = await runSearch({
      config,
      problems: problems.slice(0, 3),
      store,
      backend: picky,
      concurrency: 1,
    });
    expect(p).toMatchObject({ done: 3, errors: 1 });
    const rows = store.results();
    expect(rows[1]).toMatchObject({
      stopped_by: 'error',
      solved: 0,
      error: '400: prompt longer than the context',
    });
    expect(rows[0]).toEqual({ ...reference[0] });
    expect(rows[2]).toEqual({ ...reference[2] });
    store.close();
  });
});
