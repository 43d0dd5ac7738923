/**
 * Atomic output: every export is written to a temporary file beside the target and renamed only when complete,
 * so a killed export never leaves a truncated dataset that a trainer would read as whole.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const tempName = (file: string): string => `${file}.tmp-${process.pid}-${Date.now()}`;

/** Writes one JSON object per line; returns the number of lines. */
export async function writeJsonlAtomic(file: string, records: Iterable<unknown>): Promise<number> {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempName(file);
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  let n = 0;
  try {
    for (const r of records) {
      if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain');
      n++;
    }
    out.end();
    await once(out, 'finish');
    renameSync(tmp, file);
  } catch (err) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
  return n;
}

export function writeBytesAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
