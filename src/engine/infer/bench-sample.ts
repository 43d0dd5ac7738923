/**
 * Batched sampling throughput: our Sampler against node-llama-cpp on the same exported GGUF.
 *
 * Both sides get the same random-weight model, the same random prompts and sample with
 * temperature 1 and no stop tokens, so every sequence runs the full `newTokens`. A run is timed
 * end to end (prefill + decode); decode-only throughput is (run with N new tokens − run with 1)
 * divided into B·(N−1) tokens. Each number is the best of `reps` runs, interleaved across the
 * contenders, as the machine is shared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { generationFlops } from '../flops.js';
import { exportGguf } from '../gguf/gguf.js';
import { type ModelConfig, parameterShapes } from '../model-config.js';
import { matmulPeak } from '../peak.js';
import { randomWeights } from '../reference.js';
import { Sampler } from './sampler.js';

export interface BenchSampleOptions {
  cfg: ModelConfig;
  batch: number;
  promptLen: number;
  newTokens: number;
  /** Our onnxruntime threads. */
  threads: number;
  reps: number;
  /** node-llama-cpp thread counts to compare against; empty skips it. */
  llamaThreads: number[];
  seed?: number;
}

export interface Throughput {
  /** New tokens per sequence in the timed run. */
  new_tokens: number;
  tokens_per_s: number;
  decode_tokens_per_s: number;
  total_ms: number;
  first_token_ms: number;
}

export interface BenchSampleResult extends Throughput {
  params: number;
  threads: number;
  batch: number;
  prompt_len: number;
  new_tokens: number;
  /** Per node-llama-cpp thread count ("1", "2"), or the reason it could not run. */
  llama: Record<string, Throughput> | { error: string };
  llama_tokens_per_s: number | null;
  llama_decode_tokens_per_s: number | null;
  /** Our useful FLOPs (flops.ts) per second, end to end. */
  gflops: number;
  /** ONNX Runtime MatMul peak on our threads, measured at the start of this run (peak.ts). */
  peak_gflops: number;
  peak_fraction: number;
  /** ours / best node-llama-cpp, end to end and decode only. */
  ratio: number | null;
  decode_ratio: number | null;
}

function throughput(B: number, N: number, oneMs: number, allMs: number): Throughput {
  return {
    new_tokens: N,
    tokens_per_s: (B * N) / (allMs / 1000),
    decode_tokens_per_s: N > 1 ? (B * (N - 1)) / (Math.max(allMs - oneMs, 1e-3) / 1000) : 0,
    total_ms: allMs,
    first_token_ms: oneMs,
  };
}

/** A sampler under test: `run(n)` samples n new tokens for every prompt. */
interface Contender {
  /** New tokens per sequence in a timed run. */
  n: number;
  run(n: number): Promise<void>;
  dispose(): Promise<void>;
  best: { one: number; all: number };
}

async function timeInto(c: Contender, key: 'one' | 'all', n: number): Promise<void> {
  const t0 = performance.now();
  await c.run(n);
  c.best[key] = Math.min(c.best[key], performance.now() - t0);
}

type Llama = Awaited<ReturnType<typeof import('node-llama-cpp')['getLlama']>>;

async function llamaContender(
  llama: Llama,
  path: string,
  prompts: number[][],
  N: number,
  threads: number,
): Promise<Contender> {
  const model = await llama.loadModel({ modelPath: path });
  // The exact configuration our interop test checks: F32 KV cache, no flash attention.
  const context = await model.createContext({
    sequences: prompts.length,
    contextSize: prompts[0].length + N,
    threads,
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
  });
  const seqs = prompts.map(() => context.getSequence());
  return {
    n: N,
    best: { one: Infinity, all: Infinity },
    // All sequences evaluate concurrently, so node-llama-cpp packs each step into one batch.
    run: async (n) => {
      await Promise.all(
        seqs.map(async (seq, i) => {
          await seq.clearHistory();
          let got = 0;
          // Plain temperature sampling like ours, and no stop at end-of-generation tokens: every
          // sequence must run the full n tokens (the export has no eos, but llama.cpp defaults one).
          const options = { temperature: 1, topK: 0, topP: 1, minP: 0, seed: i, yieldEogToken: true };
          for await (const _ of seq.evaluate(prompts[i] as never[], options)) {
            if (++got >= n) break;
          }
          if (got < n) throw new Error(`node-llama-cpp stopped sequence ${i} after ${got} of ${n} tokens`);
        }),
      );
    },
    dispose: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

export async function benchSample(o: BenchSampleOptions): Promise<BenchSampleResult> {
  const { cfg, batch: B, promptLen, newTokens: N } = o;
  const weights = randomWeights(cfg, o.seed ?? 0, { std: 0.02 });
  const rng = new Rng(o.seed ?? 0);
  const prompts = Array.from({ length: B }, () =>
    Array.from({ length: promptLen }, () => rng.int(cfg.vocabSize)),
  );

  const peak = await matmulPeak(o.threads);
  const sampler = await Sampler.create(cfg, weights, { threads: o.threads, maxBatch: B });
  const ours: Contender = {
    n: N,
    best: { one: Infinity, all: Infinity },
    run: (n) => sampler.generate({ prompts, maxNewTokens: n, seed: 1, temperature: 1 }).then(() => undefined),
    dispose: () => sampler.dispose(),
  };
  const contenders: Array<[string, Contender]> = [];
  let llama: BenchSampleResult['llama'] = {};
  const dir = mkdtempSync(join(tmpdir(), 'metacot-bench-'));
  let llamaLib: Llama | undefined;
  try {
    if (o.llamaThreads.length > 0) {
      try {
        const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
        llamaLib = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
        const path = join(dir, 'model.gguf');
        const tokens = Array.from({ length: cfg.vocabSize }, (_, i) => `<t${i}>`);
        await exportGguf(cfg, weights, { tokens }, path);
        // With 2+ threads node-llama-cpp is ~20x slower on a 2-core machine (see the cpu-ml-feasibility
        // note): it decodes 8 tokens, once, and only its decode rate is comparable.
        for (const t of o.llamaThreads) {
          const n = t === 1 ? N : Math.min(N, 8);
          contenders.push([String(t), await llamaContender(llamaLib, path, prompts, n, t)]);
        }
      } catch (err) {
        llama = { error: (err as Error).message };
      }
    }
    const all: Contender[] = [ours, ...contenders.map(([, c]) => c)];
    for (const c of all) await c.run(Math.min(c.n, 4)); // warm-up: first runs allocate arenas and caches
    // Interleaved repetitions, so that load from other processes hits every contender alike.
    for (let r = 0; r < o.reps; r++) {
      for (const [i, c] of all.entries()) {
        if (r > 0 && i > 0 && contenders[i - 1][0] !== '1') continue;
        await timeInto(c, 'one', 1);
        await timeInto(c, 'all', c.n);
      }
    }
    if (!('error' in llama)) {
      for (const [name, c] of contenders)
        (llama as Record<string, Throughput>)[name] = throughput(B, c.n, c.best.one, c.best.all);
    }
  } finally {
    for (const c of [ours, ...contenders.map(([, c]) => c)]) await c.dispose();
    await llamaLib?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  const oursT = throughput(B, N, ours.best.one, ours.best.all);
  const gflops = (B * generationFlops(cfg, promptLen, N)) / (ours.best.all / 1000) / 1e9;
  const runs = 'error' in llama ? [] : Object.values(llama as Record<string, Throughput>);
  const best = (rs: Throughput[], key: keyof Throughput) =>
    rs.length > 0 ? Math.max(...rs.map((r) => r[key])) : null;
  // End-to-end rates are comparable only between runs of the same length; decode rates always are.
  const llamaTps = best(
    runs.filter((r) => r.new_tokens === N),
    'tokens_per_s',
  );
  const llamaDecode = best(runs, 'decode_tokens_per_s');
  return {
    ...oursT,
    params: parameterShapes(cfg).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    threads: o.threads,
    batch: B,
    prompt_len: promptLen,
    new_tokens: N,
    llama,
    llama_tokens_per_s: llamaTps,
    llama_decode_tokens_per_s: llamaDecode,
    gflops,
    peak_gflops: peak.gflops,
    peak_fraction: gflops / peak.gflops,
    ratio: llamaTps ? oursT.tokens_per_s / llamaTps : null,
    decode_ratio: llamaDecode ? oursT.decode_tokens_per_s / llamaDecode : null,
  };
}
