import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { checkOutputPaths } from '../../io/paths.js';
import { verifyFile } from '../../verify/batch.js';
import { DEFAULT_PRIORITY, type ExtractionRule } from '../../verify/extract.js';
import { VerifierPool } from '../../verify/pool.js';
import { intOption, workersOption } from '../options.js';

function parsePriority(value: string): ExtractionRule[] {
  const rules = value.split(',').map((s) => s.trim()) as ExtractionRule[];
  for (const r of rules) {
    if (!DEFAULT_PRIORITY.includes(r))
      throw new UserError(`--priority: unknown rule '${r}' (rules: ${DEFAULT_PRIORITY.join(', ')})`);
  }
  return rules;
}

/** `@path` reads the text from a file, `-` from stdin. */
function textArg(value: string, flag: string): string {
  try {
    if (value === '-') return readFileSync(0, 'utf8');
    if (value.startsWith('@')) return readFileSync(value.slice(1), 'utf8');
  } catch (err) {
    throw new UserError(`${flag}: cannot read ${value} (${(err as Error).message})`);
  }
  return value;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'Check a model answer against a gold answer (extraction, normalization, type-aware equivalence).\n' +
        'Single: --gold G --response R prints one JSON result. Batch: --in FILE.jsonl --out FILE.jsonl.',
    )
    .option('--gold <latex>', 'gold answer (`@file` reads a file, `-` stdin)')
    .option('--response <text>', 'model response, free-form (`@file` reads a file, `-` stdin)')
    .option('--in <file>', 'batch input: JSONL lines with id, gold, response')
    .option('--out <file>', 'batch output: input lines plus correct, extracted, reason (input order kept)')
    .option('--workers <n>', 'worker threads (default: one per core)', workersOption())
    .option(
      '--timeout <ms>',
      'hard limit per check; a stuck check answers reason "timeout"',
      intOption(1),
      5000,
    )
    .option('--priority <rules>', `extraction rules in order (default: ${DEFAULT_PRIORITY.join(',')})`)
    .option(
      '--strict-hedging',
      'several different \\boxed{} answers are "hedged" even when the last is right (default: the last box counts)',
    )
    .option('--last-boxed', 'the last \\boxed{} answer counts: the default, accepted for old scripts')
    .option(
      '--allow-approximation',
      'the problems ask for decimal answers: a correctly rounded decimal may stand for an exact gold (3.1416 for \\pi)',
    )
    .option('--no-symbolic', 'skip the compute-engine fallback parser (faster start, fewer LaTeX forms)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        "  metacot verify --gold '\\frac{1}{2}' --response 'so the answer is $\\boxed{0.5}$'\n" +
        '  metacot verify --in samples.jsonl --out verdicts.jsonl --workers 2\n' +
        'Result fields: correct, reason (equal | not_equal | no_answer | hedged | timeout | ...), extracted,\n' +
        'rule (which extraction rule fired), goldType, method, detail.',
    )
    .action(async (o) => {
      const batch = o.in !== undefined || o.out !== undefined;
      const single = o.gold !== undefined || o.response !== undefined;
      if (batch && single) throw new UserError('use either --gold/--response or --in/--out, not both');
      if (!batch && !single)
        throw new UserError('nothing to verify: pass --gold and --response, or --in and --out');
      if (batch && (o.in === undefined || o.out === undefined))
        throw new UserError('batch mode needs both --in and --out');
      if (single && (o.gold === undefined || o.response === undefined)) {
        throw new UserError('single mode needs both --gold and --response');
      }
      if (o.strictHedging && o.lastBoxed)
        throw new UserError('--strict-hedging and --last-boxed contradict each other: pick one');
      if (batch) checkOutputPaths([{ option: '--in', path: o.in }], [{ option: '--out', path: o.out }]);
      const priority = o.priority !== undefined ? parsePriority(o.priority) : undefined;
      const pool = new VerifierPool({
        size: batch ? o.workers : 1,
        timeoutMs: o.timeout,
        symbolic: o.symbolic,
        verify: {
          ...(priority ? { priority } : {}),
          boxed: o.strictHedging ? 'strict' : 'last',
          ...(o.allowApproximation ? { allowApproximation: true } : {}),
        },
      });
      try {
        if (single) {
          const r = await pool.verify({
            gold: textArg(o.gold, '--gold'),
            response: textArg(o.response, '--response'),
          });
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const s = await verifyFile(pool, o.in, o.out);
        const pct = s.lines > 0 ? ((100 * s.correct) / s.lines).toFixed(1) : '0.0';
        process.stderr.write(
          `verified ${s.lines} lines in ${s.seconds.toFixed(1)} s (${Math.round(s.lines / Math.max(s.seconds, 1e-9))}/s): ` +
            `${s.correct} correct (${pct}%), ${s.incorrect} incorrect, ${s.invalid} invalid lines, ${s.timeouts} timeouts → ${o.out}\n`,
        );
      } finally {
        await pool.close();
      }
    });
}
