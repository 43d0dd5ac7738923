import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes JSON atomically (temp file + rename), so a kill never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export interface StageRecord<T = unknown> {
  seconds: number;
  result: T;
  /** Fingerprint of everything the stage's result depends on (config sections, upstream stages). */
  inputs?: string;
}

/** A short fingerprint of JSON-serialisable inputs. */
export function fingerprint(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/**
 * Which stages of a run are done, with their wall time, result and inputs: `stages.json` in the run
 * folder, plus `started.json`, the inputs of each stage when it last started. A stage is recorded only
 * once it has finished, so re-running continues with the first unfinished one; a stage whose inputs
 * have changed since (the config was edited) is not done, and its partial outputs are stale.
 */
export class RunState {
  readonly file: string;
  readonly stages: Record<string, StageRecord>;
  private readonly startedFile: string;
  private readonly started: Record<string, string>;

  constructor(readonly dir: string) {
    this.file = join(dir, 'stages.json');
    this.startedFile = join(dir, 'started.json');
    this.stages = existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')) : {};
    this.started = existsSync(this.startedFile) ? JSON.parse(readFileSync(this.startedFile, 'utf8')) : {};
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

  get<T>(name: string): T {
    return this.stages[name].result as T;
  }

  record<T>(name: string, seconds: number, result: T, inputs: string): void {
    this.stages[name] = { seconds, result, inputs };
    writeJsonAtomic(this.file, this.stages);
  }
}
