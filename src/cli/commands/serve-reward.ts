import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { startRewardServer } from '../../server/node.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../server/reward.js';
import { intOption } from '../options.js';

export function register(program: Command): void {
  program
    .command('serve-reward')
    .description(
      "HTTP reward server speaking OpenRLHF's remote reward protocol, backed by the math verifier.\n" +
        'POST /get_reward {"query":[…],"prompts":[…],"labels":[…]} → {"rewards":[…],"scores":[…],"extra_logs":{…}};\n' +
        'POST /verify {"items":[{"gold","response"}]} → {"results":[…]}; GET /health.',
    )
    .option('--host <host>', 'interface to listen on (default: loopback only)', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 picks a free one)', intOption(0), 5000)
    .option('--token <token>', 'require "Authorization: Bearer <token>" (or set METACOT_REWARD_TOKEN)')
    .option('--workers <n>', 'verifier worker threads (default: one per core)', intOption(1))
    .option('--timeout <ms>', 'hard limit per check', intOption(1), 5000)
    .option(
      '--max-body-mb <n>',
      'largest request body in MiB',
      intOption(1),
      DEFAULT_MAX_BODY_BYTES / 2 ** 20,
    )
    .addHelpText(
      'after',
      '\nExample (OpenRLHF):\n' +
        '  metacot serve-reward --port 5000 --token s3cret &\n' +
        '  openrlhf.cli.train_ppo_ray ... --reward.remote_url http://127.0.0.1:5000/get_reward\n' +
        'verl / TRL: see integrations/ (Python shims that call /verify).',
    )
    .action(async (o) => {
      const token: string | undefined = o.token ?? process.env.METACOT_REWARD_TOKEN;
      if (o.host !== '127.0.0.1' && o.host !== 'localhost' && o.host !== '::1' && token === undefined) {
        process.stderr.write(
          `warning: listening on ${o.host} without --token: anyone who can reach it can use it\n`,
        );
      }
      let running: Awaited<ReturnType<typeof startRewardServer>>;
      try {
        running = await startRewardServer({
          host: o.host,
          port: o.port,
          token,
          maxBodyBytes: o.maxBodyMb * 2 ** 20,
          pool: { size: o.workers, timeoutMs: o.timeout },
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE')
          throw new UserError(`port ${o.port} is in use (pick another with --port)`);
        if (e.code === 'EACCES') throw new UserError(`not allowed to listen on ${o.host}:${o.port}`);
        throw err;
      }
      process.stdout.write(`metacot reward server on ${running.url} (${running.pool.size} workers)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void running.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
