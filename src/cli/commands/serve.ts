import { basename } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { startLMServer } from '../../llm/serve/listen.js';
import { backendFromSpec, parseBackendSpec } from '../../llm/spec.js';
import { TOKENIZER_FILE } from '../../llm/tokenizer-file.js';
import { exposureWarning } from '../../server/listen.js';
import { hostOption, portOption } from '../listen-options.js';
import { intOption } from '../options.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'OpenAI-compatible HTTP server for a model: GET /v1/models, POST /v1/completions, POST /v1/chat/completions\n' +
        '(n, stop, logprobs, max_tokens, temperature, top_p, top_k, min_p, repetition_penalty, seed; no streaming;\n' +
        'unknown fields are refused with 400). Prints its base URL on stdout.',
    )
    .requiredOption(
      '--model <path>',
      `a checkpoint folder from \`metacot train\` (with ${TOKENIZER_FILE}), a .gguf file, or any backend spec`,
    )
    .option('--host <host>', 'interface to listen on (default: loopback only)', hostOption, '127.0.0.1')
    .option('--port <n>', 'TCP port (0 picks a free one)', portOption, 8000)
    .option('--token <token>', 'require "Authorization: Bearer <token>" (or set METACOT_SERVE_TOKEN)')
    .option('--model-name <id>', 'the model id clients name (default: the folder or file name)')
    .option('--max-body-bytes <n>', 'largest request body', intOption(1), 1024 * 1024)
    .option('--max-tokens-limit <n>', 'largest max_tokens a request may ask for', intOption(1), 4096)
    .option('--max-n <n>', 'largest n (times prompts) per request', intOption(1), 64)
    .option('--threads <n>', 'engine / llama.cpp threads (default 1)', intOption(1))
    .option(
      '--tokenizer <id>',
      `tokenizer id for a checkpoint without ${TOKENIZER_FILE} (e.g. text-ascii-v1)`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  metacot serve --model runs/x/models/metacot --port 8000\n' +
        '  metacot serve --model model.gguf --token s3cret\n' +
        '  curl -s 127.0.0.1:8000/v1/completions -d \'{"prompt":"12+7=","max_tokens":8,"n":4,"stop":["\\n"]}\'\n' +
        'On our engine, concurrent requests are sampled together in one batch, each with its own options and seed;\n' +
        'see docs/llm-backends.md.',
    )
    .action(async (o) => {
      const token: string | undefined = o.token ?? process.env.METACOT_SERVE_TOKEN;
      const warning = exposureWarning(o.host, token, 'sample from the model (set --token)');
      if (warning !== null) process.stderr.write(`${warning}\n`);
      const spec = parseBackendSpec(o.model);
      if (o.threads !== undefined && spec.kind !== 'openai') spec.options.threads = String(o.threads);
      if (o.tokenizer !== undefined) {
        if (spec.kind !== 'engine') throw new UserError('--tokenizer applies to engine checkpoints only');
        spec.options.tokenizer = o.tokenizer;
      }
      const lm = await backendFromSpec(spec);
      const modelId = o.modelName ?? basename(spec.location.replace(/\/+$/, ''));
      let running: Awaited<ReturnType<typeof startLMServer>>;
      try {
        running = await startLMServer(lm, {
          host: o.host,
          port: o.port,
          token,
          modelId,
          maxBodyBytes: o.maxBodyBytes,
          maxTokensLimit: o.maxTokensLimit,
          maxN: o.maxN,
        });
      } catch (err) {
        await lm.close?.();
        throw err; // listenOn words the ones a person can fix (port in use, no such interface)
      }
      process.stdout.write(`metacot serve: ${running.url} model=${modelId} (${lm.name})\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void running
            .close()
            .then(() => lm.close?.())
            .then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
