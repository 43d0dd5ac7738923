import type { Command } from 'commander';
import { benchRl } from '../../demo/bench-rl.js';
import { intOption } from '../options.js';

/** `metacot bench rl`: the demo's RL step timed per phase, against the matmul peak and PyTorch. */
export function registerBenchRl(bench: Command): void {
  bench
    .command('rl')
    .description(
      "Time full RL steps of a run's Meta-CoT model with its RL config: group sampling with its tools, " +
        'reference log-probs and the policy-gradient update, each phase against a matmul peak measured in the ' +
        'same run, and the same workload in PyTorch (bench/torch_rl.py)',
    )
    .option('--run <dir>', 'a run folder with config.json, data/ and models/metacot', 'runs/demo')
    .option(
      '--steps <n>',
      'RL steps: the first compiles graphs, the median of the others is reported',
      intOption(2),
      2,
    )
    .option('--threads <n>', "ONNX Runtime threads (default: the run's)", intOption(1))
    .option(
      '--random-weights',
      "random weights instead of the run's model (completions run to the limit)",
      false,
    )
    .option('--python <path>', 'python3 with torch for the reference, or "none"', '/usr/bin/python3')
    .option('--json', 'print one JSON line', false)
    .addHelpText(
      'after',
      '\nExample (after `metacot demo`; PyTorch from `apt-get install python3-torch libopenblas0-pthread`):\n' +
        '  metacot bench rl --run runs/demo --json',
    )
    .action(async (o) => {
      const r = await benchRl({
        dir: o.run,
        steps: o.steps,
        threads: o.threads,
        randomWeights: o.randomWeights,
        python: o.python === 'none' ? null : o.python,
        onProgress: (line) => process.stderr.write(`bench rl: ${line}\n`),
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ bench: 'rl', ...r })}\n`);
        return;
      }
      const lines = [
        `matmul peak: ${r.peak_gflops.toFixed(1)} GFLOP/s (ONNX Runtime MatMul ${r.peak.n}², ${r.threads} threads)`,
        ...Object.entries(r.phases).map(
          ([name, p]) =>
            `  ${name.padEnd(6)} ${p.s.toFixed(2).padStart(6)} s  ${Math.round(p.tokens_per_s).toString().padStart(7)} tokens/s  ` +
            `${p.gflops.toFixed(1).padStart(6)} GFLOP/s  ${(100 * p.peak_fraction).toFixed(1).padStart(5)}% of peak`,
        ),
        `RL step: ${r.step_s.toFixed(2)} s (first step with compiles ${r.first_step_s.toFixed(2)} s), ` +
          `${r.sequences} sequences, ${r.mean_tokens.toFixed(0)} tokens each on average, ${r.weights} weights, ` +
          `peak RSS ${Math.round(r.rss_mb)} MB`,
        r.torch === null
          ? 'PyTorch reference: skipped'
          : 'error' in r.torch
            ? `PyTorch reference: not run (${r.torch.error})`
            : `PyTorch: ${r.torch_step_s!.toFixed(2)} s (${Object.entries(r.torch.phases)
                .map(([k, v]) => `${k} ${v.s.toFixed(2)} s`)
                .join(', ')}); ours / PyTorch = ${r.ratio!.toFixed(3)}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
