/**
 * The child processes `metacot iterate` starts (trainer, model server): each runs a prepared command (an argv
 * without a shell, or `/bin/sh -c SCRIPT` where the config opts in; io/shell-words.ts) in a process group of its own, so stopping it stops everything the command started (torchrun's workers, a
 * server behind a wrapper script). Stopping is SIGTERM to the group, then SIGKILL after a timeout.
 *
 * Every live child is listed in a file (`children.json`: pid, start time, label). A SIGKILLed iterate
 * cannot clean up, so the next run reaps what the list still names — only where /proc confirms the pid
 * still belongs to the same process (same start time), never a recycled pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';
import { lockFolder, processAlive, procStartTime } from '../io/process-lock.js';
import type { PreparedCommand } from '../io/shell-words.js';

export { processAlive };

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

  /**
   * Starts a command in its own process group, stdout and stderr appended to `logFile`: a prepared argv runs
   * without a shell; a string (or `{shell}`) runs as `/bin/sh -c`.
   */
  spawn(label: string, command: string | PreparedCommand, logFile: string, env?: NodeJS.ProcessEnv): Child {
    const prepared: PreparedCommand =
      typeof command === 'string' ? { shell: command, display: command } : command;
    const [file, args, extraEnv] =
      'argv' in prepared
        ? [prepared.argv[0]!, prepared.argv.slice(1), prepared.env]
        : ['/bin/sh', ['-c', prepared.shell], {}];
    mkdirSync(dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(file, args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...(env ?? process.env), ...extraEnv },
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const pid = proc.pid;
    if (pid === undefined) {
      // the 'error' event follows (ENOENT, EACCES): listened to, so it does not end the process
      proc.once('error', () => {});
      throw new UserError(
        `${label}: cannot start '${file}' (not found or not executable): ${prepared.display}`,
      );
    }
    const record: ChildRecord = { pid, started: procStartTime(pid), label, command: prepared.display };
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

/** One `metacot iterate` per work dir: a second would reap the first's children as leftovers. */
export function lockWorkDir(file: string): () => void {
  return lockFolder(file, 'metacot iterate');
}
