import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultConfig, loadRunConfig, type RunConfig, runFolder } from '../../demo/config.js';
import { type RunObserver, runPipeline } from '../../demo/run.js';
import { sampledPassAtK } from '../../demo/sampled.js';
import { seedsTable } from '../../demo/seeds.js';
import { describeSaved, RUN_STATE_FILES, RunState } from '../../demo/state.js';
import { checkOutputPaths } from '../../io/paths.js';
import { shellQuote } from '../../io/shell-words.js';
import { floatOption, intOption, segmentOption } from '../options.js';
import { progressBar } from '../progress.js';

/** Where a run stands, for the line printed when it is interrupted. */
interface RunPosition {
  stage?: { name: string; index: number; total: number; outputs: readonly string[] };
  progress?: { done: number; total: number; unit: string };
}

/** Draws the run's stages on stderr: a banner per stage with the run's elapsed time, and a progress bar. */
function terminalObserver(position: RunPosition): RunObserver {
  const started = Date.now();
  let bar: ReturnType<typeof progressBar> | null = null;
  let barTotal = 0;
  let label = '';
  const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return {
    stage(name, index, total, title, left, outputs = []) {
      bar?.stop();
      bar = null;
      position.stage = { name, index, total, outputs };
      position.progress = undefined;
      label = `[${index}/${total}]`;
      const elapsed = clock((Date.now() - started) / 1000);
      process.stderr.write(`${label} ${title}  (run time ${elapsed}, about ${clock(left)} left)\n`);
    },
    progress(done, total, unit, note) {
      position.progress = { done, total, unit };
      if (!bar || barTotal !== total) {
        bar?.stop();
        bar = progressBar(label, total, unit, { plainLines: true });
        barTotal = total;
      }
      bar.update(done, note);
    },
    stageDone(name, seconds) {
      bar?.stop();
      bar = null;
      process.stderr.write(`      ${name} done in ${seconds.toFixed(1)} s\n`);
    },
    log(line) {
      bar?.stop();
      bar = null;
      process.stdout.write(`${line}\n`);
    },
  };
}

/** The one line a Ctrl-C (or SIGTERM) prints: where the run was, what is saved, how to continue. */
export function interruptedLine(signal: string, dir: string, position: RunPosition): string {
  const state = new RunState(dir);
  const finished = Object.keys(state.stages);
  const s = position.stage;
  const p = position.progress;
  const where = s
    ? ` in stage ${s.index}/${s.total} ${s.name}${p ? ` at ${p.done}/${p.total} ${p.unit}` : ''}`
    : '';
  const saved = [
    finished.length > 0 ? `finished stages ${finished.join(', ')}` : '',
    ...(s && !finished.includes(s.name)
      ? describeSaved(dir, s.outputs).map((what) => `${s.name}'s ${what}`)
      : []),
  ].filter(Boolean);
  const command = ['metacot', ...process.argv.slice(2)].map(shellQuote).join(' ');
  return (
    `metacot: interrupted (${signal})${where}; saved in ${dir}: ${saved.length > 0 ? saved.join('; ') : 'nothing yet'}. ` +
    `The same command resumes${s ? ` at ${s.name}` : ''}: ${command}`
  );
}

async function execute(cfg: RunConfig, out: string | undefined) {
  const dir = out ?? runFolder(cfg);
  process.stderr.write(
    `metacot: run '${cfg.name}' in ${dir} (re-run the same command to continue after an interruption)\n`,
  );
  const position: RunPosition = {};
  // Stages save as they go (checkpoints, partial predictions, stages.json); a signal only has to say so.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${interruptedLine(signal, dir, position)}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runPipeline(cfg, dir, terminalObserver(position));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  process.stdout.write(
    `\nwrote ${join(dir, 'results.json')}, ${join(dir, 'report.html')} and ${join(dir, 'predictions')}/\n`,
  );
}

/** A config with its seed replaced; on another seed the default run folder is named after it. */
function withSeed(cfg: RunConfig, seed: number | undefined): RunConfig {
  if (seed === undefined || seed === cfg.seed) return cfg;
  return { ...cfg, seed, name: `${cfg.name}-seed${seed}` };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'Run the main job from a config: Countdown data → train CoT and Meta-CoT → evaluate → STaR and RL → report.\n' +
        'Two test sets, as in Stream of Search: held-out inputs (unseen prompts) and\n' +
        'held-out target values (countdown.heldOutInputFraction, .heldOutFraction).\n' +
        'Both models decode with the same tools (tools: [calculator, goal-test] by default; [] for none).\n' +
        'Every stage is cached in the run folder; re-running the same command continues where it stopped.\n' +
        'Edit the config and re-run to redo only the stages it changes (raising rl.iterations adds iterations).',
    )
    .argument('<config>', 'YAML config (see configs/demo.yaml; omitted fields take the demo defaults)')
    .option('--out <dir>', 'run folder (default: runs/<name>)')
    .option(
      '--seed <n>',
      "seed of the whole run (data, splits, models, sampling): overrides the config's",
      intOption(0),
    )
    .action(async (file: string, o: { out?: string; seed?: number }) => {
      const cfg = withSeed(loadRunConfig(file), o.seed);
      // Its own config.json may be run again (it is rewritten with the same contents); nothing else it writes.
      checkOutputPaths(
        [{ option: '<config>', path: file }],
        [{ option: '--out', path: o.out ?? runFolder(cfg), writes: RUN_STATE_FILES }],
      );
      await execute(cfg, o.out);
    });

  program
    .command('demo')
    .description(
      'The main job on the embedded default: Meta-CoT vs classical CoT on Countdown, then meta-RL, on this CPU.\n' +
        'Same as `metacot run configs/demo.yaml`.',
    )
    .option('--out <dir>', 'run folder (default: runs/demo, or runs/demo-seed<N> with --seed)')
    .option('--seed <n>', 'seed of the whole run (data, splits, models, sampling); default 0', intOption(0))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  metacot demo                               # seed 0, into runs/demo\n' +
        '  metacot demo --seed 1 --out runs/seed1     # the same job on another seed: other splits, other models\n',
    )
    .action(async (o: { out?: string; seed?: number }) => {
      checkOutputPaths([], [{ option: '--out', path: o.out, writes: RUN_STATE_FILES }]);
      await execute(withSeed(defaultConfig(), o.seed), o.out);
    });
}

export function registerSeeds(program: Command): void {
  program
    .command('seeds')
    .description(
      "Tabulate finished runs of the main job on several seeds (markdown): each model's test accuracy per seed " +
        "with its bootstrap interval and the mean, then every claim's paired difference with its McNemar p.",
    )
    .argument('<runs...>', 'run folders (each with its results.json)')
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  metacot demo --out runs/demo && metacot demo --seed 1 --out runs/seed1 && metacot demo --seed 2 --out runs/seed2\n' +
        '  metacot seeds runs/demo runs/seed1 runs/seed2\n',
    )
    .action((dirs: string[]) => {
      process.stdout.write(`${seedsTable(dirs)}\n`);
    });
}

export function registerPassAtK(program: Command): void {
  program
    .command('passk')
    .description(
      "Sample a finished run's model several times per test problem (with the run's tools) and report " +
        'unbiased pass@k on both test sets: the best-of-k baseline that one Meta-CoT search, spending as many ' +
        'tokens, has to beat. Writes <run>/sampled/<model>-n<N>-t<T>.json.',
    )
    .argument('<run>', 'a finished run folder (e.g. runs/demo)')
    .option(
      '--model <name>',
      'model folder under <run>/models (cot, metacot, star_1, rl_2, ...)',
      segmentOption,
      'cot',
    )
    .option('--samples <n>', 'samples per problem (k goes up to it)', intOption(1), 8)
    .option('--temperature <t>', 'sampling temperature', floatOption(0.001, 100), 1)
    .option('--seed <n>', 'sampling seed', intOption(0), 0)
    .option('--threads <n>', "ONNX Runtime threads (default: the run's)", intOption(1))
    .addHelpText('after', '\nExample:\n  metacot passk runs/demo --model cot --samples 8 --temperature 1\n')
    .action(
      async (
        run: string,
        o: { model: string; samples: number; temperature: number; seed: number; threads?: number },
      ) => {
        // Made on the first report, when the number of problems is known.
        const shown: { bar?: ReturnType<typeof progressBar> } = {};
        const { results, file } = await sampledPassAtK({
          dir: run,
          model: o.model,
          samples: o.samples,
          temperature: o.temperature,
          seed: o.seed,
          ...(o.threads !== undefined ? { threads: o.threads } : {}),
          onProgress: (done, total) => {
            shown.bar ??= progressBar('sampling', total, 'problems', { plainLines: true });
            shown.bar.update(done);
          },
        });
        shown.bar?.stop();
        for (const r of results) {
          const ks = r.pass_at_k.map((p, k) => `pass@${k + 1} ${(100 * p).toFixed(1)}%`).join('  ');
          process.stdout.write(
            `${r.set} (${r.problems} problems, ${r.samples} samples at T=${r.temperature}, ${r.mean_tokens.toFixed(1)} tokens/sample)\n  ${ks}\n`,
          );
        }
        process.stdout.write(`wrote ${file}\n`);
      },
    );
}
