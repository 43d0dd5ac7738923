import { spawn, spawnSync } from 'node:child_process';
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

/** Runs the built CLI without blocking this process (for tests that serve HTTP to it from here). */
export function metacotAsync(
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
