import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UserError } from '../core/errors.js';
import type { CompletionRequest, CompletionResult, LMBackend } from '../llm/backend.js';
import type { MathProblem } from './problems.js';

/**
 * One search run in SQLite (WAL). Tables:
 * - `meta`: the run's config (canonical JSON; a resume with another config is refused), its shard,
 *   the backend's name.
 * - `problems`: the run's problems by dataset index.
 * - `calls`: every language-model call of a problem still in progress, in order, committed as it
 *   returns — the tree as it grows (each request holds the partial solution it extends). A resumed
 *   problem replays these calls instead of making them again, so a kill loses at most the call in
 *   flight, and a deterministic replay rebuilds exactly the same tree.
 * - `results`: one row per finished problem, with the final tree (nodes + visit log), written in the
 *   same transaction that drops the problem's calls. A problem is done exactly when it has a row here.
 * - `timings`: wall time per problem, kept apart so `results` is identical across identical runs.
 */
export const STORE_FORMAT = 'metacot.search-store/1';

export interface ResultRow {
  problem_idx: number;
  id: string;
  solved: number;
  stopped_by: string;
  solution: number | null;
  selected: number | null;
  answer: string | null;
  selected_correct: number | null;
  nodes: number;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  tree: string;
  /** Why the problem could not be searched (a request the model server refuses for good), else null. */
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS problems (
  idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, problem TEXT NOT NULL, gold TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
  problem_idx INTEGER NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL,
  request TEXT NOT NULL, response TEXT NOT NULL, PRIMARY KEY (problem_idx, seq));
CREATE TABLE IF NOT EXISTS results (
  problem_idx INTEGER PRIMARY KEY, id TEXT NOT NULL, solved INTEGER NOT NULL, stopped_by TEXT NOT NULL,
  solution INTEGER, selected INTEGER, answer TEXT, selected_correct INTEGER, nodes INTEGER NOT NULL,
  calls INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, tree TEXT NOT NULL,
  error TEXT);
CREATE TABLE IF NOT EXISTS timings (problem_idx INTEGER PRIMARY KEY, ms INTEGER NOT NULL);
`;

/** JSON with object keys sorted, so equal configs compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

export class SearchStore {
  readonly db: Database.Database;

  private constructor(
    readonly file: string,
    readonly: boolean,
  ) {
    this.db = new Database(file, { readonly, fileMustExist: readonly });
    if (!readonly) {
      this.db.pragma('journal_mode = WAL');
      // WAL with synchronous=NORMAL survives a killed process (not a power cut) and is fast.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    }
  }

  /** Opens (creating if needed) a store to run into. */
  static open(file: string): SearchStore {
    try {
      return new SearchStore(file, false);
    } catch (err) {
      throw new UserError(`${file}: cannot open as a search store (${(err as Error).message})`);
    }
  }

  static openReadonly(file: string): SearchStore {
    if (!existsSync(file)) throw new UserError(`${file}: no such store`);
    let store: SearchStore;
    try {
      store = new SearchStore(file, true);
      if (store.meta('format') !== STORE_FORMAT) throw new Error('not a metacot search store');
    } catch (err) {
      throw new UserError(`${file}: ${(err as Error).message}`);
    }
    return store;
  }

  close(): void {
    this.db.close();
  }

  meta(key: string): string | undefined {
    try {
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
        | { value: string }
        | undefined;
      return row?.value;
    } catch {
      return undefined;
    }
  }

  /**
   * Records the run's identity, or checks it against the one already stored: the same config and
   * shard, and the same problem at every index. A store is resumed only by the run that made it.
   */
  init(
    config: object,
    shard: string,
    problems: Array<{ idx: number; problem: MathProblem }>,
    backend: string,
  ) {
    const text = canonicalJson(config);
    const stored = this.meta('config');
    if (stored !== undefined) {
      if (stored !== text)
        throw new UserError(
          `${this.file}: made with another config (${diffConfig(stored, text)}); use a new --out`,
        );
      const storedShard = this.meta('shard');
      if (storedShard !== shard)
        throw new UserError(`${this.file}: holds shard ${storedShard}, not ${shard}`);
    }
    const check = this.db.prepare('SELECT id, problem, gold FROM problems WHERE idx = ?');
    const insert = this.db.prepare('INSERT INTO problems (idx, id, problem, gold) VALUES (?, ?, ?, ?)');
    const setMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.db.transaction(() => {
      setMeta.run('format', STORE_FORMAT);
      setMeta.run('config', text);
      setMeta.run('shard', shard);
      setMeta.run('backend', backend);
      for (const { idx, problem } of problems) {
        const row = check.get(idx) as MathProblem | undefined;
        if (row === undefined) insert.run(idx, problem.id, problem.problem, problem.gold);
        else if (row.id !== problem.id || row.problem !== problem.problem || row.gold !== problem.gold)
          throw new UserError(
            `${this.file}: problem ${idx} ('${problem.id}') differs from the one stored; same problems file?`,
          );
      }
    })();
  }

  config<T>(): T {
    const text = this.meta('config');
    if (text === undefined) throw new UserError(`${this.file}: holds no run`);
    return JSON.parse(text) as T;
  }

  done(): Set<number> {
    const rows = this.db.prepare('SELECT problem_idx FROM results').all() as Array<{ problem_idx: number }>;
    return new Set(rows.map((r) => r.problem_idx));
  }

  /**
   * The backend a problem's search talks to: the stored calls first, in order, then live calls, each
   * committed as it returns. A request that differs from the stored one at its position (the replay
   * went another way, e.g. a wall-time budget) drops the rest of the stored log.
   */
  replaying(problemIdx: number, backend: LMBackend): LMBackend & { replayed: number } {
    const stored = this.db
      .prepare('SELECT seq, key, response FROM calls WHERE problem_idx = ? ORDER BY seq')
      .all(problemIdx) as Array<{ seq: number; key: string; response: string }>;
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO calls (problem_idx, seq, key, request, response) VALUES (?, ?, ?, ?, ?)',
    );
    const dropFrom = this.db.prepare('DELETE FROM calls WHERE problem_idx = ? AND seq >= ?');
    let seq = 0;
    let diverged = stored.length === 0;
    const wrapper = {
      name: backend.name,
      replayed: 0,
      complete: async (request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> => {
        const requestJson = canonicalJson(request);
        const key = createHash('sha256').update(requestJson).digest('hex');
        const k = seq++;
        if (!diverged) {
          const row = stored[k];
          if (row !== undefined && row.key === key) {
            wrapper.replayed++;
            return JSON.parse(row.response) as CompletionResult;
          }
          diverged = true;
          dropFrom.run(problemIdx, k);
        }
        const result = await backend.complete(request, signal);
        insert.run(problemIdx, k, key, requestJson, JSON.stringify(result));
        return result;
      },
    };
    return wrapper;
  }

  /** Finishes a problem: its result row in, its call log out, in one transaction. */
  commit(row: ResultRow, ms: number, keepCalls = false): void {
    const insert = this.db.prepare(
      `INSERT INTO results (problem_idx, id, solved, stopped_by, solution, selected, answer, selected_correct,
        nodes, calls, prompt_tokens, completion_tokens, tree, error)
       VALUES (@problem_idx, @id, @solved, @stopped_by, @solution, @selected, @answer, @selected_correct,
        @nodes, @calls, @prompt_tokens, @completion_tokens, @tree, @error)`,
    );
    this.db.transaction(() => {
      insert.run(row);
      this.db
        .prepare('INSERT OR REPLACE INTO timings (problem_idx, ms) VALUES (?, ?)')
        .run(row.problem_idx, ms);
      if (!keepCalls) this.db.prepare('DELETE FROM calls WHERE problem_idx = ?').run(row.problem_idx);
    })();
  }

  /** Per finished problem, the counts a progress line needs (without loading trees). */
  resultTotals(): Array<{
    problem_idx: number;
    solved: number;
    nodes: number;
    tokens: number;
    failed: number;
  }> {
    return this.db
      .prepare(
        'SELECT problem_idx, solved, nodes, prompt_tokens + completion_tokens AS tokens, ' +
          '(error IS NOT NULL) AS failed FROM results',
      )
      .all() as Array<{ problem_idx: number; solved: number; nodes: number; tokens: number; failed: number }>;
  }

  /** Finished problems in index order, one at a time (trees can be large). */
  *iterateResults(): IterableIterator<ResultRow> {
    yield* this.db
      .prepare('SELECT * FROM results ORDER BY problem_idx')
      .iterate() as IterableIterator<ResultRow>;
  }

  results(): ResultRow[] {
    return this.db.prepare('SELECT * FROM results ORDER BY problem_idx').all() as ResultRow[];
  }

  problemCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM problems').get() as { n: number }).n;
  }
}

function diffConfig(stored: string, given: string): string {
  const a = JSON.parse(stored) as Record<string, unknown>;
  const b = JSON.parse(given) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = canonicalJson(a[k]);
    const y = canonicalJson(b[k]);
    if (x !== y) return `${k}: stored ${x ?? 'none'}, given ${y ?? 'none'}`;
  }
  return 'unknown difference';
}

/**
 * Joins the stores of a sharded run into `out` (written to a temporary file, renamed when complete).
 * All inputs must hold the same config; a problem finished in two inputs must have identical results.
 * Call logs of unfinished problems are not carried: the merged store resumes them from the start.
 */
export function mergeStores(out: string, inputs: string[]): { problems: number; results: number } {
  if (inputs.length === 0) throw new UserError('merge: no input stores');
  if (existsSync(out)) throw new UserError(`${out}: already exists; merge writes a new store`);
  let config: string | undefined;
  let backend = '';
  for (const file of inputs) {
    const s = SearchStore.openReadonly(file);
    const c = s.meta('config');
    backend ||= s.meta('backend') ?? '';
    s.close();
    if (c === undefined) throw new UserError(`${file}: holds no run`);
    if (config === undefined) config = c;
    else if (c !== config)
      throw new UserError(`${file}: made with another config than ${inputs[0]} (${diffConfig(config, c)})`);
  }
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  const store = SearchStore.open(tmp);
  const db = store.db;
  try {
    const setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    setMeta.run('format', STORE_FORMAT);
    setMeta.run('config', config!);
    setMeta.run('shard', 'all');
    setMeta.run('backend', backend);
    for (const file of inputs) {
      db.prepare('ATTACH DATABASE ? AS src').run(file);
      try {
        db.transaction(() => {
          const clash = db
            .prepare(
              'SELECT s.idx FROM src.problems s JOIN main.problems m ON m.idx = s.idx ' +
                'WHERE m.id != s.id OR m.problem != s.problem OR m.gold != s.gold LIMIT 1',
            )
            .get() as { idx: number } | undefined;
          if (clash) throw new UserError(`${file}: problem ${clash.idx} differs from another input's`);
          const differs = db
            .prepare(
              'SELECT s.problem_idx FROM src.results s JOIN main.results m USING (problem_idx) WHERE ' +
                'm.tree != s.tree OR m.solved != s.solved OR m.stopped_by != s.stopped_by OR ' +
                'm.prompt_tokens != s.prompt_tokens OR m.completion_tokens != s.completion_tokens LIMIT 1',
            )
            .get() as { problem_idx: number } | undefined;
          if (differs)
            throw new UserError(
              `${file}: problem ${differs.problem_idx} has a different result in another input`,
            );
          db.exec('INSERT OR IGNORE INTO main.problems SELECT * FROM src.problems');
          db.exec('INSERT OR IGNORE INTO main.results SELECT * FROM src.results');
          db.exec('INSERT OR IGNORE INTO main.timings SELECT * FROM src.timings');
        })();
      } finally {
        db.prepare('DETACH DATABASE src').run();
      }
    }
    const counts = {
      problems: store.problemCount(),
      results: (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n,
    };
    db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    renameSync(tmp, out);
    for (const ext of ['-wal', '-shm']) rmSync(`${tmp}${ext}`, { force: true });
    return counts;
  } catch (err) {
    if (db.open) store.close();
    for (const ext of ['', '-wal', '-shm']) rmSync(`${tmp}${ext}`, { force: true });
    throw err;
  }
}
