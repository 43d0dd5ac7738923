/**
 * Where onnxruntime spends a graph's time, from its own profiler: one training step of the demo's model
 * (`train`), or the decoding of the demo's first RL step (`decode`, sampling 64 problems × 8 with the
 * tools from a run's Meta-CoT model). Prints kernel time per op type, and for matmul-like ops their
 * GFLOP/s per input shape: the numbers docs/benchmarks.md quotes. Baseline for the GFLOP/s: the matmul
 * peak of `metacot bench train` / `bench rl` (src/engine/peak.ts).
 *   npm run build && npx tsx bench/profile-graph.ts train 16 320 1040
 *   npm run build && npx tsx bench/profile-graph.ts decode runs/demo
 * (A throwaway tool: it reaches into dist/ and is not part of the library.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Tokenizer, VOCABULARIES } from '../dist/countdown/tokenizer.js';
import { parseRunConfig } from '../dist/demo/config.js';
import { loadData, metaRlProblems } from '../dist/demo/data.js';
import { repeatedPrompts, toolsFor } from '../dist/demo/examples.js';
import { rlStepDraw } from '../dist/demo/rl.js';
import { loadWeights, modelConfig } from '../dist/demo/sft.js';
import { Sampler } from '../dist/engine/infer/sampler.js';
import { initWeights } from '../dist/engine/init.js';
import { buildTrainGraph } from '../dist/engine/model.js';
import { toOnnx } from '../dist/engine/onnx/export.js';
import { modelFeeds } from '../dist/engine/trainer.js';

interface Event {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args: { op_name?: string; input_type_shape?: Array<Record<string, number[]>> };
}

const dir = mkdtempSync(join(tmpdir(), 'metacot-profile-'));
const profiling = { enableProfiling: true, profileFilePrefix: join(dir, 'p') };
const base = {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  executionMode: 'sequential' as const,
  graphOptimizationLevel: 'all' as const,
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

async function profileTrain(B: number, T: number, V: number): Promise<void> {
  const cfg = { vocabSize: V, dModel: 128, nLayers: 4, nHeads: 4, dFF: 384, contextLength: T };
  const model = { ...cfg, tiedEmbeddings: false, ropeTheta: 10000, normEps: 1e-5 };
  const { g, outputs } = buildTrainGraph(model, B, T);
  const s = await ort.InferenceSession.create(toOnnx(g, outputs), { ...base, ...profiling });
  const n = B * T;
  const batch = {
    batch: B,
    seqLen: T,
    tokens: Int32Array.from({ length: n }, (_, i) => i % V),
    targets: Int32Array.from({ length: n }, (_, i) => (i * 7) % V),
    lossMask: new Float32Array(n).fill(1),
  };
  const f = { ...modelFeeds(model, batch, initWeights(model, 0)), loss_scale: new Float32Array([1 / n]) };
  const shapes = new Map(g.nodes.filter((x) => x.op === 'input').map((x) => [x.attrs.name!, x.shape]));
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of s.inputNames) {
    const data = f[name as keyof typeof f];
    feeds[name] = new ort.Tensor(data instanceof Int32Array ? 'int32' : 'float32', data, shapes.get(name));
  }
  for (let i = 0; i < 6; i++) await s.run(feeds);
  s.endProfiling();
}

async function profileDecode(run: string): Promise<void> {
  const cfg = parseRunConfig(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')));
  const tokenizer = new Tokenizer(VOCABULARIES[cfg.data.vocab]);
  const model = modelConfig(cfg, tokenizer.size);
  const data = await loadData(join(run, 'data'));
  const { problems } = rlStepDraw(cfg, metaRlProblems(cfg, data.train, tokenizer, cfg.rl.pool), 1);
  const { prompts, owners } = repeatedPrompts(tokenizer, problems, cfg.rl.group, cfg.data.format);
  // Sessions the sampler creates get the profiler; each is ended when the sampling is done.
  const create = ort.InferenceSession.create.bind(ort.InferenceSession);
  const sessions: ort.InferenceSession[] = [];
  (ort.InferenceSession as { create: unknown }).create = async (bytes: Uint8Array, o: object) => {
    const s = await create(bytes, { ...o, ...profiling });
    sessions.push(s);
    return s;
  };
  const sampler = await Sampler.create(model, loadWeights(join(run, 'models', 'metacot'), model), {
    threads: cfg.threads,
  });
  await sampler.generate({
    prompts,
    maxNewTokens: cfg.eval.maxNewTokens,
    temperature: 1, // RL samples from the policy it trains (rl.ts)
    stopTokens: [tokenizer.vocab.eos],
    seed: cfg.seed + 1001,
    logprobs: true,
    ...toolsFor(tokenizer, cfg, owners),
  });
  for (const s of sessions) s.endProfiling();
  await sampler.dispose();
}

/** Kernel time per op type and matmul GFLOP/s per shape, over the runs after the first (warm-up) one. */
function report(file: string): void {
  const events = JSON.parse(readFileSync(file, 'utf8')) as Event[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  if (runs.length < 2) return;
  const from = runs[1].ts;
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= from);
  const perRun = (us: number) => us / (runs.length - 1) / 1000;
  const byOp = new Map<string, number>();
  let total = 0;
  const byShape = new Map<string, { us: number; flops: number }>();
  for (const e of nodes) {
    const op = e.args.op_name!;
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    total += e.dur;
    if (!/MatMul|Gemm/.test(op)) continue;
    const [a, b] = (e.args.input_type_shape ?? []).map((x) => Object.values(x)[0]);
    // FLOPs = 2·|y|·K, with K the first input's size over the output's batch and rows (a transposed
    // first input has the same size).
    const out = (e.args as { output_type_shape?: Array<Record<string, number[]>> }).output_type_shape;
    const y = out ? Object.values(out[0])[0] : undefined;
    if (!a || !y) continue; // (an initializer input is not listed: b may be missing)
    const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
    const batch = size(y.slice(0, -2));
    const k = size(a) / batch / y[y.length - 2];
    const key = `${op} ${JSON.stringify(b ? [a, b] : [a])}`;
    const r = byShape.get(key) ?? { us: 0, flops: 0 };
    r.us += e.dur;
    r.flops += 2 * size(y) * k;
    byShape.set(key, r);
  }
  const name = file.slice(dir.length + 1);
  console.log(`\n${name}: ${runs.length - 1} runs, ${perRun(total).toFixed(2)} ms of kernels per run`);
  for (const [op, us] of [...byOp].sort((x, y) => y[1] - x[1]).slice(0, 12))
    console.log(
      `  ${op.padEnd(30)} ${perRun(us).toFixed(2).padStart(8)} ms  ${((100 * us) / total).toFixed(1)}%`,
    );
  // Inference graphs hold their weights as initializers, which the profile does not list as inputs: a
  // one-input matmul there is a projection, a two-input one attention.
  const groups = [
    ['matmul-like', () => true],
    ['  with one listed input (weights)', (k: string) => k.endsWith(']]') && !k.includes('],[')],
  ] as const;
  for (const [label, keep] of groups) {
    let us = 0;
    let flops = 0;
    for (const [k, r] of byShape) {
      if (!keep(k)) continue;
      us += r.us;
      flops += r.flops;
    }
    if (us === 0) continue;
    console.log(
      `  ${label}: ${perRun(us).toFixed(2)} ms per run, ${((100 * us) / total).toFixed(1)}% of kernel time, ${(flops / us / 1e3).toFixed(0)} GFLOP/s`,
    );
  }
  for (const [key, r] of [...byShape].sort((x, y) => y[1].us - x[1].us).slice(0, 12))
    console.log(
      `    ${perRun(r.us).toFixed(2).padStart(7)} ms  ${(r.flops / r.us / 1e3).toFixed(0).padStart(4)} GFLOP/s  ${key}`,
    );
}

const [what, ...args] = process.argv.slice(2);
try {
  if (what === 'train')
    await profileTrain(Number(args[0] ?? 16), Number(args[1] ?? 320), Number(args[2] ?? 1040));
  else if (what === 'decode') await profileDecode(args[0] ?? 'runs/demo');
  else throw new Error('usage: bench/profile-graph.ts train [B T V] | decode [run folder]');
  for (const f of readdirSync(dir).sort()) report(join(dir, f));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
