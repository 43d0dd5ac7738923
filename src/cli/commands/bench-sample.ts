import type { Command } from 'commander';
import { benchSample } from '../../engine/infer/bench-sample.js';
import { DEFAULT_MODEL_CONFIG } from '../../engine/model-config.js';
import { validateConfig } from '../../engine/validate.js';
import { modelConfigFromFlags } from '../model-options.js';
import { intOption } from '../options.js';

/** Parses "1,2" into thread counts; "" or "none" skips node-llama-cpp. */
function threadList(value: string): number[] {
  if (value === '' || value === 'none') return [];
  return value.split(',').map((v) => intOption(1)(v.trim()));
}

/** `metacot bench sample`: batched KV-cache sampling throughput, ours vs node-llama-cpp on the same GGUF. */
export function registerBenchSample(bench: Command): void {
  bench
    .command('sample')
    .description(
      'Time batched sampling (prefill + decode with a KV cache) of a random-weight LLaMA-style model, ' +
        'and node-llama-cpp on the same model exported as GGUF',
    )
    .option('--layers <n>', 'layers', intOption(1), DEFAULT_MODEL_CONFIG.nLayers)
    .option('--d-model <n>', 'model width', intOption(2), DEFAULT_MODEL_CONFIG.dModel)
    .option('--heads <n>', 'attention heads', intOption(1), DEFAULT_MODEL_CONFIG.nHeads)
    .option('--ff <n>', 'SwiGLU hidden width', intOption(1), DEFAULT_MODEL_CONFIG.dFF)
    .option('--vocab <n>', 'vocabulary size', intOption(2), 64)
    .option('--ctx <n>', 'context length', intOption(2), DEFAULT_MODEL_CONFIG.contextLength)
    .option('--batch <n>', 'sequences sampled at once', intOption(1), 64)
    .option('--prompt-len <n>', 'prompt tokens per sequence', intOption(1), 16)
    .option('--new-tokens <n>', 'new tokens per sequence (no stop tokens)', intOption(1), 128)
    .option('--threads <n>', 'our ONNX Runtime intra-op threads', intOption(1), 1)
    .option(
      '--llama-threads <list>',
      'node-llama-cpp thread counts to compare, or "none"',
      threadList,
      [1, 2],
    )
    .option('--reps <n>', 'runs per measurement (best is kept)', intOption(1), 3)
    .option('--tied', 'tie the output head to the token embedding', false)
    .option('--json', 'print one JSON line', false)
    .addHelpText(
      'after',
      '\nExample (the reference model):\n' +
        '  metacot bench sample --layers 4 --d-model 128 --heads 4 --ff 384 --vocab 64 --ctx 256 --batch 64 --new-tokens 128 --json',
    )
    .action(async (o) => {
      const cfg = modelConfigFromFlags(o, o.vocab);
      validateConfig(cfg);
      const r = await benchSample({
        cfg,
        batch: o.batch,
        promptLen: Math.min(o.promptLen, o.ctx - 1),
        newTokens: Math.min(o.newTokens, o.ctx - Math.min(o.promptLen, o.ctx - 1)),
        threads: o.threads,
        reps: o.reps,
        llamaThreads: o.llamaThreads,
      });
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ bench: 'sample', layers: o.layers, d_model: o.dModel, heads: o.heads, ff: o.ff, vocab: o.vocab, ctx: o.ctx, ...r })}\n`,
        );
        return;
      }
      const llama =
        r.llama_tokens_per_s === null
          ? `node-llama-cpp: ${'error' in r.llama ? r.llama.error : 'skipped'}`
          : `node-llama-cpp best ${Math.round(r.llama_tokens_per_s)} tokens/s (decode ${Math.round(r.llama_decode_tokens_per_s ?? 0)}), ` +
            `ratio ${r.ratio?.toFixed(2)} (decode ${r.decode_ratio?.toFixed(2)})`;
      process.stdout.write(
        `sample: ${r.batch} x ${r.new_tokens} new tokens in ${Math.round(r.total_ms)} ms = ${Math.round(r.tokens_per_s)} tokens/s ` +
          `(decode ${Math.round(r.decode_tokens_per_s)}), ${r.threads} threads, ${r.params} params, ` +
          `${r.gflops.toFixed(1)} GFLOP/s = ${(100 * r.peak_fraction).toFixed(1)}% of the ${r.peak_gflops.toFixed(0)} GFLOP/s matmul peak; ${llama}\n`,
      );
    });
}
