import { basename } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { evaluateSamples } from '../../eval/evaluate.js';
import { evalReportHtml } from '../../eval/report.js';
import { readSamples } from '../../eval/samples.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { checkOutputPaths } from '../../io/paths.js';
import { VerifierPool } from '../../verify/pool.js';
import { intOption, workersOption } from '../options.js';
import { progressBar } from '../progress.js';

function kList(value: string): number[] {
  const ks = value.split(',').map((s) => Number(s.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new InvalidArgumentError('expected a comma-separated list of integers >= 1, e.g. 1,8,64.');
  return ks;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'Grade sampled responses with the math verifier and report pass@k (unbiased, Chen et al. 2021), maj@k\n' +
        '(majority over extracted answers), best-of-N@k by score, and accuracy against response length.',
    )
    .requiredOption(
      '--samples <file>',
      'JSONL lines {"problem_id", "gold", "response", "score"?, "tokens"?}, several per problem',
    )
    .option(
      '--k <list>',
      'values of k, comma-separated (each needs that many samples per problem)',
      kList,
      [1],
    )
    .option('--json', 'print one JSON object ("pass@1", "maj@8", "bon@8", ...) instead of a table', false)
    .option('--report <file>', 'also write an HTML report with plots (self-contained, offline)')
    .option('--workers <n>', 'verifier worker threads (default: one per core)', workersOption())
    .option('--timeout <ms>', 'hard limit per check', intOption(1), 5000)
    .addHelpText(
      'after',
      '\nExample:\n  metacot eval --samples samples.jsonl --k 1,8,64 --report eval.html\n' +
        'maj@k and best-of-N@k average over the disjoint groups of k samples of each problem (file order).',
    )
    .action(async (o) => {
      checkOutputPaths([{ option: '--samples', path: o.samples }], [{ option: '--report', path: o.report }]);
      const samples = await readSamples(o.samples);
      const pool = new VerifierPool({ size: o.workers, timeoutMs: o.timeout });
      const bar = progressBar('verify', samples.length, 'responses');
      let report: Awaited<ReturnType<typeof evaluateSamples>>;
      try {
        report = await evaluateSamples(samples, { ks: o.k, pool, onProgress: (n) => bar.update(n) });
      } finally {
        bar.stop();
        await pool.close();
      }
      if (o.report) {
        writeFileAtomic(o.report, await evalReportHtml(report, `metacot eval: ${basename(o.samples)}`));
      }
      if (o.json) {
        const { metrics, ...rest } = report;
        process.stdout.write(`${JSON.stringify({ ...metrics, ...rest })}\n`);
        return;
      }
      const lines = [
        `${report.problems} problems, ${report.samples} samples, ${pct(report.accuracy)} of samples correct` +
          (report.mean_tokens === null ? '' : `, ${report.mean_tokens.toFixed(1)} tokens on average`),
        `${'k'.padStart(5)}  ${'pass@k'.padStart(8)}  ${'maj@k'.padStart(8)}  ${'bon@k'.padStart(8)}`,
        ...report.ks.map(
          (k) =>
            `${String(k).padStart(5)}  ${pct(report.metrics[`pass@${k}`]).padStart(8)}  ${pct(report.metrics[`maj@${k}`]).padStart(8)}  ${pct(report.metrics[`bon@${k}`]).padStart(8)}`,
        ),
      ];
      if (report.accuracy_vs_tokens)
        lines.push(
          'accuracy by response length:',
          ...report.accuracy_vs_tokens.map(
            (b) => `  ${b.min_tokens}-${b.max_tokens} tokens (${b.samples} samples): ${pct(b.accuracy)}`,
          ),
        );
      if (o.report) lines.push(`report: ${o.report}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
