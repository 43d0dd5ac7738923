import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import { Trainer } from '../engine/trainer.js';
import type { RunConfig } from './config.js';
import { buildData, loadData, type RunData, type TestProblem } from './data.js';
import { secondsLeft } from './eta.js';
import { type EvalSummary, evaluateModel, readPredictions } from './evaluate.js';
import { textExample } from './examples.js';
import {
  MODEL_KEYS,
  type ModelKey,
  type ModelResult,
  type Results,
  reportHtml,
  resultsTable,
} from './report.js';
import { rlIteration } from './rl.js';
import { loadWeights, modelConfig, sft } from './sft.js';
import { collectVerified, pickProblems } from './star.js';
import { RunState, writeJsonAtomic } from './state.js';

/** What a run tells its caller while it works (the CLI draws stages and progress bars from it). */
export interface RunObserver {
  /** A stage starts; `secondsLeft` estimates the whole run's remaining time, this stage included. */
  stage(name: string, index: number, total: number, title: string, secondsLeft: number): void;
  progress(done: number, total: number, unit: string, note?: string): void;
  stageDone(name: string, seconds: number): void;
  log(line: string): void;
}

const quiet: RunObserver = { stage() {}, progress() {}, stageDone() {}, log() {} };

/**
 * The main job: data → SFT (CoT and Meta-CoT, same size and token budget) → evaluation → meta-RL
 * (STaR and on-policy policy gradient) → report. Every stage is recorded in `stages.json` when it
 * finishes; within stages, training checkpoints and partial predictions let a killed run continue.
 */
export async function runPipeline(cfg: RunConfig, dir: string, obs: RunObserver = quiet): Promise<Results> {
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  writeJsonAtomic(join(dir, 'config.json'), cfg);
  const state = new RunState(dir);
  const tokenizer = new Tokenizer(VOCABULARIES[cfg.data.vocab]);
  const model = modelConfig(cfg, tokenizer.size);
  const starIters = cfg.star.enabled ? cfg.star.iterations : 0;
  const rlIters = cfg.rl.enabled ? cfg.rl.iterations : 0;
  const names = [
    'data',
    'sft_cot',
    'sft_metacot',
    'eval_cot',
    'eval_metacot',
    ...Array.from({ length: starIters }, (_, k) => `star_${k + 1}`),
    ...Array.from({ length: rlIters }, (_, k) => `rl_${k + 1}`),
  ];
  let index = 0;
  const stage = async <T>(name: string, title: string, work: () => Promise<T>): Promise<T> => {
    index++;
    if (state.done(name)) return state.get<T>(name);
    const finished = Object.entries(state.stages).map(([n, r]) => ({ name: n, seconds: r.seconds }));
    obs.stage(name, index, names.length, title, secondsLeft(cfg, names.slice(index - 1), finished));
    const t0 = performance.now();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    state.record(name, seconds, result);
    obs.stageDone(name, seconds);
    return result;
  };

  const dataDir = join(dir, 'data');
  await stage('data', 'generate Countdown problems and search traces', () =>
    buildData(cfg, dataDir, (d, t) => obs.progress(d, t, 'problems')).then(() => ({})),
  );
  const data: RunData = await loadData(dataDir);
  const fits = (e: { tokens: readonly number[] }) => e.tokens.length <= cfg.data.maxTokens;
  const corpora = {
    cot: data.train.map((r) => textExample(tokenizer, r.optimal)).filter(fits),
    metacot: data.train
      .filter((r) => r.solved || !cfg.data.solvedTracesOnly)
      .map((r) => textExample(tokenizer, r.trace))
      .filter(fits),
  };
  const modelDir = (key: string) => join(dir, 'models', key);
  const evalInto = async (key: string, weights: Weights, problems: TestProblem[]): Promise<EvalSummary> => {
    const sampler = await Sampler.create(model, weights, { threads: cfg.threads });
    try {
      return await evaluateModel({
        sampler,
        tokenizer,
        problems,
        format: 'compact',
        maxNewTokens: Math.min(cfg.eval.maxNewTokens, model.contextLength - 40),
        batch: cfg.eval.batch,
        out: join(dir, 'predictions', `${key}.jsonl`),
        onProgress: (d, t) => obs.progress(d, t, 'problems'),
      });
    } finally {
      await sampler.dispose();
    }
  };

  const curves: Results['curves'] = {};
  for (const key of ['cot', 'metacot'] as const) {
    const r = await stage(
      `sft_${key}`,
      `train ${key === 'cot' ? 'CoT (optimal path)' : 'Meta-CoT (stream of search)'}`,
      () =>
        sft({
          cfg,
          model,
          examples: corpora[key],
          tokens: cfg.sft.tokens,
          lr: cfg.sft.lr,
          warmupSteps: cfg.sft.warmupSteps,
          dir: modelDir(key),
          seed: cfg.seed,
          onProgress: (p) =>
            obs.progress(
              p.step,
              p.steps,
              'steps',
              `loss ${p.loss.toFixed(3)}, ${Math.round(p.tokensPerS)} tok/s`,
            ),
        }),
    );
    curves[key] = r.curve;
  }
  const evals: Partial<Record<ModelKey, EvalSummary>> = {};
  for (const key of ['cot', 'metacot'] as const) {
    evals[key] = await stage(`eval_${key}`, `evaluate ${key} on ${data.test.length} held-out problems`, () =>
      evalInto(key, loadWeights(modelDir(key), model), data.test),
    );
  }

  const iterations: Results['iterations'] = {};
  const metacotEval = evals.metacot!;
  const point = (iteration: number, e: EvalSummary) => ({
    iteration,
    accuracy: e.accuracy,
    mean_tokens: e.mean_tokens,
    n_eval: e.n_eval,
  });

  if (starIters > 0) {
    iterations.star = [point(0, metacotEval)];
    let weightsDir = modelDir('metacot');
    for (let k = 1; k <= starIters; k++) {
      const e = await stage(
        `star_${k}`,
        `STaR iteration ${k}/${starIters}: sample, keep verified, fine-tune, evaluate`,
        async () => {
          const weights = loadWeights(weightsDir, model);
          const picked = pickProblems(data.train, cfg.star.problems, cfg.seed * 7919 + k);
          const got = await collectVerified({
            cfg,
            model,
            weights,
            tokenizer,
            problems: picked,
            seed: cfg.seed + k,
          });
          obs.log(
            `STaR ${k}: kept ${got.kept}/${got.sampled} samples (${got.solvedProblems}/${picked.length} problems solved)`,
          );
          const examples = got.examples.filter(fits);
          if (examples.length === 0) {
            // Nothing verified to learn from: this iteration keeps the model as it is.
            await (await Trainer.create({ cfg: model, weights })).save(modelDir(`star_${k}`));
          } else
            await sft({
              cfg,
              model,
              examples,
              tokens: cfg.star.tokens,
              lr: cfg.star.lr,
              warmupSteps: 0,
              init: weights,
              dir: modelDir(`star_${k}`),
              seed: cfg.seed + k,
              onProgress: (p) => obs.progress(p.step, p.steps, 'steps', `loss ${p.loss.toFixed(3)}`),
            });
          const ev = await evalInto(
            `metacot_star_it${k}`,
            loadWeights(modelDir(`star_${k}`), model),
            data.test,
          );
          return { ...ev, kept: got.kept, sampled: got.sampled };
        },
      );
      iterations.star.push(point(k, e));
      weightsDir = modelDir(`star_${k}`);
    }
    copyFileSync(
      join(dir, 'predictions', `metacot_star_it${starIters}.jsonl`),
      join(dir, 'predictions', 'metacot_star.jsonl'),
    );
    evals.metacot_star = iterations.star.length
      ? (state.get<EvalSummary>(`star_${starIters}`) as EvalSummary)
      : undefined;
  }

  if (rlIters > 0) {
    iterations.rl = [point(0, metacotEval)];
    const reference = await Sampler.create(model, loadWeights(modelDir('metacot'), model), {
      threads: cfg.threads,
    });
    try {
      for (let k = 1; k <= rlIters; k++) {
        const e = await stage(
          `rl_${k}`,
          `${cfg.rl.algorithm.toUpperCase()} iteration ${k}/${rlIters}: sample groups, reward, update, evaluate`,
          async () => {
            const prev = k === 1 ? modelDir('metacot') : modelDir(`rl_${k - 1}`);
            const trainer = await rlTrainer(cfg, model, prev, k === 1);
            const picked = pickProblems(data.train, cfg.rl.problems, cfg.seed * 104729 + k);
            const stats = await rlIteration({
              cfg,
              model,
              trainer,
              reference,
              tokenizer,
              problems: picked,
              seed: cfg.seed + 1000 + k,
            });
            obs.log(
              `RL ${k}: reward ${stats.meanReward.toFixed(3)}, solved ${(100 * stats.solveRate).toFixed(1)}%, KL ${stats.meanKl.toFixed(3)}, ${stats.meanTokens.toFixed(0)} tokens`,
            );
            await trainer.save(modelDir(`rl_${k}`), { rl: true });
            const ev = await evalInto(`metacot_rl_it${k}`, trainer.weights(), data.test);
            return { ...ev, train: stats };
          },
        );
        iterations.rl.push(point(k, e));
      }
    } finally {
      await reference.dispose();
    }
    copyFileSync(
      join(dir, 'predictions', `metacot_rl_it${rlIters}.jsonl`),
      join(dir, 'predictions', 'metacot_rl.jsonl'),
    );
    evals.metacot_rl = state.get<EvalSummary>(`rl_${rlIters}`);
  }

  const models: Results['models'] = {};
  for (const key of MODEL_KEYS) {
    const e = evals[key];
    if (!e) continue;
    models[key] = withSymbolic(e, join(dir, 'predictions', `${key}.jsonl`), data.test);
  }
  const results: Results = {
    name: cfg.name,
    models,
    curves,
    iterations,
    stages: Object.fromEntries(Object.entries(state.stages).map(([k, v]) => [k, { seconds: v.seconds }])),
    config: cfg,
  };
  writeJsonAtomic(join(dir, 'results.json'), { ...flatten(results), ...results });
  writeFileSync(join(dir, 'report.html'), await reportHtml(results));
  obs.log(resultsTable(results));
  return results;
}

/** RL keeps its own optimizer state from iteration to iteration; the first starts fresh from the SFT weights. */
async function rlTrainer(cfg: RunConfig, model: ModelConfig, from: string, fresh: boolean): Promise<Trainer> {
  if (!fresh) return Trainer.resume(from, { threads: cfg.threads, expect: model });
  return Trainer.create({
    cfg: model,
    weights: loadWeights(from, model),
    lr: cfg.rl.lr,
    warmup: 0,
    totalSteps: Math.max(1, cfg.rl.iterations * cfg.rl.epochs),
    minLrRatio: 1,
    weightDecay: 0,
    clip: 1,
    threads: cfg.threads,
  });
}

/** Adds "solved beyond the symbolic solvers" counts from the predictions file. */
function withSymbolic(e: EvalSummary, file: string, test: TestProblem[]): ModelResult {
  const unsolved = new Set(
    test.filter((t) => !t.symbolic_solved).map((t) => `${t.target}|${t.nums.join(',')}`),
  );
  const preds = existsSync(file) ? readPredictions(file) : [];
  return {
    ...e,
    symbolic_unsolved: unsolved.size,
    solved_symbolic_unsolved: preds.filter((p) => p.solved && unsolved.has(`${p.target}|${p.nums.join(',')}`))
      .length,
  };
}

/** results.json has each model key at the top level, as its contract says. */
function flatten(r: Results): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.models));
}
