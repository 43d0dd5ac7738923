import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { writeJsonlAtomic } from '../../io/atomic-lines.js';
import { checkOutputPaths } from '../../io/paths.js';
import { backendFromSpec } from '../../llm/spec.js';
import { LINEARIZE_STYLES, type LinearizeStyle } from '../../reasoning/linearize.js';
import { loadProblems } from '../../reasoning/problems.js';
import { solvedRecords } from '../../reasoning/records.js';
import {
  LM_ALGORITHMS,
  type LmAlgorithm,
  runSearch,
  type SearchRunConfig,
  type Shard,
  type ValueSpec,
} from '../../reasoning/run.js';
import { parseSegmentation } from '../../reasoning/segment.js';
import { mergeStores, SearchStore } from '../../reasoning/store.js';
import { loadTemplate } from '../../reasoning/template.js';
import { choiceOption, floatOption, intOption } from '../options.js';
import { progressBar } from '../progress.js';

function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
  if (!shard || shard.count < 1 || shard.index >= shard.count)
    throw new UserError(`--shard: expected i/n with 0 ≤ i < n, got '${text}'`);
  return shard;
}

function valueSpec(o: Record<string, unknown>): ValueSpec {
  if (o.value === 'prm') {
    if (typeof o.prmUrl !== 'string') throw new UserError('--value prm needs --prm-url URL');
    return { kind: 'prm', url: o.prmUrl };
  }
  if (o.value === 'judge') return { kind: 'judge', samples: o.judgeSamples as number };
  return { kind: 'rollout', rollouts: o.rollouts as number, maxTokens: o.rolloutTokens as number };
}

const compactTokens = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${n}`;

const SEARCH_EXAMPLES =
  '\nExamples:\n' +
  '  metacot search --problems math.jsonl --backend http://127.0.0.1:8000/v1 --algorithm mcts --rollouts 32 --out run.sqlite\n' +
  '  metacot search --problems math.jsonl --backend engine:runs/m --max-nodes 16 --out runs/search.sqlite\n' +
  '  metacot search --problems math.jsonl --backend $B --algorithm step-beam --value prm --prm-url http://127.0.0.1:9000/value --shard 0/4 --out s0.sqlite\n' +
  '  metacot merge --out run.sqlite s0.sqlite s1.sqlite s2.sqlite s3.sqlite\n' +
  '  metacot search export run.sqlite --format chat --out sft.jsonl';

export function registerSearch(program: Command): void {
  const search = program
    .command('search')
    .summary('search over language-model steps (MCTS, beam, …) into SQLite; `search export`: SFT data')
    .usage(
      '[run] --problems <file> --backend <spec> --out <store> [options]\n       metacot search export <store> --out <file> [options]',
    )
    .description(
      'Search over language-model reasoning steps for each problem of a JSONL file\n' +
        '(MCTS, step beam, DVTS, best-first, best-of-N), stored in SQLite as it runs.\n' +
        '`metacot search` with no subcommand runs `search run` (its options are below);\n' +
        '`search export` writes the solved trees as SFT data.',
    );

  const run = search
    .command('run', { isDefault: true })
    .description('Search every problem (resumable: the same command continues an interrupted run)')
    .requiredOption(
      '--problems <file>',
      'JSONL: problem (or question) and answer (or gold) per line, id optional; as `metacot export` reads them',
    )
    .requiredOption(
      '--backend <spec>',
      'language model: openai:URL#model=M, gguf:FILE.gguf or engine:DIR (a `metacot train` checkpoint)',
    )
    .requiredOption(
      '--out <store>',
      'SQLite store (created with its folder, or resumed when it holds this run)',
    )
    .option('--algorithm <name>', `one of ${LM_ALGORITHMS.join(', ')}`, choiceOption(LM_ALGORITHMS), 'mcts')
    .option(
      '--value <kind>',
      'state values: rollout (mean verified reward), prm, judge',
      choiceOption(['rollout', 'prm', 'judge'] as const),
      'rollout',
    )
    .option('--rollouts <k>', 'rollouts per state, sampled in one call (the paper: 128)', intOption(1), 16)
    .option('--rollout-tokens <n>', 'token limit of one rollout', intOption(1), 1024)
    .option('--prm-url <url>', 'PRM endpoint: POST {problem, steps} → {value}')
    .option('--judge-samples <n>', 'LLM-judge verdicts per state', intOption(1), 8)
    .option('--branching <b>', 'steps sampled per expansion', intOption(1), 4)
    .option('--width <n>', 'step beam: beams kept per depth', intOption(1), 4)
    .option('--subtrees <n>', 'DVTS: independent subtrees', intOption(1), 4)
    .option('--n <n>', 'best-of-N: samples', intOption(1), 16)
    .option(
      '--aggregate <how>',
      'best-of-N: majority, weighted, best',
      choiceOption(['majority', 'weighted', 'best'] as const),
      'majority',
    )
    .option('--exploration <c>', 'MCTS: UCT exploration constant', floatOption(0, 100), Math.SQRT2)
    .option(
      '--keep-searching',
      'MCTS, best-of-N: spend the whole budget instead of stopping at the first verified solution',
    )
    .option(
      '--template <name|file>',
      'prompt template: math, math-chat, or a JSON file {mode, prompt, system}',
      'math',
    )
    .option('--segment <how>', 'step segmentation: blank-line, newline, marker:TEXT', 'blank-line')
    .option('--temperature <t>', 'sampling temperature', floatOption(0, 10), 1)
    .option('--max-step-tokens <n>', 'token limit of one step', intOption(1), 256)
    .option('--max-steps <n>', 'steps after which a solution ends', intOption(1), 24)
    .option('--max-nodes <n>', 'budget per problem: tree nodes', intOption(1))
    .option('--max-tokens <n>', 'budget per problem: prompt + completion tokens', intOption(1))
    .option(
      '--max-time <s>',
      'budget per problem: seconds (makes results depend on speed)',
      floatOption(0.001, 1e9),
    )
    .option('--seed <n>', 'seed; problem i searches with Rng.derive(seed, i)', intOption(0), 0)
    .option(
      '--shard <i/n>',
      'search only problems whose index is i mod n (merge the stores with `metacot merge`)',
    )
    .option('--concurrency <n>', 'problems searched at once', intOption(1), 4)
    .option('--keep-calls', 'keep every model call (rollout texts included) after a problem finishes')
    .addHelpText('after', SEARCH_EXAMPLES)
    .action(async (o) => {
      const aggregate = o.aggregate as SearchRunConfig['aggregate'];
      const value = valueSpec(o);
      if (o.algorithm === 'best-of-n' && aggregate !== 'majority' && value.kind === 'rollout')
        throw new UserError(
          `--aggregate ${aggregate} needs --value prm or judge: rollout values of final answers use the gold`,
        );
      const config: SearchRunConfig = {
        algorithm: o.algorithm as LmAlgorithm,
        branching: o.branching,
        width: o.width,
        subtrees: o.subtrees,
        n: o.n,
        aggregate,
        exploration: o.exploration,
        stopAtSolution: !o.keepSearching,
        value,
        template: loadTemplate(o.template),
        segmentation: parseSegmentation(o.segment),
        temperature: o.temperature,
        maxStepTokens: o.maxStepTokens,
        maxSteps: o.maxSteps,
        budget: {
          ...(o.maxNodes !== undefined ? { maxNodes: o.maxNodes } : {}),
          ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
          ...(o.maxTime !== undefined ? { maxTimeMs: Math.round(o.maxTime * 1000) } : {}),
        },
        seed: o.seed,
      };
      const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
      checkOutputPaths([{ option: '--problems', path: o.problems }], [{ option: '--out', path: o.out }]);
      const problems = await loadProblems(o.problems);
      mkdirSync(dirname(o.out), { recursive: true });
      const store = SearchStore.open(o.out);
      const backend = await backendFromSpec(o.backend);
      let bar = null as ReturnType<typeof progressBar> | null;
      const started = Date.now();
      try {
        const p = await runSearch({
          config,
          problems,
          store,
          backend,
          shard,
          concurrency: o.concurrency,
          keepCalls: o.keepCalls,
          onProgress: (p) => {
            bar ??= progressBar('search', p.total, 'problems');
            const secs = Math.max((Date.now() - started) / 1000, 1e-3);
            bar.update(
              p.done,
              `solved ${p.solved} | ${p.nodes} nodes | ${compactTokens(p.tokens)} tok | ${compactTokens(Math.round(p.tokens / secs))} tok/s`,
            );
          },
        });
        bar?.stop();
        const pct = p.total > 0 ? ((100 * p.solved) / p.total).toFixed(1) : '0.0';
        process.stdout.write(
          `searched ${p.done}/${p.total} problems: ${p.solved} solved (${pct}%), ${p.nodes} nodes, ${p.tokens} tokens` +
            `${p.replayed > 0 ? `, ${p.replayed} calls replayed from the store` : ''}` +
            `${p.errors > 0 ? `, ${p.errors} refused by the model server (results.error)` : ''} → ${o.out}\n`,
        );
      } finally {
        bar?.stop();
        store.close();
        await backend.close?.();
      }
    });

  search.addHelpText(
    'after',
    () =>
      `\n--- \`metacot search\` runs \`metacot search run\` by default: ---\n${run.helpInformation()}${SEARCH_EXAMPLES}\n`,
  );

  search
    .command('export <store>')
    .description('Write the solved trees of a store as linearized Meta-CoT SFT data (JSONL)')
    .requiredOption('--out <file>', 'output JSONL (written atomically)')
    .option(
      '--format <f>',
      'chat: {"messages": [...]} per line; records: {problem, gold, prompt, completion, messages, meta}',
      choiceOption(['chat', 'records'] as const),
      'chat',
    )
    .option(
      '--style <s>',
      `linearization: ${LINEARIZE_STYLES.join(', ')} ([BACK] tokens)`,
      choiceOption(LINEARIZE_STYLES),
      'nl',
    )
    .option('--values', 'write each step’s value after it')
    .action(async (file: string, o) => {
      checkOutputPaths([{ option: '<store>', path: file }], [{ option: '--out', path: o.out }]);
      const store = SearchStore.openReadonly(file);
      try {
        const results = store.resultTotals().length;
        const lines = function* () {
          for (const record of solvedRecords(store, {
            style: o.style as LinearizeStyle,
            values: Boolean(o.values),
          })) {
            yield o.format === 'chat' ? { messages: record.messages } : record;
          }
        };
        // a file-system failure is the writer's one-line UserError naming --out; a store error reads as itself
        const written = await writeJsonlAtomic(o.out, lines());
        process.stdout.write(`exported ${written} solved of ${results} searched problems → ${o.out}\n`);
      } finally {
        store.close();
      }
    });
}

export function registerMerge(program: Command): void {
  program
    .command('merge <stores...>')
    .description('Join the SQLite stores of a sharded `metacot search` run into one')
    .requiredOption('--out <store>', 'the merged store (must not exist)')
    .action((stores: string[], o) => {
      checkOutputPaths(
        stores.map((path) => ({ option: '<stores>', path })),
        [{ option: '--out', path: o.out }],
      );
      mkdirSync(dirname(o.out), { recursive: true });
      const r = mergeStores(o.out, stores);
      process.stdout.write(
        `merged ${stores.length} stores: ${r.results} of ${r.problems} problems searched → ${o.out}\n`,
      );
    });
}
