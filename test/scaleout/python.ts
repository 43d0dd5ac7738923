/** Runs Debian's python3 (the interpreter a NeoX host has) asynchronously, so servers in this process keep running. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const NEOX_CLIENT = join(import.meta.dirname, 'neox_client.py');

export function runPython(args: string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      args,
      { timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${PYTHON} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface ClientReport {
  groups: { prefix: number[]; completions: number[][]; rewards: number[]; advantages: number[] }[];
  samples: { length: number; trained: number; advantage: number }[];
  errors: string[];
}

/** One NeoX refill: connect, send the split, read to EOF, unpickle, check. */
export async function neoxFetch(port: number, split: string, seqLength: number): Promise<ClientReport> {
  const out = await runPython([NEOX_CLIENT, '127.0.0.1', String(port), split, String(seqLength)]);
  return JSON.parse(out) as ClientReport;
}
