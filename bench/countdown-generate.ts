/**
 * Countdown trace generation throughput: problems with full solver traces per second.
 * Baseline (same run): the same generation on one in-process worker; the ratio is the speed-up
 * from worker threads. Run: `npm run build && npx tsx bench/countdown-generate.ts [count]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const count = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'metacot-bench-'));
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

function run(workers: number): { seconds: number; records: number } {
  const started = process.hrtime.bigint();
  const out = join(dir, `w${workers}.jsonl`);
  const args = ['countdown', 'generate', '--count', String(count), '--solver', 'mix', '--seed', '0'];
  const r = spawnSync(
    process.execPath,
    [cli, ...args, '--workers', String(workers), '--out', out, '--json'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`generate failed: ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, records: JSON.parse(r.stdout).records };
}

try {
  const baseline = run(1);
  const ours = run(cpus().length);
  const result = {
    bench: 'countdown-generate',
    problems: count,
    workers: cpus().length,
    seconds: Number(ours.seconds.toFixed(2)),
    traces_per_s: Math.round(ours.records / ours.seconds),
    baseline: '1 worker, in-process',
    baseline_seconds: Number(baseline.seconds.toFixed(2)),
    baseline_traces_per_s: Math.round(baseline.records / baseline.seconds),
    ratio_time_ours_over_baseline: Number((ours.seconds / baseline.seconds).toFixed(3)),
  };
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
