/**
 * The child processes `metacot iterate` starts (trainer, model server): each runs `/bin/sh -c COMMAND` in a
 * process group of its own, so stopping it stops everything the command started (torchrun's workers, a
 * server behind a wrapper script). Stopping is SIGTERM to the group, then SIGKILL after a timeout.
 *
 * Every live child is listed in a file (`children.json`: pid, start time, label). A SIGKILLed iterate
 * cannot clean up, so the next run reaps what the list still names — only where /proc confirms the pid
 * still belongs to the same process (same start time), never a recycled pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';

export interface ChildRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), or null where /proc is missing. */
  started: string | null;
  label: string;
  command: string;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly pid: number;
  readonly label: string;
  readonly exited: Promise<ChildExit>;
  /** Set once the process group leader has exited. */
  exit: ChildExit | null;
  /** SIGTERM to the group, SIGKILL after `timeoutMs`; resolves when the leader has exited. */
  stop(timeoutMs: number): Promise<ChildExit>;
}

function procStartTime(pid: number): string | null {
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

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChildRegistry {
  readonly #live = new Map<number, { child: Child; record: ChildRecord }>();

  constructor(readonly file: string) {}

  #save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(
      tmp,
      `${JSON.stringify(
        [...this.#live.values()].map((c) => c.record),
        null,
        1,
      )}\n`,
    );
    renameSync(tmp, this.file);
  }

  recorded(): ChildRecord[] {
    if (!existsSync(this.file)) return [];
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as ChildRecord[];
    } catch {
      return [];
    }
  }

  /**
   * Stops the children a previous (killed) run left behind; returns their labels. A pid is signalled only
   * when its start time matches the record, so a recycled pid is never touched.
   */
  async reapLeftovers(timeoutMs: number): Promise<string[]> {
    const reaped: string[] = [];
    for (const r of this.recorded()) {
      if (r.started === null || procStartTime(r.pid) !== r.started) continue;
      killGroup(r.pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (processAlive(r.pid) && Date.now() < deadline) await sleep(50);
      killGroup(r.pid, 'SIGKILL');
      reaped.push(`${r.label} (pid ${r.pid})`);
    }
    this.#save();
    return reaped;
  }

  /** Starts `/bin/sh -c command` in its own process group, stdout and stderr appended to `logFile`. */
  spawn(label: string, command: string, logFile: string, env?: NodeJS.ProcessEnv): Child {
    mkdirSync(dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn('/bin/sh', ['-c', command], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: env ?? process.env,
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`${label}: could not start /bin/sh`);
    const record: ChildRecord = { pid, started: procStartTime(pid), label, command };
    const exited = new Promise<ChildExit>((resolve) => {
      proc.once('exit', (code, signal) => {
        child.exit = { code, signal };
        this.#live.delete(pid);
        this.#save();
        resolve(child.exit);
      });
    });
    const child: Child = {
      pid,
      label,
      exited,
      exit: null,
      stop: async (timeoutMs: number) => {
        if (child.exit) {
          killGroup(pid, 'SIGKILL'); // the leader is gone; make sure nothing it started lingers
          return child.exit;
        }
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), timeoutMs);
        const r = await exited;
        clearTimeout(timer);
        killGroup(pid, 'SIGKILL');
        return r;
      },
    };
    this.#live.set(pid, { child, record });
    this.#save();
    return child;
  }

  /** Stops every live child (on exit, SIGINT, SIGTERM, or an error). */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all([...this.#live.values()].map(({ child }) => child.stop(timeoutMs)));
  }

  /** Last resort inside a synchronous 'exit' handler: SIGKILL every live group. */
  killAllNow(): void {
    for (const pid of this.#live.keys()) killGroup(pid, 'SIGKILL');
  }
}

/**
 * One `metacot iterate` per work dir: a second would reap the first's children as leftovers. The lock file
 * names the holder (pid + start time); a holder that no longer runs (SIGKILLed) does not block. Returns the
 * release function.
 */
export function lockWorkDir(file: string): () => void {
  if (existsSync(file)) {
    try {
      const held = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; started: string | null };
      const same = held.started === null ? processAlive(held.pid) : procStartTime(held.pid) === held.started;
      if (held.pid !== process.pid && same)
        throw new UserError(`${dirname(file)} is in use by another metacot iterate (pid ${held.pid})`);
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
