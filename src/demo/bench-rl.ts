/**
 * `metacot bench rl`: full RL steps of a run's Meta-CoT model with the run's RL config (group sampling with
 * its tools, reference log-probs, the policy-gradient update), timed per phase. Each phase's achieved
 * GFLOP/s (flops.ts) is given as a fraction of a matmul peak measured at the start of the same run
 * (peak.ts). The PyTorch reference (bench/torch_rl.py) replays the last timed step's exact workload: the
 * same prompts, the same sampled tokens, the same learned sequences and weights.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.js';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig } from '../engine/model-config.js';
import { type MatmulPeak, matmulPeak } from '../engine/peak.js';
import { randomWeights } from '../engine/reference.js';
import { Trainer } from '../engine/trainer.js';
import { parseRunConfig, type RunConfig } from './config.js';
import { loadData, metaRlProblems } from './data.js';
import { type RlPhases, type RlWorkload, rlStep, rlStepDraw, rlTrainer } from './rl.js';
import { loadWeights, modelConfig } from './sft.js';

export interface BenchRlOptions {
  /** a run folder `metacot run` or `metacot demo` wrote: its config.json, data/ and models/metacot */
  dir: string;
  /** RL steps; the first pays for compiling graphs and is reported apart, the others are timed */
  steps: number;
  /** start from random weights instead of the run's Meta-CoT model (completions then run to the limit) */
  randomWeights?: boolean;
  /** ONNX Runtime threads; default: the run's */
  threads?: number;
  /** python3 with torch for the reference, or null to skip it */
  python?: string | null;
  /** a line on what the benchmark is doing now (it runs for minutes) */
  onProgress?: (line: string) => void;
}

export interface PhaseReport {
  s: number;
  tokens: number;
  tokens_per_s: number;
  gflops: number;
  peak_fraction: number;
}

export interface BenchRlResult {
  step_s: number;
  first_step_s: number;
  torch_step_s: number | null;
  /** ours / PyTorch on the same workload */
  ratio: number | null;
  peak_gflops: number;
  peak: MatmulPeak;
  phases: Record<keyof RlPhases, PhaseReport>;
  torch: { phases: Record<keyof RlPhases, { s: number }>; threads: number } | { error: string } | null;
  threads: number;
  sequences: number;
  mean_tokens: number;
  weights: 'run' | 'random';
  rss_mb: number;
}

/** The phases of a step as rates and peak fractions. */
export function phaseReport(phases: RlPhases, peakGflops: number): Record<keyof RlPhases, PhaseReport> {
  const one = (p: RlPhases[keyof RlPhases]): PhaseReport => {
    const gflops = p.s > 0 ? p.flops / p.s / 1e9 : 0;
    return {
      s: p.s,
      tokens: p.tokens,
      tokens_per_s: p.s > 0 ? p.tokens / p.s : 0,
      gflops,
      peak_fraction: gflops / peakGflops,
    };
  };
  return { sample: one(phases.sample), score: one(phases.score), grad: one(phases.grad) };
}

function loadRun(dir: string): { cfg: RunConfig; model: ModelConfig; tokenizer: Tokenizer } {
  const file = join(dir, 'config.json');
  if (!existsSync(file) || !existsSync(join(dir, 'data'))) {
    throw new UserError(
      `bench rl: ${dir} holds no run (config.json and data/): run \`metacot demo\` first (about 14 minutes), ` +
        'or `metacot run configs/smoke.yaml` for a small one, and pass its folder with --run',
    );
  }
  const cfg = parseRunConfig(JSON.parse(readFileSync(file, 'utf8')), file);
  const tokenizer = new Tokenizer(VOCABULARIES[cfg.data.vocab]);
  return { cfg, model: modelConfig(cfg, tokenizer.size), tokenizer };
}

export async function benchRl(o: BenchRlOptions): Promise<BenchRlResult> {
  if (!Number.isInteger(o.steps) || o.steps < 2) throw new UserError('bench rl: --steps must be at least 2');
  const run = loadRun(o.dir);
  const cfg: RunConfig = { ...run.cfg, threads: o.threads ?? run.cfg.threads };
  const { model, tokenizer } = run;
  const metacot = join(o.dir, 'models', 'metacot');
  if (!o.randomWeights && !existsSync(metacot)) {
    throw new UserError(
      `bench rl: ${metacot} does not exist yet (the run has not trained its Meta-CoT model): let the run get ` +
        'past SFT, or pass --random-weights',
    );
  }
  const say = o.onProgress ?? (() => {});
  say(`measuring the matmul peak on ${cfg.threads} threads`);
  const peak = await matmulPeak(cfg.threads);
  const weights = o.randomWeights ? randomWeights(model, cfg.seed) : loadWeights(metacot, model);
  const reference = await Sampler.create(model, weights, { threads: cfg.threads });
  const trainer = o.randomWeights
    ? await Trainer.create({ cfg: model, weights, lr: cfg.rl.lr, threads: cfg.threads })
    : await rlTrainer(cfg, model, metacot, true);
  const data = await loadData(join(o.dir, 'data'));
  const pool = metaRlProblems(cfg, data.train, tokenizer, cfg.rl.pool);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof rlStep>> | undefined;
  let workload: RlWorkload | undefined;
  let rss = process.memoryUsage().rss;
  try {
    // The demo's steps: the same problems and seeds as its RL steps 1, 2, …
    for (let n = 1; n <= o.steps; n++) {
      say(`RL step ${n}/${o.steps}${n === 1 ? ' (compiles graphs, reported apart)' : ''}`);
      const t = performance.now();
      last = await rlStep({
        cfg,
        model,
        trainer,
        reference,
        tokenizer,
        ...rlStepDraw(cfg, pool, n),
        onWorkload: n === o.steps ? (w) => (workload = w) : undefined,
      });
      times.push((performance.now() - t) / 1000);
      rss = Math.max(rss, process.memoryUsage().rss);
    }
  } finally {
    await reference.dispose();
  }
  const timed = times.slice(1).sort((a, b) => a - b);
  const stepS = timed[timed.length >> 1];
  if (o.python && workload) say("the PyTorch reference on the last step's workload (1 and 2 threads)");
  const torch = o.python && workload ? torchReference(o.python, model, cfg, workload) : null;
  const torchStep = torch && !('error' in torch) ? torch.step_s : null;
  return {
    step_s: stepS,
    first_step_s: times[0],
    torch_step_s: torchStep,
    ratio: torchStep ? stepS / torchStep : null,
    peak_gflops: peak.gflops,
    peak,
    phases: phaseReport(last!.phases, peak.gflops),
    torch: torch && !('error' in torch) ? { phases: torch.phases, threads: torch.threads } : torch,
    threads: cfg.threads,
    sequences: cfg.rl.problems * cfg.rl.group,
    mean_tokens: last!.meanTokens,
    weights: o.randomWeights ? 'random' : 'run',
    rss_mb: rss / 2 ** 20,
  };
}

/** The PyTorch script beside the package (bench/ is in the repository, not in the npm package). */
function torchScript(): string | null {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'torch_rl.py');
  return existsSync(file) ? file : null;
}

type TorchResult =
  | { step_s: number; phases: Record<keyof RlPhases, { s: number }>; threads: number }
  | { error: string };

/** Runs bench/torch_rl.py on the workload; its failure is reported, not thrown, as it is only a baseline. */
function torchReference(python: string, model: ModelConfig, cfg: RunConfig, w: RlWorkload): TorchResult {
  const script = torchScript();
  if (script === null) return { error: 'bench/torch_rl.py not found (it ships with the repository)' };
  const tmp = mkdtempSync(join(tmpdir(), 'metacot-bench-rl-'));
  try {
    const file = join(tmp, 'workload.json');
    writeFileSync(
      file,
      JSON.stringify({
        model,
        threads: cfg.threads,
        batch_size: cfg.sft.batchSize,
        lr: cfg.rl.lr,
        ...w,
      }),
    );
    const r = spawnSync(python, [script, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error) return { error: `${python}: ${r.error.message}` };
    if (r.status !== 0) return { error: (r.stderr.trim().split('\n').pop() ?? '') || `exit ${r.status}` };
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
