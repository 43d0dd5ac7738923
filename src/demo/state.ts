import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { removeStaleTempFiles, writeFileAtomic } from '../io/atomic-file.js';
import { lockFolder } from '../io/process-lock.js';

/** Writes JSON atomically (temp file + rename), so a kill never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** What a run writes in its folder besides its stages' outputs (config.json aside: it may be run again). */
export const RUN_STATE_FILES = [
  'stages.json',
  'started.json',
  'elapsed.json',
  'lock.json',
  'results.json',
  'report.html',
] as const;

export interface StageRecord<T = unknown> {
  /** Wall time of the stage, summed over every segment it ran in (a killed stage continues later). */
  seconds: number;
  result: T;
  /** Fingerprint of everything the stage's result depends on (config sections, upstream stages). */
  inputs?: string;
}

/** A short fingerprint of JSON-serialisable inputs. */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** How often the time spent in an unfinished stage is saved, for runs killed without a chance to save it. */
const ELAPSED_SAVE_MS = 5000;

function readJson<T>(file: string, empty: T): T {
  if (!existsSync(file)) return empty;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); the run folder is damaged`);
  }
}

/**
 * Which stages of a run are done, with their wall time, result and inputs: `stages.json` in the run
 * folder, plus `started.json`, the inputs of each stage when it last started. A stage is recorded only
 * once it has finished, so re-running continues with the first unfinished one; a stage whose inputs
 * have changed since (the config was edited) is not done, and its partial outputs are stale.
 * `elapsed.json` holds the seconds already spent in unfinished stages (saved every few seconds and on
 * exit), so a stage's recorded time is the sum of all the segments it ran in.
 */
export class RunState {
  readonly file: string;
  readonly stages: Record<string, StageRecord>;
  private readonly startedFile: string;
  private readonly started: Record<string, string>;
  private readonly elapsedFile: string;
  private readonly elapsed: Record<string, { inputs: string; seconds: number }>;

  constructor(readonly dir: string) {
    this.file = join(dir, 'stages.json');
    this.startedFile = join(dir, 'started.json');
    this.elapsedFile = join(dir, 'elapsed.json');
    this.stages = readJson(this.file, {});
    this.started = readJson(this.startedFile, {});
    this.elapsed = readJson(this.elapsedFile, {});
  }

  /**
   * Holds the run folder for this process (a second `metacot run` on it is refused) and removes the
   * temporary files a killed run left in it. Returns the release function.
   */
  lock(): () => void {
    const unlock = lockFolder(join(this.dir, 'lock.json'), 'metacot run');
    // an interrupted run (Ctrl-C) exits without unwinding: the lock goes with the process
    process.once('exit', unlock);
    removeStaleTempFiles(this.dir, { heldFolder: true });
    return () => {
      process.removeListener('exit', unlock);
      unlock();
    };
  }

  /** Removes what killed writers left among a stage's outputs (the folder is held: every temp file is stale). */
  clearTemps(outputs: readonly string[]): void {
    for (const out of outputs) {
      const path = join(this.dir, out);
      const folder = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
      removeStaleTempFiles(folder, { heldFolder: true });
    }
  }

  /** Finished with these inputs (a record from before fingerprints were kept counts as finished). */
  done(name: string, inputs: string): boolean {
    const r = this.stages[name];
    return r !== undefined && (r.inputs === undefined || r.inputs === inputs);
  }

  /** Whether outputs left by the last attempt at this stage were made from other inputs. */
  stale(name: string, inputs: string): boolean {
    // The latest start wins: a redo interrupted half-way has current partial outputs worth keeping.
    const before = this.started[name] ?? this.stages[name]?.inputs;
    return before !== undefined && before !== inputs;
  }

  start(name: string, inputs: string): void {
    this.started[name] = inputs;
    writeJsonAtomic(this.startedFile, this.started);
  }

  /** Seconds earlier attempts spent on this stage with these inputs (0 for a fresh start). */
  spent(name: string, inputs: string): number {
    const e = this.elapsed[name];
    return e !== undefined && e.inputs === inputs ? e.seconds : 0;
  }

  /** Saves the seconds spent so far on an unfinished stage. */
  saveSpent(name: string, inputs: string, seconds: number): void {
    this.elapsed[name] = { inputs, seconds };
    writeJsonAtomic(this.elapsedFile, this.elapsed);
  }

  /**
   * Runs one attempt at a stage, timing it on top of earlier attempts: the total is saved every few
   * seconds and when the process exits (Ctrl-C included), and returned with the result.
   */
  async timed<T>(
    name: string,
    inputs: string,
    work: () => Promise<T>,
  ): Promise<{ result: T; seconds: number }> {
    const before = this.spent(name, inputs);
    const t0 = performance.now();
    const total = () => before + (performance.now() - t0) / 1000;
    const save = () => this.saveSpent(name, inputs, total());
    const timer = setInterval(save, ELAPSED_SAVE_MS).unref();
    process.once('exit', save);
    try {
      const result = await work();
      return { result, seconds: total() };
    } catch (err) {
      save(); // a failed attempt's time counts too, when the stage is run again
      throw err;
    } finally {
      clearInterval(timer);
      process.removeListener('exit', save);
    }
  }

  get<T>(name: string): T {
    return this.stages[name].result as T;
  }

  record<T>(name: string, seconds: number, result: T, inputs: string): void {
    this.stages[name] = { seconds, result, inputs };
    writeJsonAtomic(this.file, this.stages);
    if (name in this.elapsed) {
      delete this.elapsed[name];
      writeJsonAtomic(this.elapsedFile, this.elapsed);
    }
  }
}

/**
 * What a stage has saved towards its result, read from its outputs in the run folder: a training
 * checkpoint's step, the predictions a partial evaluation holds. Empty when it has saved nothing yet.
 */
export function describeSaved(dir: string, outputs: readonly string[]): string[] {
  const saved: string[] = [];
  for (const out of outputs) {
    const path = join(dir, out);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) {
      const trainer = join(path, 'trainer.json');
      if (!existsSync(trainer)) continue;
      try {
        const step = (JSON.parse(readFileSync(trainer, 'utf8')) as { step?: unknown }).step;
        if (typeof step === 'number') saved.push(`checkpoint at step ${step} in ${path}`);
      } catch {
        // a checkpoint being replaced: the previous one is gone, the next not yet named
      }
    } else if (out.endsWith('.partial')) {
      const lines = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      if (lines > 0) saved.push(`${lines} predictions in ${path}`);
    }
  }
  return saved;
}
