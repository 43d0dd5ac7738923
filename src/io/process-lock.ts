/**
 * Which processes still run, and folders held by one process at a time (`metacot iterate`'s work dir,
 * `metacot run`'s run folder). A lock file names its holder by pid and start time (from /proc), so a holder
 * that was SIGKILLed does not block, and a recycled pid is not mistaken for the holder.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), or null where /proc is missing. */
export function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields after the last ')' are fixed
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs and is not a zombie (a killed orphan may wait for a reaper). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes `file` as the lock of its folder for this process; `holder` names the kind of process in the error
 * ("metacot iterate"). A live holder other than this process is refused. Returns the release function.
 */
export function lockFolder(file: string, holder: string): () => void {
  if (existsSync(file)) {
    try {
      const held = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; started: string | null };
      const same = held.started === null ? processAlive(held.pid) : procStartTime(held.pid) === held.started;
      if (held.pid !== process.pid && same)
        throw new UserError(`${dirname(file)} is in use by another ${holder} (pid ${held.pid})`);
    } catch (err) {
      if (err instanceof UserError) throw err;
      // unreadable lock: a torn write of a killed run
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, started: procStartTime(process.pid) }));
  renameSync(tmp, file);
  return () => rmSync(file, { force: true });
}
