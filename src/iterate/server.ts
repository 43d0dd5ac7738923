/**
 * The policy's endpoint for one round: either a server iterate starts (`server.command`, a child process
 * group, ready when `GET <url>/models` answers 200) or an external one (`server.url`, told to load each new
 * checkpoint by `server.reload.command`).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { UserError } from '../core/errors.js';
import { fill, prepareCommand } from '../io/shell-words.js';
import type { IterateConfig } from './config.js';
import type { Child, ChildRegistry } from './processes.js';

export interface Endpoint {
  url: string;
  /** The child serving it; undefined for an external server. */
  child?: Child;
}

/** A port that was free a moment ago (the server binds it right after; a race is retried by a restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The managed server exited before it answered: transient when it lost a race for its port, so retried. */
export class ServerExitedError extends UserError {
  override name = 'ServerExitedError';
}

/** Polls `<url>/models` until it answers 200; fails early when `child` exits first. */
export async function waitReady(url: string, timeoutS: number, child?: Child, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    if (child?.exit)
      throw new ServerExitedError(
        `server exited (code ${child.exit.code}, signal ${child.exit.signal}) before ${url} was ready` +
          (log ? `; last lines of ${log}:\n${logTail(log)}` : ''),
      );
    try {
      const r = await fetch(`${url.replace(/\/$/, '')}/models`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new UserError(
        `server at ${url} not ready after ${timeoutS} s (server.readyTimeout)` +
          (log ? `; last lines of ${log}:\n${logTail(log)}` : ''),
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the managed server on `checkpoint`, or (external) returns its URL after checking it answers. */
export async function openEndpoint(
  cfg: IterateConfig['server'],
  checkpoint: string,
  vars: Record<string, string | number>,
  children: ChildRegistry,
  log: string,
): Promise<Endpoint> {
  if (cfg.command === undefined) {
    const url = fill(cfg.url!, { ...vars, checkpoint });
    await waitReady(url, cfg.readyTimeout);
    return { url };
  }
  const port = cfg.port ?? (await freePort());
  const all = { ...vars, checkpoint, port };
  const url = fill(cfg.url ?? 'http://127.0.0.1:{port}/v1', all);
  const child = children.spawn('server', prepareCommand(cfg.command, all, cfg.shell), log);
  try {
    await waitReady(url, cfg.readyTimeout, child, log);
  } catch (err) {
    await child.stop(cfg.stopTimeout * 1000);
    throw err;
  }
  return { url, child };
}

/** External server: runs `server.reload.command` for the new checkpoint and waits until it answers again. */
export async function reloadExternal(
  cfg: IterateConfig['server'],
  checkpoint: string,
  vars: Record<string, string | number>,
  children: ChildRegistry,
  log: string,
): Promise<void> {
  if (cfg.reload === undefined) return;
  const reload = prepareCommand(cfg.reload.command, { ...vars, checkpoint }, cfg.reload.shell);
  const child = children.spawn('reload', reload, log);
  const r = await child.exited;
  if (r.code !== 0)
    throw new UserError(
      `server.reload.command failed (code ${r.code}, signal ${r.signal}); last lines of ${log}:\n${logTail(log)}`,
    );
  await waitReady(fill(cfg.url!, { ...vars, checkpoint }), cfg.readyTimeout);
}
