import { join } from 'node:path';
import type { Command } from 'commander';
import { checkOutputPaths } from '../../io/paths.js';
import { loadIterateConfig } from '../../iterate/config.js';
import { metricsTable } from '../../iterate/metrics.js';
import { ChildRegistry } from '../../iterate/processes.js';
import { runIterate } from '../../iterate/run.js';
import { progressBar } from '../progress.js';

export function registerIterate(program: Command): void {
  program
    .command('iterate <config>')
    .description(
      'Meta-STaR rounds with any trainer: search with the served policy, keep verified trees, linearize, ' +
        'export SFT data, run your training command, serve the new checkpoint, next round. Resumable: the same ' +
        'command continues a killed run at the phase where it stopped. Config: configs/iterate-example.yaml.',
    )
    .option('--work <dir>', 'work dir (state.json, metrics.json, round-<k>/)', 'iterate')
    .addHelpText(
      'after',
      '\nExample:\n  metacot iterate configs/iterate-example.yaml --work runs/iterate\n' +
        '\nCommand templates: train.command {data} {round} {init} {base} {out} {round_dir} {work};\n' +
        'server.command / server.url / server.reload.command {checkpoint} {port} {round} {round_dir} {work}.\n' +
        'Commands run without a shell, each placeholder one argument; for pipes, && or $VAR set shell: true\n' +
        '(train.shell, server.shell, server.reload.shell): placeholders are then single-quoted.',
    )
    .action(async (file: string, o: { work: string }) => {
      const config = loadIterateConfig(file);
      checkOutputPaths(
        [
          { option: '<config>', path: file },
          { option: "the config's problems", path: config.problems },
        ],
        [
          {
            option: '--work',
            path: o.work,
            writes: ['state.json', 'metrics.json', 'children.json', 'lock.json'],
          },
        ],
      );
      const children = new ChildRegistry(join(o.work, 'children.json'));
      const stopTimeout = config.server.stopTimeout * 1000;
      // Children run in process groups of their own, so a Ctrl-C at the terminal does not reach them:
      // stop them here, then exit with the signal's conventional status.
      const onSignal = (signal: NodeJS.Signals) => {
        process.stderr.write(`metacot iterate: ${signal}; stopping child processes\n`);
        void children.stopAll(stopTimeout).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.once('exit', () => children.killAllNow());
      let bar: ReturnType<typeof progressBar> | null = null;
      let barRound = 0;
      try {
        const metrics = await runIterate({
          config,
          work: o.work,
          children,
          log: (line) => {
            bar?.stop();
            bar = null;
            process.stdout.write(`${line}\n`);
          },
          onSearchProgress: (round, p) => {
            if (bar === null || barRound !== round) {
              bar = progressBar(`round ${round} search`, p.total, 'problems');
              barRound = round;
            }
            bar.update(p.done, `solved ${p.solved} | ${p.tokens} tok`);
          },
        });
        (bar as ReturnType<typeof progressBar> | null)?.stop();
        process.stdout.write(`\n${metricsTable(metrics)}\n→ ${join(o.work, 'metrics.json')}\n`);
      } finally {
        await children.stopAll(stopTimeout);
      }
    });
}
