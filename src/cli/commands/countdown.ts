import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { located, UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { SearchTree, type TreeJSON } from '../../core/tree.js';
import { type CountdownProblem, type CountdownStep, stepText } from '../../countdown/arithmetic.js';
import { checkCountdownFile, problemFromRow } from '../../countdown/check.js';
import { type GenerateSummary, generateCountdownFile } from '../../countdown/generate.js';
import { type CountdownConfig, SOS_COUNTDOWN } from '../../countdown/generator.js';
import { astarTrace } from '../../countdown/linearize/astar.js';
import { TRACE_FORMATS, type TraceFormat } from '../../countdown/linearize/format.js';
import { type CountdownTree, streamOfSearch } from '../../countdown/linearize/stream.js';
import {
  parseSolverName,
  pickMixSolver,
  runSolver,
  SOLVER_NAMES,
  solverName,
} from '../../countdown/solvers.js';
import { Tokenizer } from '../../countdown/tokenizer.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { readJsonl } from '../../io/jsonl.js';
import { checkOutputPaths } from '../../io/paths.js';
import { choiceOption, floatOption, intOption, workersOption } from '../options.js';
import { progressBar } from '../progress.js';

export function registerCountdown(program: Command): void {
  const cd = program
    .command('countdown')
    .description("Countdown (Stream of Search's task): generate problems with search traces, solve, check");

  cd.command('generate')
    .description(
      'Generate solvable Countdown problems with a symbolic solver trace (stream of search) and the optimal path.\n' +
        'Train problems use train targets; --test-count adds problems whose targets are held out entirely;\n' +
        '--test-inputs-count adds problems on train targets whose numbers are held out (--held-out-inputs).',
    )
    .requiredOption('--out <file>', 'output JSONL file (written atomically)')
    .option('--count <n>', 'train problems', intOption(0), 1000)
    .option('--test-count <n>', 'test problems, on held-out targets', intOption(0), 0)
    .option('--solver <name>', `solver: ${SOLVER_NAMES.join(', ')}`, 'mix')
    .option('--format <format>', 'trace text format', choiceOption(TRACE_FORMATS), 'compact')
    .option('--seed <n>', 'random seed', intOption(0), 0)
    .option('--numbers <k>', 'input numbers per problem', intOption(2), SOS_COUNTDOWN.numbers)
    .option('--num-min <n>', 'smallest input number', intOption(0), SOS_COUNTDOWN.numMin)
    .option('--num-max <n>', 'largest input number (default: max target − 1)', intOption(0))
    .option('--min-target <n>', 'smallest target', intOption(0), SOS_COUNTDOWN.minTarget)
    .option('--max-target <n>', 'largest target', intOption(0), SOS_COUNTDOWN.maxTarget)
    .option('--held-out <fraction>', 'fraction of target values held out for test', floatOption(0, 0.99), 0.1)
    .option(
      '--held-out-inputs <fraction>',
      'fraction of prompts (number multiset, train target) held out of training',
      floatOption(0, 0.99),
      0,
    )
    .option(
      '--test-inputs-count <n>',
      'test problems on held-out inputs (split test-inputs)',
      intOption(0),
      0,
    )
    .option(
      '--validation <fraction>',
      'share of the held-out targets and inputs that is validation (splits valid, valid-inputs), not test',
      floatOption(0, 0.99),
      0,
    )
    .option('--valid-count <n>', 'validation problems on held-out targets (split valid)', intOption(0), 0)
    .option(
      '--valid-inputs-count <n>',
      'validation problems on held-out inputs (split valid-inputs)',
      intOption(0),
      0,
    )
    .option('--distinct', 'draw input numbers without replacement', false)
    .option('--workers <n>', 'worker threads (default: one per core)', workersOption())
    .option('--json', 'print the summary as JSON', false)
    .addHelpText(
      'after',
      '\nExample (Stream of Search task, 4 numbers, targets 10–100):\n' +
        '  metacot countdown generate --count 100000 --test-count 1000 --solver mix --seed 0 --out cd.jsonl\n' +
        'Each line: id, split, nums, target, solver, solved, solution, optimal_solution, trace, optimal,\n' +
        'trace_format, nodes_explored, rating, trace_tokens, optimal_tokens.',
    )
    .action(async (o) => {
      const config: CountdownConfig = {
        numbers: o.numbers,
        numMin: o.numMin,
        numMax: o.numMax ?? o.maxTarget - 1,
        minTarget: o.minTarget,
        maxTarget: o.maxTarget,
        heldOutFraction: o.heldOut,
        heldOutInputFraction: o.heldOutInputs,
        validationFraction: o.validation,
        distinct: o.distinct,
        seed: o.seed,
      };
      checkOutputPaths([], [{ option: '--out', path: o.out }]);
      try {
        mkdirSync(dirname(o.out), { recursive: true });
      } catch (err) {
        throw new UserError(`cannot write ${o.out}: ${(err as Error).message}`);
      }
      const total = o.count + o.testCount + o.testInputsCount + o.validCount + o.validInputsCount;
      const bar = progressBar('countdown generate', total, 'problems');
      let summary: GenerateSummary;
      try {
        summary = await generateCountdownFile(o.out, {
          config,
          trainCount: o.count,
          testCount: o.testCount,
          testInputsCount: o.testInputsCount,
          validCount: o.validCount,
          validInputsCount: o.validInputsCount,
          solver: o.solver,
          format: o.format,
          workers: o.workers,
          onProgress: (done) => bar.update(done),
        });
      } finally {
        bar.stop();
      }
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else printSummary(o.out, summary);
    });

  cd.command('solve')
    .description(
      'Run a solver on one problem (--nums/--target) or on a JSONL file of {nums, target} rows (--in)',
    )
    .option('--nums <list>', 'comma-separated input numbers, e.g. 39,66,33,13')
    .option('--target <n>', 'target number', intOption(0))
    .option('--in <file>', 'JSONL file with nums and target per line')
    .option('--out <file>', 'with --in: output JSONL (default: stdout)')
    .option('--solver <name>', `solver: ${SOLVER_NAMES.join(', ')}`, 'dfs-sum')
    .option('--format <format>', 'trace text format', choiceOption(TRACE_FORMATS), 'compact')
    .option('--seed <n>', 'random seed (BFS shuffles, mix)', intOption(0), 0)
    .option(
      '--tree',
      'with --in: add the whole search tree (nodes + visit log, lossless JSON) to each line',
      false,
    )
    .action(async (o) => {
      const spec0 = parseSolverName(o.solver);
      if (spec0 === null)
        throw new UserError(`unknown solver '${o.solver}' (known: ${SOLVER_NAMES.join(', ')})`);
      const tokenizer = new Tokenizer();
      const solveOne = async (nums: number[], target: number, rng: Rng) => {
        const spec = spec0 === 'mix' ? pickMixSolver(rng) : spec0;
        const r = await runSolver(spec, { nums, target }, rng);
        const trace =
          spec.kind === 'astar' ? astarTrace(r.tree) : streamOfSearch(r.tree, o.format as TraceFormat);
        return {
          nums,
          target,
          solver: solverName(spec),
          solved: r.solution !== null,
          solution: r.solutionSteps?.map(stepText) ?? null,
          nodes_explored: r.tree.size - 1,
          trace_tokens: tokenizer.countTokens(trace),
          trace,
          ...(o.tree ? { tree: r.tree.toJSON() } : {}),
        };
      };
      if (o.in) {
        checkOutputPaths([{ option: '--in', path: o.in }], [{ option: '--out', path: o.out }]);
        const lines: string[] = [];
        for await (const { line, value } of readJsonl(o.in)) {
          const p = problemFromRow(value, { file: o.in, line });
          lines.push(JSON.stringify(await solveOne(p.nums, p.target, Rng.derive(o.seed, line))));
        }
        const text = lines.length ? `${lines.join('\n')}\n` : '';
        if (o.out) writeFileAtomic(o.out, text);
        else process.stdout.write(text);
        return;
      }
      if (o.nums === undefined || o.target === undefined)
        throw new UserError('give --nums and --target, or --in FILE');
      const nums = String(o.nums)
        .split(',')
        .map((s) => Number(s.trim()));
      if (nums.length < 2 || !nums.every((n) => Number.isInteger(n) && n >= 0)) {
        throw new UserError(
          `--nums must be at least 2 comma-separated non-negative integers, got '${o.nums}'`,
        );
      }
      const r = await solveOne(nums, o.target, new Rng(o.seed));
      process.stdout.write(r.trace);
      process.stderr.write(
        `${r.solver}: ${r.solved ? `solved with ${r.solution!.join(', ')}` : 'no solution found'}; ` +
          `${r.nodes_explored} nodes, ${r.trace_tokens} tokens\n`,
      );
    });

  cd.command('linearize')
    .description(
      'Re-render search trees (from `countdown solve --in F --tree`) as text: any linearization from tree + visit log',
    )
    .requiredOption('--in <file>', 'JSONL whose lines have a `tree` field')
    .option(
      '--as <kind>',
      'stream (the Meta-CoT), astar (create/close events)',
      choiceOption(['stream', 'astar'] as const),
      'stream',
    )
    .option('--format <format>', 'text format for --as stream', choiceOption(TRACE_FORMATS), 'compact')
    .action(async (o) => {
      for await (const { line, value } of readJsonl(o.in)) {
        let tree: CountdownTree;
        try {
          tree = SearchTree.fromJSON(value.tree as TreeJSON<number[], CountdownStep, CountdownProblem>);
        } catch (err) {
          throw new UserError(located({ file: o.in, line, field: 'tree' }, (err as Error).message));
        }
        process.stdout.write(
          `${JSON.stringify({ text: o.as === 'astar' ? astarTrace(tree) : streamOfSearch(tree, o.format) })}\n`,
        );
      }
    });

  cd.command('check')
    .description(
      'Independently re-check a generated file: every solution verifies and appears in its trace, every optimal_solution verifies',
    )
    .argument('<file>', 'JSONL file from `countdown generate`')
    .action(async (file: string) => {
      const report = await checkCountdownFile(file);
      for (const p of report.problems.slice(0, 20)) process.stderr.write(`${p}\n`);
      if (report.problems.length > 20) process.stderr.write(`… and ${report.problems.length - 20} more\n`);
      process.stdout.write(
        `${file}: ${report.records} records, ${report.solved} with a solution, ${report.problems.length} problems\n`,
      );
      if (report.problems.length > 0) throw new UserError(`${file} failed the check`);
    });
}

function printSummary(out: string, s: GenerateSummary) {
  const rows = s.bySolver.map((b) => [
    b.solver,
    String(b.count),
    `${((100 * b.solved) / Math.max(1, b.count)).toFixed(1)}%`,
    String(b.traceTokensMedian),
    String(b.traceTokensP90),
  ]);
  const head = ['solver', 'problems', 'solved', 'median tokens', 'p90 tokens'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join('  ');
  process.stdout.write(
    `wrote ${s.records} problems to ${out} in ${s.seconds.toFixed(1)} s ` +
      `(${Math.round(s.records / Math.max(s.seconds, 1e-9))} problems/s); solver success ${((100 * s.solved) / Math.max(1, s.records)).toFixed(1)}%\n` +
      `${fmt(head)}\n${rows.map(fmt).join('\n')}\n` +
      `optimal path: median ${s.optimalTokensMedian} tokens, p90 ${s.optimalTokensP90}\n`,
  );
}
