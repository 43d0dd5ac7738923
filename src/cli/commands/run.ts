import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultConfig, loadRunConfig, type RunConfig } from '../../demo/config.js';
import { type RunObserver, runPipeline } from '../../demo/run.js';
import { sampledPassAtK } from '../../demo/sampled.js';
import { progressBar } from '../progress.js';

/** Draws the run's stages on stderr: a banner per stage with the run's elapsed time, and a progress bar. */
function terminalObserver(): RunObserver {
  const started = Date.now();
  let bar: ReturnType<typeof progressBar> | null = null;
  let barTotal = 0;
  let label = '';
  const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return {
    stage(_name, index, total, title, left) {
      bar?.stop();
      bar = null;
      label = `[${index}/${total}]`;
      const elapsed = clock((Date.now() - started) / 1000);
      process.stderr.write(`${label} ${title}  (run time ${elapsed}, about ${clock(left)} left)\n`);
    },
    progress(done, total, unit, note) {
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

async function execute(cfg: RunConfig, out: string | undefined) {
  const dir = out ?? join('runs', cfg.name);
  process.stderr.write(
    `metacot: run '${cfg.name}' in ${dir} (re-run the same command to continue after an interruption)\n`,
  );
  await runPipeline(cfg, dir, terminalObserver());
  process.stdout.write(
    `\nwrote ${join(dir, 'results.json')}, ${join(dir, 'report.html')} and ${join(dir, 'predictions')}/\n`,
  );
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
    .action(async (file: string, o: { out?: string }) => execute(loadRunConfig(file), o.out));

  program
    .command('demo')
    .description(
      'The main job on the embedded default: Meta-CoT vs classical CoT on Countdown, then meta-RL, on this CPU.\n' +
        'Same as `metacot run configs/demo.yaml`.',
    )
    .option('--out <dir>', 'run folder (default: runs/demo)')
    .action(async (o: { out?: string }) => execute(defaultConfig(), o.out));
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
    .option('--model <name>', 'model folder under <run>/models (cot, metacot, star_1, rl_2, ...)', 'cot')
    .option('--samples <n>', 'samples per problem (k goes up to it)', '8')
    .option('--temperature <t>', 'sampling temperature', '1')
    .option('--seed <n>', 'sampling seed', '0')
    .option('--threads <n>', "ONNX Runtime threads (default: the run's)")
    .addHelpText('after', '\nExample:\n  metacot passk runs/demo --model cot --samples 8 --temperature 1\n')
    .action(
      async (
        run: string,
        o: { model: string; samples: string; temperature: string; seed: string; threads?: string },
      ) => {
        // Made on the first report, when the number of problems is known.
        const shown: { bar?: ReturnType<typeof progressBar> } = {};
        const { results, file } = await sampledPassAtK({
          dir: run,
          model: o.model,
          samples: Number(o.samples),
          temperature: Number(o.temperature),
          seed: Number(o.seed),
          ...(o.threads ? { threads: Number(o.threads) } : {}),
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
