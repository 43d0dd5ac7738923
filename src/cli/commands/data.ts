import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import type { DifficultyConfig } from '../../curate/build.js';
import { loadMappingOverrides } from '../../curate/field-map.js';
import { BUILD_FILES } from '../../curate/output-row.js';
import type { SkippedRow } from '../../curate/report.js';
import { SIGNALS, type SignalName } from '../../curate/types.js';
import { checkOutputPaths } from '../../io/paths.js';
import { OpenAIBackend } from '../../llm/openai.js';
import { backendFromSpec } from '../../llm/spec.js';
import { floatOption, intOption, workersOption } from '../options.js';
import { type Progress, progressBar, progressCounter } from '../progress.js';

function signalList(value: string): SignalName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(SIGNALS as readonly string[]).includes(n)) {
      throw new UserError(`--keep-flagged: unknown signal '${n}' (signals: ${SIGNALS.join(', ')})`);
    }
  }
  return names as SignalName[];
}

const skippedAt = (r: SkippedRow) => `${r.file}:${r.line}: ${r.message}`;

export function registerData(program: Command): void {
  const data = program.command('data').description('Curate verifiable math problems (Big-Math filters)');

  data
    .command('build')
    .description(
      'Turn raw problem sources (JSONL, JSON arrays, CSV, Parquet; files or folders) into a clean, RL-ready set:\n' +
        'field mapping, gold answers the verifier parses, rule filters with per-row reasons, exact and near\n' +
        'dedup, decontamination, optional difficulty by rollouts. Writes problems.jsonl, problems.parquet,\n' +
        'removed.jsonl (every removed row with its signals), report.json and report.html.',
    )
    .requiredOption('--in <paths...>', 'input files or folders (folders are read recursively)')
    .requiredOption('--out <dir>', 'output folder')
    .option(
      '--map <file>',
      'field-mapping overrides (YAML/JSON: sources: [{match, source, problem, answer, ...}])',
    )
    .option('--decontaminate-against <files...>', 'test sets to decontaminate against (n-gram overlap)')
    .option('--ngram <n>', 'words per n-gram for decontamination', intOption(1), 8)
    .option(
      '--min-overlap <x>',
      'share of a problem n-grams in a test set that marks it contaminated',
      floatOption(0, 1),
      0.5,
    )
    .option(
      '--keep-flagged <signals>',
      `comma-separated signals to record but not remove (${SIGNALS.join(', ')})`,
    )
    .option('--no-near-dedup', 'skip near-duplicate detection (MinHash LSH)')
    .option(
      '--near-threshold <x>',
      'estimated Jaccard at or above which problems are near duplicates',
      floatOption(0, 1),
      0.7,
    )
    .option('--format <formats>', 'output formats: jsonl, parquet or both', 'jsonl,parquet')
    .option(
      '--workers <n>',
      'worker threads for the per-row filters (0: in-process; the main thread reads, dedups, writes)',
      workersOption(0),
      1,
    )
    .option(
      '--no-symbolic',
      "skip the verifier's compute-engine fallback parser (faster, fewer LaTeX answers parse)",
    )
    .option(
      '--difficulty-endpoint <url>',
      'OpenAI-compatible server for difficulty rollouts, e.g. http://127.0.0.1:8000/v1',
    )
    .option('--difficulty-model <name>', 'model name on that server')
    .option(
      '--difficulty-backend <spec>',
      'any backend instead: openai:URL#model=M, gguf:FILE.gguf, engine:DIR (docs/llm-backends.md)',
    )
    .option('--rollouts <k>', 'rollouts per problem for solve rate (Big-Math: 64)', intOption(1), 8)
    .option('--max-tokens <n>', 'tokens per rollout', intOption(1), 2048)
    .option('--temperature <t>', 'sampling temperature for rollouts', floatOption(0, 2), 0.8)
    .option('--difficulty-concurrency <n>', 'problems in flight at once', intOption(1), 8)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  metacot data build --in ../shared/data/math --out data/curated\n' +
        '  metacot data build --in raw/ --out cur/ --decontaminate-against math500.test.jsonl aime24.test.jsonl\n' +
        '  metacot data build --in raw/ --out cur/ --difficulty-endpoint http://127.0.0.1:8000/v1 \\\n' +
        '      --difficulty-model qwen2.5-math-1.5b --rollouts 16     # resumable: rerun continues\n' +
        'Output columns: id, problem, answer, source, domain, solve_rate, difficulty (Big-Math quintile,\n' +
        '1 = easiest), file, line, answer_from, signals.',
    )
    .action(async (o) => {
      checkOutputPaths(
        [
          ...(o.in as string[]).map((path) => ({ option: '--in', path, recursive: true })),
          { option: '--map', path: o.map },
          ...((o.decontaminateAgainst ?? []) as string[]).map((path) => ({
            option: '--decontaminate-against',
            path,
          })),
        ],
        [{ option: '--out', path: o.out, writes: Object.values(BUILD_FILES) }],
      );
      const formats = String(o.format)
        .split(',')
        .map((s) => s.trim());
      for (const f of formats) {
        if (f !== 'jsonl' && f !== 'parquet')
          throw new UserError(`--format: unknown format '${f}' (jsonl, parquet)`);
      }
      const keep = o.keepFlagged ? signalList(o.keepFlagged) : [];
      let difficulty: DifficultyConfig | undefined;
      const byUrl = o.difficultyEndpoint !== undefined || o.difficultyModel !== undefined;
      if (byUrl && o.difficultyBackend !== undefined) {
        throw new UserError(
          'use either --difficulty-backend or --difficulty-endpoint/--difficulty-model, not both',
        );
      }
      if (byUrl || o.difficultyBackend !== undefined) {
        if (byUrl && (!o.difficultyEndpoint || !o.difficultyModel)) {
          throw new UserError('difficulty needs both --difficulty-endpoint and --difficulty-model');
        }
        difficulty = {
          backend: byUrl
            ? new OpenAIBackend({
                endpoints: [o.difficultyEndpoint],
                model: o.difficultyModel,
                mode: 'chat',
                concurrency: o.difficultyConcurrency,
              })
            : await backendFromSpec(o.difficultyBackend),
          rollouts: o.rollouts,
          maxTokens: o.maxTokens,
          temperature: o.temperature,
          concurrency: o.difficultyConcurrency,
        };
      }
      const rowsRead = progressCounter('filter', 'rows');
      let rollouts: Progress | undefined;
      // Imported here: the language detector's model takes ~0.6 s to load, which every other command would pay.
      const { buildDataset } = await import('../../curate/build.js');
      const build = buildDataset({
        inputs: o.in,
        outDir: o.out,
        overrides: o.map ? loadMappingOverrides(o.map) : undefined,
        decontaminateAgainst: o.decontaminateAgainst,
        decontamination: { n: o.ngram, minOverlap: o.minOverlap },
        remove: SIGNALS.filter((s) => !keep.includes(s)),
        nearDuplicates: o.nearDedup,
        lsh: { threshold: o.nearThreshold },
        formats: formats as ('jsonl' | 'parquet')[],
        workers: o.workers,
        symbolic: o.symbolic,
        difficulty,
        onProgress: (n, stage, total) => {
          if (stage === 'filter') return rowsRead.update(n);
          rowsRead.stop();
          rollouts ??= progressBar('difficulty', total ?? 0, 'problems');
          rollouts.update(n);
        },
      });
      const { report } = await build.finally(() => {
        rowsRead.stop();
        rollouts?.stop();
        return difficulty?.backend.close?.();
      });
      const t = report.totals;
      const w = Math.max(6, ...report.sources.map((s) => s.source.length));
      const lines = [
        `${'source'.padEnd(w)}  ${'rows'.padStart(8)}  ${'kept'.padStart(8)}  ${'removed'.padStart(8)}  ${'malformed'.padStart(9)}`,
        ...report.sources.map(
          (s) =>
            `${s.source.padEnd(w)}  ${String(s.rows).padStart(8)}  ${String(s.kept).padStart(8)}  ${String(s.removed).padStart(8)}  ${String(s.malformed).padStart(9)}`,
        ),
        `${'total'.padEnd(w)}  ${String(t.rows).padStart(8)}  ${String(t.kept).padStart(8)}  ${String(t.removed).padStart(8)}  ${String(t.malformed).padStart(9)}`,
        ...(report.difficulty
          ? [
              `difficulty: ${report.difficulty.measured} problems measured` +
                (report.difficulty.skipped > 0
                  ? `, ${report.difficulty.skipped} skipped as refused by the backend (first: ${skippedAt(report.difficulty.skipped_rows[0]!)}; all in report.json)`
                  : ''),
            ]
          : []),
        `${report.timing.seconds.toFixed(1)} s, ${Math.round(report.timing.rowsPerSecond)} rows/s, peak RSS ${Math.round(report.timing.maxRssMB)} MB`,
        `report: ${join(o.out, 'report.html')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
