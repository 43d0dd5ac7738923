import type { Command } from 'commander';
import { exposureWarning } from '../../server/listen.js';
import { startRewardServer } from '../../server/node.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../server/reward.js';
import { hostOption, portOption } from '../listen-options.js';
import { intOption } from '../options.js';

export function register(program: Command): void {
  program
    .command('serve-reward')
    .description(
      "HTTP reward server speaking OpenRLHF's remote reward protocol, backed by the math verifier.\n" +
        'POST /get_reward {"query":[…],"prompts":[…],"labels":[…]} → {"rewards":[…],"scores":[…],"extra_logs":{…}};\n' +
        'POST /verify {"items":[{"gold","response"}]} → {"results":[…]}; GET /health.',
    )
    .option('--host <host>', 'interface to listen on (default: loopback only)', hostOption, '127.0.0.1')
    .option('--port <n>', 'TCP port (0 picks a free one)', portOption, 5000)
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
      const warning = exposureWarning(o.host, token, 'use its verifier workers (set --token)');
      if (warning !== null) process.stderr.write(`${warning}\n`);
      const running = await startRewardServer({
        host: o.host,
        port: o.port,
        token,
        maxBodyBytes: o.maxBodyMb * 2 ** 20,
        pool: { size: o.workers, timeoutMs: o.timeout },
      });
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
