/**
 * `metacot data build` at scale: a synthetic scale-up of ../shared/data/math to N problems (default
 * 1,000,000) through every rule-based filter, exact dedup and MinHash-LSH near dedup, with both
 * outputs written. Baseline (same run, same data): the build without near-dedup (`--no-near-dedup`),
 * so the ratio is what LSH costs on top of the rule filters.
 *
 * The scale-up keeps each source's schema (one file per source) and makes copy k of a row by adding
 * k to every integer in its problem text: copies are new texts (not exact duplicates) whose answers
 * no longer fit, which is fine for throughput, and many are near duplicates of each other.
 *
 * Run: `npm run build && npx tsx bench/curate-scale.ts [count] [--workers N] [--skip-baseline]`
 */
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const workersAt = args.indexOf('--workers');
const workers = workersAt >= 0 ? Number(args[workersAt + 1]) : 1;
const skipBaseline = args.includes('--skip-baseline');
const root = join(import.meta.dirname, '..');
const shared = join(root, '..', 'shared', 'data', 'math');
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(shared)) throw new Error(`${shared} is missing: the bench scales up the shared data`);
if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first');

const dir = mkdtempSync(join(tmpdir(), 'metacot-curate-bench-'));
const input = join(dir, 'in');
mkdirSync(input);

/** Writes `count` rows spread over the sources in proportion to their size. */
async function scaleUp(): Promise<number> {
  const files = readdirSync(shared).filter((f) => f.endsWith('.jsonl'));
  const sources = files.map((f) => ({
    file: f,
    rows: readFileSync(join(shared, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  }));
  const total = sources.reduce((a, s) => a + s.rows.length, 0);
  let written = 0;
  for (const [i, s] of sources.entries()) {
    const want = i === sources.length - 1 ? count - written : Math.round((count * s.rows.length) / total);
    const out = createWriteStream(join(input, s.file));
    for (let k = 0; k < want; k++) {
      const row = { ...s.rows[k % s.rows.length]! };
      const copy = Math.floor(k / s.rows.length);
      for (const key of ['problem', 'question', 'Question', 'input', 'content', 'body', 'Body']) {
        const v = row[key];
        if (typeof v === 'string' && copy > 0) row[key] = v.replace(/\d+/g, (d) => String(Number(d) + copy));
      }
      if (!out.write(`${JSON.stringify(row)}\n`))
        await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    written += want;
  }
  return written;
}

function build(name: string, extra: string[]) {
  const out = join(dir, name);
  const started = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [cli, 'data', 'build', '--in', input, '--out', out, '--workers', String(workers), ...extra],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { seconds, report };
}

try {
  const rows = await scaleUp();
  const ours = build('full', []);
  const baseline = skipBaseline ? null : build('baseline', ['--no-near-dedup']);
  const t = ours.report.totals;
  console.log(
    JSON.stringify({
      bench: 'curate-scale',
      rows,
      workers,
      command: `metacot data build --in <scale-up> --out <dir> --workers ${workers}`,
      seconds: Number(ours.seconds.toFixed(1)),
      rows_per_s: Math.round(rows / ours.seconds),
      peak_rss_mb: Math.round(ours.report.timing.maxRssMB),
      kept: t.kept,
      removed: t.removed,
      near_duplicates: ours.report.sources.reduce(
        (a: number, s: { signals: Record<string, number> }) => a + (s.signals.near_duplicate ?? 0),
        0,
      ),
      exact_duplicates: ours.report.sources.reduce(
        (a: number, s: { signals: Record<string, number> }) => a + (s.signals.exact_duplicate ?? 0),
        0,
      ),
      baseline: 'same build without near-dedup (--no-near-dedup)',
      baseline_seconds: baseline ? Number(baseline.seconds.toFixed(1)) : null,
      baseline_rows_per_s: baseline ? Math.round(rows / baseline.seconds) : null,
      baseline_peak_rss_mb: baseline ? Math.round(baseline.report.timing.maxRssMB) : null,
      ratio_time_ours_over_baseline: baseline ? Number((ours.seconds / baseline.seconds).toFixed(3)) : null,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
