import type { Command } from 'commander';
import { resolveTemplate } from '../../export/prompt.js';
import { type ProblemRow, readProblems } from '../../export/rows.js';
import { backendFromSpec } from '../../llm/spec.js';
import { type NeoxServerEvent, SPLITS, startNeoxServer } from '../../scaleout/neox-server.js';
import { RolloutStats } from '../../scaleout/stats.js';
import { loadTrainerTokenizer } from '../../scaleout/tokenizer.js';
import { exposureWarning } from '../../server/listen.js';
import { VerifierPool } from '../../verify/pool.js';
import { hostOption, portListOption } from '../listen-options.js';
import { choiceOption, floatOption, intOption } from '../options.js';
import { statusLines } from '../progress.js';
import { templateArg } from './export.js';

/** One line per event on stderr: what a person watching a training run needs. */
function describe(e: NeoxServerEvent): string | null {
  switch (e.type) {
    case 'served':
      return `rank ${e.rank} ${e.split} #${e.request}: ${e.groups} groups, ${e.bytes} bytes (trainer waited ${e.waitedMs} ms)`;
    case 'batch':
      return `rank ${e.rank} ${e.split}: batch ready, ${e.samples} samples, mean reward ${e.meanReward.toFixed(3)}${e.cut > 0 ? `, ${e.cut} cut at the context limit` : ''}`;
    case 'skipped':
      return `skipped: ${e.message}`;
    case 'retry':
      return `rank ${e.rank} ${e.split}: ${e.problem}: generation failed (${e.error}); retry ${e.attempt} in ${e.waitMs} ms`;
    case 'gave_up':
      return `rank ${e.rank} ${e.split}: ${e.problem}: set aside for this round after repeated failures (${e.error})`;
    case 'bad_request':
      return `rank ${e.rank}: dropped a connection: ${e.detail}`;
    case 'hung_up':
      return e.sent
        ? `rank ${e.rank} ${e.split}: trainer hung up without reading its batch; it goes to the next request`
        : `rank ${e.rank} ${e.split}: trainer hung up before its batch went out; the batch stays queued`;
    case 'group':
      return null; // counted in the periodic status line
    case 'fatal':
      return null; // the command exits with this error as its one-line message
  }
}

export function registerServeRollouts(program: Command): void {
  program
    .command('serve-rollouts')
    .description(
      'Online RL data server: samples K completions per problem from a policy at an OpenAI-compatible endpoint,\n' +
        "grades final answers with the verifier, and serves token-id groups in the trainer's own protocol.\n" +
        '--protocol neox: GPT-NeoX `train_impl: reinforce` + `dataset_impl: online` (TCP, one pickle per request,\n' +
        'one port per data-parallel rank). NeoX unpickles what it receives: keep --host on a trusted network.',
    )
    .option('--protocol <p>', 'trainer protocol (neox)', choiceOption(['neox']), 'neox')
    .requiredOption(
      '--backend <spec>',
      'policy, e.g. openai:http://127.0.0.1:8000/v1#model=M (vLLM, completions mode)',
    )
    .requiredOption(
      '--tokenizer <path>',
      "the trainer's tokenizer.json (or its folder; tokenizer_config.json beside it is read)",
    )
    .requiredOption('--train <file>', 'problems JSONL {problem, answer} for `train` requests')
    .option('--valid <file>', 'problems for `valid` requests (default: --train)')
    .option('--test <file>', 'problems for `test` requests (default: --valid)')
    .requiredOption(
      '--seq-length <n>',
      'NeoX seq_length: prompt + completion never exceed seq_length + 1 tokens',
      intOption(2),
    )
    .option('--k <n>', 'completions per prompt (≥ 2: leave-one-out)', intOption(2), 4)
    .option(
      '--groups <n>',
      'groups per request; make groups × k = micro batch × grad accumulation for on-policy steps',
      intOption(1),
      16,
    )
    .option(
      '--ports <list>',
      'one port per data-parallel rank, comma-separated (NeoX online_dataserver_ports)',
      portListOption,
      [10000],
    )
    .option('--host <host>', 'interface to listen on', hostOption, '127.0.0.1')
    .option('--max-tokens <n>', 'generation cap (default: whatever the context leaves)', intOption(1))
    .option('--temperature <t>', 'sampling temperature', floatOption(0, 10), 1)
    .option('--top-p <p>', 'nucleus sampling', floatOption(0, 1))
    .option(
      '--gamma <g>',
      'reward γ^|Z| for a correct completion of |Z| tokens (E-RL² length discount)',
      floatOption(0, 1),
    )
    .option(
      '--template <t>',
      'prompt: plain, explore (in-context search), @file, or text with {problem}',
      'plain',
    )
    .option('--stop <s...>', 'extra stop strings (the EOS token is always one)')
    .option(
      '--eos-token <t>',
      'EOS token text (default: tokenizer_config.json, else a common end-of-turn token)',
    )
    .option('--prefetch <n>', 'batches kept ready per rank and split', intOption(1), 2)
    .option(
      '--retries <n>',
      'tries per problem when the endpoint fails, before it is set aside for the round',
      intOption(1),
      5,
    )
    .option('--seed <n>', 'problem order seed', intOption(0), 0)
    .option('--verify-workers <n>', 'verifier threads', intOption(1), 2)
    .option('--verify-timeout <ms>', 'hard limit per check', intOption(1), 5000)
    .option(
      '--status-every <s>',
      'seconds between status lines on stderr (groups, samples/s, reward, ready, served), terminal or not',
      intOption(1),
      10,
    )
    .addHelpText(
      'after',
      '\nExample (NeoX with 2 data-parallel ranks, vLLM on :8000):\n' +
        '  metacot serve-rollouts --backend openai:http://127.0.0.1:8000/v1#model=policy \\\n' +
        '    --tokenizer /models/llama3/tokenizer.json --train problems.jsonl --seq-length 1024 \\\n' +
        '    --k 4 --groups 8 --ports 10000,10001\n' +
        'NeoX config: online_dataserver_ports: [10000, 10001], reinforce_leave_one_out: true. See docs/scale-out.md.',
    )
    .action(async (o) => {
      const ports: number[] = o.ports;
      const tokenizer = loadTrainerTokenizer(o.tokenizer, { eosToken: o.eosToken });
      const template = resolveTemplate(templateArg(o.template));
      const train = await readProblems(o.train);
      const valid: ProblemRow[] | undefined = o.valid ? await readProblems(o.valid) : undefined;
      const test: ProblemRow[] | undefined = o.test ? await readProblems(o.test) : undefined;
      // the NeoX protocol has no token: anyone who can connect gets rollouts, and NeoX unpickles what it receives
      const warning = exposureWarning(
        o.host,
        undefined,
        'take rollouts (the NeoX protocol has no token), and NeoX runs pickle.loads on what this port sends: keep it on a trusted network',
      );
      if (warning !== null) process.stderr.write(`${warning}\n`);
      const backend = await backendFromSpec(o.backend);
      const pool = new VerifierPool({ size: o.verifyWorkers, timeoutMs: o.verifyTimeout });
      const stats = new RolloutStats();
      let server: Awaited<ReturnType<typeof startNeoxServer>>;
      try {
        await pool.ready();
        server = await startNeoxServer({
          host: o.host,
          ports,
          problems: { train, valid, test },
          prefetch: o.prefetch,
          deps: { backend, tokenizer, verify: (items) => pool.verifyBatch(items) },
          producer: {
            k: o.k,
            seqLength: o.seqLength,
            maxTokens: o.maxTokens ?? o.seqLength,
            temperature: o.temperature,
            topP: o.topP,
            gamma: o.gamma,
            stop: o.stop,
            groupsPerBatch: o.groups,
            template,
            seed: o.seed,
            retry: { attempts: o.retries, baseMs: 1000, maxMs: 30_000 },
          },
          onEvent: (e) => {
            stats.add(e);
            const line = describe(e);
            if (line !== null) process.stderr.write(`${line}\n`);
          },
        });
      } catch (err) {
        await pool.close();
        await backend.close?.();
        throw err; // listenOn words the ones a person can fix (port in use, no such interface)
      }
      process.stdout.write(
        `metacot neox rollout server: ${server.ports.map((p, r) => `rank ${r} → ${server.host}:${p}`).join(', ')}; ` +
          `policy ${backend.name}; tokenizer ${tokenizer.source} (EOS ${tokenizer.eosToken} = ${tokenizer.eosId}); ` +
          `${train.length} train problems, k=${o.k}, ${o.groups} groups per request\n`,
      );
      const readyNow = (): number =>
        ports.reduce((n, _, rank) => n + SPLITS.reduce((m, split) => m + server.ready(rank, split), 0), 0);
      const stopStatus = statusLines(o.statusEvery * 1000, () => stats.line(readyNow()));
      const stop = async (): Promise<void> => {
        stopStatus();
        await server.close();
        await pool.close();
        await backend.close?.();
      };
      await new Promise<void>((resolve, reject) => {
        process.once('SIGINT', () => void stop().then(resolve));
        process.once('SIGTERM', () => void stop().then(resolve));
        server.failure.catch((err: unknown) => {
          void stop().then(() => reject(err));
        });
      });
    });
}
