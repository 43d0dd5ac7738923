/** Timing of training steps on random data, for `metacot bench train` and bench/train-vs-torch.sh. */

import { Rng } from '../core/rng.js';
import { sequenceFlops, TRAIN_FLOPS_PER_FORWARD } from './flops.js';
import { type ModelConfig, parameterShapes } from './model-config.js';
import { matmulPeak } from './peak.js';
import { Trainer } from './trainer.js';

export interface BenchTrainOptions {
  cfg: ModelConfig;
  batch: number;
  /** timed steps, after one untimed step that compiles the graph */
  steps: number;
  threads?: number;
  seed?: number;
}

export interface BenchTrainResult {
  step_ms_median: number;
  step_ms_min: number;
  /** process CPU time per step (all threads): steadier than wall time on a shared machine */
  cpu_ms_median: number;
  tokens_per_s: number; // B·T / median step
  compile_ms: number; // graph build + ORT session + first step
  threads: number;
  params: number;
  rss_mb: number; // peak over the run
  first_loss: number;
  last_loss: number;
  /** useful FLOPs (flops.ts) per second at the median step */
  gflops: number;
  /** ONNX Runtime MatMul peak on the same threads, measured at the start of this run (peak.ts) */
  peak_gflops: number;
  peak_fraction: number;
}

export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const { cfg, batch: B, steps, threads = 2, seed = 0 } = o;
  const T = cfg.contextLength;
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
  const b = {
    batch: B,
    seqLen: T,
    tokens,
    targets: Int32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize)),
    lossMask: new Float32Array(B * T).fill(1),
  };
  const peak = await matmulPeak(threads);
  const trainer = await Trainer.create({ cfg, seed, threads, lr: 1e-3, totalSteps: steps + 1 });
  let rss = process.memoryUsage().rss;
  const t0 = performance.now();
  const first = await trainer.step(b);
  const compile = performance.now() - t0;
  const times: number[] = [];
  const cpu: number[] = [];
  let last = first.loss;
  for (let i = 0; i < steps; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    last = (await trainer.step(b)).loss;
    times.push(performance.now() - s);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  const median = medianOf(times);
  const gflops = (B * TRAIN_FLOPS_PER_FORWARD * sequenceFlops(cfg, T)) / (median / 1000) / 1e9;
  return {
    step_ms_median: median,
    step_ms_min: Math.min(...times),
    cpu_ms_median: medianOf(cpu),
    tokens_per_s: (B * T) / (median / 1000),
    compile_ms: compile,
    threads,
    params: parameterShapes(cfg).reduce((s, p) => s + p.shape.reduce((a, d) => a * d, 1), 0),
    rss_mb: rss / 2 ** 20,
    first_loss: first.loss,
    last_loss: last,
    gflops,
    peak_gflops: peak.gflops,
    peak_fraction: gflops / peak.gflops,
  };
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
