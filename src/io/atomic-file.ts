/**
 * Whole files written atomically: to `<file>.tmp-<pid>` beside the target, then renamed over it, so a kill at
 * any moment leaves either the old file or the new one, never half of one. The folder is created when
 * missing; a file-system failure is one UserError naming the file, and the temporary file is removed.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { processAlive } from './process-lock.js';

/** The temporary name this process writes `file` under (stale ones are found by `removeStaleTempFiles`). */
export const tempPathFor = (file: string): string => `${file}.tmp-${process.pid}`;

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

const TEMP_NAME = /\.tmp-(\d+)(?:-\d+)?$/;

/**
 * Removes the temporary files that killed writers left in `dir` (not recursive): those whose pid no longer
 * runs, or, with `heldFolder` (the caller holds the folder's lock, so no other writer can be at work there),
 * every one but this process's own. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string, opts: { heldFolder?: boolean } = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    if (!opts.heldFolder && processAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
