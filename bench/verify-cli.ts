/**
 * End-to-end verifier throughput through the CLI: writes the benchmark workload (verify-workload.ts) as a JSONL
 * file, runs `metacot verify --in X --out Y` from dist/, and reports lines per second of wall time, process start
 * and compute-engine loading included. Baseline, measured in the same run: the same checks by in-process
 * `verify()` on one thread (compute-engine loaded first, not timed), so the ratio is what the CLI's workers gain
 * over one thread after paying for process start, worker start and JSONL.
 * Run: npm run build && npx tsx bench/verify-cli.ts [--n 16000] [--workers 2] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSymbolicEngine, verify } from '../src/verify/index.js';
import { verifyWorkload } from './verify-workload.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? Number(args[k + 1]) : dflt;
};
const N = arg('n', 16_000);
const WORKERS = arg('workers', 2);
const RUNS = arg('runs', 3);

const { items, source } = verifyWorkload(N);
const dir = mkdtempSync(join(tmpdir(), 'metacot-verify-bench-'));
try {
  const inFile = join(dir, 'in.jsonl');
  const outFile = join(dir, 'out.jsonl');
  writeFileSync(inFile, `${items.map((x, id) => JSON.stringify({ id, ...x })).join('\n')}\n`);
  const rates: number[] = [];
  let correct = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      ['dist/cli/main.js', 'verify', '--in', inFile, '--out', outFile, '--workers', String(WORKERS)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    rates.push(Math.round(items.length / ((performance.now() - t0) / 1000)));
    correct = readFileSync(outFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"correct":true')).length;
  }
  await loadSymbolicEngine();
  const t0 = performance.now();
  for (const x of items) verify(x);
  const inProcess = Math.round(items.length / ((performance.now() - t0) / 1000));
  const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  console.log(
    JSON.stringify(
      {
        workload: source,
        lines: items.length,
        workers: WORKERS,
        correct,
        wall_checks_per_s: rates,
        baseline_in_process_1_thread_checks_per_s: inProcess,
        ratio_median_vs_baseline: Number((median / inProcess).toFixed(2)),
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
