import type { Command } from 'commander';
import { benchTrain } from '../../engine/bench-train.js';
import { DEFAULT_MODEL_CONFIG } from '../../engine/model-config.js';
import { modelConfigFromFlags } from '../model-options.js';
import { intOption } from '../options.js';
import { registerBenchRl } from './bench-rl.js';
import { registerBenchSample } from './bench-sample.js';

/** `metacot bench <what>`: timings on synthetic data; each subcommand prints one JSON line with --json. */
export function registerBench(program: Command): void {
  const bench = program.command('bench').description('Benchmarks of the embedded engine');

  bench
    .command('train')
    .description(
      'Time AdamW training steps (forward + backward + update) of a LLaMA-style model on random tokens',
    )
    .option('--layers <n>', 'layers', intOption(1), DEFAULT_MODEL_CONFIG.nLayers)
    .option('--d-model <n>', 'model width', intOption(2), DEFAULT_MODEL_CONFIG.dModel)
    .option('--heads <n>', 'attention heads', intOption(1), DEFAULT_MODEL_CONFIG.nHeads)
    .option('--ff <n>', 'SwiGLU hidden width', intOption(1), DEFAULT_MODEL_CONFIG.dFF)
    .option('--vocab <n>', 'vocabulary size', intOption(2), 64)
    .option(
      '--ctx <n>',
      'context length (every row is full)',
      intOption(1),
      DEFAULT_MODEL_CONFIG.contextLength,
    )
    .option('--batch <n>', 'rows per step', intOption(1), 16)
    .option('--steps <n>', 'timed steps (after one compile step)', intOption(1), 12)
    .option('--threads <n>', 'ONNX Runtime intra-op threads', intOption(1), 2)
    .option('--tied', 'tie the output head to the token embedding', false)
    .option('--json', 'print one JSON line', false)
    .addHelpText(
      'after',
      '\nExample (the reference model; compare with PyTorch via bench/train-vs-torch.sh):\n' +
        '  metacot bench train --layers 4 --d-model 128 --heads 4 --ff 384 --vocab 64 --ctx 256 --batch 16 --steps 12 --json',
    )
    .action(async (o) => {
      const cfg = modelConfigFromFlags(o, o.vocab);
      const r = await benchTrain({ cfg, batch: o.batch, steps: o.steps, threads: o.threads });
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ...r, layers: o.layers, d_model: o.dModel, ctx: o.ctx, batch: o.batch })}\n`,
        );
        return;
      }
      process.stdout.write(
        `train step: median ${r.step_ms_median.toFixed(1)} ms, min ${r.step_ms_min.toFixed(1)} ms, ` +
          `${Math.round(r.tokens_per_s)} tokens/s, ${r.threads} threads, ${r.params} params, ` +
          `peak RSS ${Math.round(r.rss_mb)} MB, compile+first step ${Math.round(r.compile_ms)} ms, ` +
          `${r.gflops.toFixed(1)} GFLOP/s = ${(100 * r.peak_fraction).toFixed(1)}% of the ${r.peak_gflops.toFixed(0)} GFLOP/s matmul peak, ` +
          `loss ${r.first_loss.toFixed(3)} -> ${r.last_loss.toFixed(3)}\n`,
      );
    });

  registerBenchSample(bench);
  registerBenchRl(bench);
}
