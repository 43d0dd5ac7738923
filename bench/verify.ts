/**
 * Verifier throughput on typical answers, in-process and through the worker pool, plus the adversarial corpus.
 * Run: npm run build && npx tsx bench/verify.ts [--n 20000] [--workers 2]
 * The workload is described in verify-workload.ts; bench/verify-cli.ts measures the same mix end to end.
 */
import { adversarialCorpus } from '../src/verify/adversarial.js';
import { VerifierPool } from '../src/verify/pool.js';
import { loadSymbolicEngine } from '../src/verify/symbolic.js';
import { verify } from '../src/verify/verify.js';
import { verifyWorkload } from './verify-workload.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? Number(args[k + 1]) : dflt;
};
const N = arg('n', 20_000);
const WORKERS = arg('workers', 2);

const { items, source } = verifyWorkload(N);
await loadSymbolicEngine();

// warm-up, then one thread in-process
for (const x of items.slice(0, 500)) verify(x);
let t0 = performance.now();
let correct = 0;
for (const x of items) if (verify(x).correct) correct++;
const inProcess = items.length / ((performance.now() - t0) / 1000);

const pool = new VerifierPool({ size: WORKERS, timeoutMs: 5000 });
await pool.ready();
await pool.verifyBatch(items.slice(0, 500));
t0 = performance.now();
const results = await pool.verifyBatch(items);
const pooled = items.length / ((performance.now() - t0) / 1000);
const poolCorrect = results.filter((r) => r.correct).length;

const adv = adversarialCorpus();
t0 = performance.now();
const advResults = await pool.verifyBatch(adv);
const advMs = performance.now() - t0;
await pool.close();

console.log(
  JSON.stringify(
    {
      workload: source,
      checks: items.length,
      correct_share: +(correct / items.length).toFixed(3),
      in_process_checks_per_s: Math.round(inProcess),
      pool_workers: WORKERS,
      pool_checks_per_s: Math.round(pooled),
      pool_agrees_with_in_process: poolCorrect === correct,
      adversarial: {
        items: adv.length,
        total_ms: Math.round(advMs),
        timeouts: advResults.filter((r) => r.reason === 'timeout').length,
        errors: advResults.filter((r) => r.reason === 'error').length,
        accepted: advResults.filter((r) => r.correct).length,
      },
    },
    null,
    2,
  ),
);
