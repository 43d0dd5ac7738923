/**
 * Test support for the servers' hardening tests: raw TCP clients that misbehave on purpose (hang up mid-body,
 * send garbage, declare huge bodies, dribble bytes), and the built CLI started as a server in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../cli.js';

export interface RawAnswer {
  /** everything the server sent, as latin1 */
  text: string;
  /** the HTTP status of the first response line, or null when none came */
  status: number | null;
  /** whether the server closed (or reset) the connection */
  closed: boolean;
  /** ms from connect to the first byte of the answer, or null */
  firstByteMs: number | null;
}

const connected = (port: number, host = '127.0.0.1'): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect(port, host);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });

/**
 * Sends `bytes` and waits for the server's answer: until it closes the connection or `waitMs` passes. With
 * `hangUp` the client closes right after sending instead, and nothing is read.
 */
export async function rawSend(
  port: number,
  bytes: string | Buffer,
  o: { waitMs?: number; hangUp?: boolean; host?: string } = {},
): Promise<RawAnswer> {
  const s = await connected(port, o.host);
  const t0 = Date.now();
  s.on('error', () => {}); // a reset is one of the outcomes under test
  s.write(bytes);
  if (o.hangUp) {
    s.destroy();
    return { text: '', status: null, closed: true, firstByteMs: null };
  }
  return collect(s, t0, o.waitMs ?? 5000);
}

/** Reads what the server sends until it closes or `waitMs` passes (then the client closes). */
export function collect(s: Socket, t0: number, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    let firstByteMs: number | null = null;
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed, firstByteMs });
      s.destroy();
    };
    const timer = setTimeout(finish, waitMs);
    s.on('data', (c: Buffer) => {
      firstByteMs ??= Date.now() - t0;
      text += c.toString('latin1');
    });
    s.on('close', () => {
      closed = true;
      finish();
    });
  });
}

/**
 * Opens a connection and sends `bytes` one at a time, `everyMs` apart (a slowloris); resolves when the server
 * cuts the connection, or 1 s after the last byte (`cut` false).
 */
export async function dribble(
  port: number,
  bytes: string,
  everyMs: number,
): Promise<{ cut: boolean; afterMs: number; sent: number; text: string }> {
  const s = await connected(port);
  const t0 = Date.now();
  s.on('error', () => {});
  let sent = 0;
  let text = '';
  s.on('data', (c: Buffer) => {
    text += c.toString('latin1');
  });
  return new Promise((resolve) => {
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const end = (cut: boolean): void => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ cut, afterMs: Date.now() - t0, sent, text });
      s.destroy();
    };
    const timer = setInterval(() => {
      if (sent < bytes.length && !s.destroyed) s.write(bytes[sent++]!);
      else if (sent === bytes.length && giveUp === undefined) giveUp = setTimeout(() => end(false), 1000);
    }, everyMs);
    s.on('close', () => end(true));
  });
}

export interface CliServer {
  child: ChildProcess;
  /** what the server printed so far */
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code once it exits */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Starts `metacot <args>` from dist/ and waits until stdout matches `ready`. */
export async function startCli(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<CliServer> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const t0 = Date.now();
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`metacot ${args.join(' ')} did not start:\nstdout: ${out}\nstderr: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The port in the first `host:port` of a server's start-up line. */
export function portIn(line: string): number {
  const m = /(?:127\.0\.0\.1|\[::1\]|0\.0\.0\.0):(\d+)/.exec(line);
  if (!m) throw new Error(`no port in ${JSON.stringify(line)}`);
  return Number(m[1]);
}
