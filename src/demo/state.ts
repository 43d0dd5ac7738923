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
}

/**
 * Which stages of a run are done, with their wall time and result: `run.json` in the run folder.
 * A stage is recorded only once it has finished, so re-running continues with the first unfinished one.
 */
export class RunState {
  readonly file: string;
  readonly stages: Record<string, StageRecord>;

  constructor(readonly dir: string) {
    this.file = join(dir, 'stages.json');
    this.stages = existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')) : {};
  }

  done(name: string): boolean {
    return name in this.stages;
  }

  get<T>(name: string): T {
    return this.stages[name].result as T;
  }

  record<T>(name: string, seconds: number, result: T): void {
    this.stages[name] = { seconds, result };
    writeJsonAtomic(this.file, this.stages);
  }
}
