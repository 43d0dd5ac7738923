/**
 * A text file written line by line under a temporary name beside it and renamed over the target only when
 * complete: a killed or failed run never leaves a truncated file that looks whole, and never empties an
 * existing one. The folder is created when missing. Back-pressure is honoured without adding a listener per
 * write, and a write error (disk full, permission) is one UserError naming the file, never an unhandled
 * 'error' event.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';

export class AtomicLineWriter {
  readonly temp: string;
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  private finished = false;
  lines = 0;

  /** `suffix` names the temporary file (default `.tmp-<pid>`, so concurrent writers never share one). */
  constructor(
    readonly path: string,
    suffix = `.tmp-${process.pid}`,
  ) {
    this.temp = `${path}${suffix}`;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new UserError(`cannot write ${path}: ${(err as Error).message}`);
    }
    this.stream = createWriteStream(this.temp, 'utf8');
    // Kept for the next write or commit to report: an 'error' event with no listener would end the process.
    this.stream.on('error', (err) => {
      this.failure ??= err;
    });
  }

  private check(): void {
    if (this.failure) throw new UserError(`cannot write ${this.path}: ${this.failure.message}`);
  }

  /** Writes one line (the newline is added). */
  async write(line: string): Promise<void> {
    this.check();
    this.lines++;
    if (!this.stream.write(`${line}\n`)) {
      // `once` rejects on 'error' and removes both of its listeners either way.
      await once(this.stream, 'drain').catch(() => undefined);
      this.check();
    }
  }

  /** Flushes, closes and renames the file into place. */
  async commit(): Promise<void> {
    this.check();
    await new Promise<void>((res) => this.stream.end(() => res()));
    this.check();
    this.finished = true;
    renameSync(this.temp, this.path);
  }

  /** Stops and removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.stream.closed) {
      // after 'close' the file is open nowhere, so nothing recreates it once removed
      const closed = new Promise<void>((res) => this.stream.once('close', () => res()));
      this.stream.destroy();
      await closed;
    }
    rmSync(this.temp, { force: true });
  }
}

/** Writes one JSON object per line, atomically; returns the number of lines. */
export async function writeJsonlAtomic(file: string, records: Iterable<unknown>): Promise<number> {
  const out = new AtomicLineWriter(file);
  try {
    for (const r of records) await out.write(JSON.stringify(r));
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  return out.lines;
}
