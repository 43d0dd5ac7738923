import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Runs the built CLI (`npm test` builds first) and returns its exit code and output. */
export function metacot(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** How a CLI run started with startMetacot ended, and all it wrote. */
export interface CliDone {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the built CLI without blocking this process (for tests that serve HTTP to it from here, kill it mid-run
 * or read a server's first lines): the child, its output so far, and a promise of how it ended.
 */
export function startMetacot(
  args: string[],
  opts: { cwd?: string } = {},
): { child: ChildProcess; stdout: () => string; done: Promise<CliDone> } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<CliDone>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, done };
}

/** Runs the built CLI without blocking this process, to its end. */
export function metacotAsync(args: string[], opts: { cwd?: string } = {}): Promise<CliDone> {
  return startMetacot(args, opts).done;
}

/**
 * stderr without the periodic progress lines a command writes when stderr is not a terminal (a slow run on a
 * loaded machine prints some): what remains must be empty for a clean run.
 */
export function withoutProgress(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/ [\d,]+(\/[\d,]+)? \S+( \(\d+%\))?, [\d.,]+ \S+\/s(, ETA .*)?$/.test(l))
    .join('\n');
}
