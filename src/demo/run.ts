import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { TraceFormat } from '../countdown/linearize/format.js';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { Weights } from '../engine/model-config.js';
import { Trainer } from '../engine/trainer.js';
import type { RunConfig } from './config.js';
import { buildData, loadData, metaRlProblems, type RunData, type TestProblem } from './data.js';
import { secondsLeft } from './eta.js';
import { type EvalSummary, evaluateModel, readPredictions } from './evaluate.js';
import { textExample } from './examples.js';
import { goalChecks } from './goal-checks.js';
import { mean } from './metrics.js';
import {
  MODEL_KEYS,
  type ModelKey,
  type ModelResult,
  type Results,
  reportHtml,
  resultsTable,
} from './report.js';
import { describeRlStep, meanRlStats, type RlStepStats, rlStep, rlStepDraw, rlTrainer } from './rl.js';
import { evalTokenLimit, loadWeights, modelConfig, sft } from './sft.js';
import { backfillInputs, copyPredictions, predictionFile, predictionFiles, stageInputs } from './stages.js';
import { collectVerified, pickProblems } from './star.js';
import { RunState, writeJsonAtomic } from './state.js';

/** What a run tells its caller while it works (the CLI draws stages and progress bars from it). */
export interface RunObserver {
  /**
   * A stage starts; `secondsLeft` estimates the whole run's remaining time, this stage included. `outputs`
   * are the stage's files and folders in the run folder (where its checkpoints and partial results go).
   */
  stage(
    name: string,
    index: number,
    total: number,
    title: string,
    secondsLeft: number,
    outputs?: readonly string[],
  ): void;
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
  const state = new RunState(dir);
  const release = state.lock();
  try {
    return await runStages(cfg, dir, state, obs);
  } finally {
    release();
  }
}

async function runStages(cfg: RunConfig, dir: string, state: RunState, obs: RunObserver): Promise<Results> {
  backfillInputs(state, dir);
  writeJsonAtomic(join(dir, 'config.json'), cfg);
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
  const inputs = stageInputs(cfg);
  const stage = async <T>(
    name: string,
    title: string,
    outputs: readonly string[],
    work: () => Promise<T>,
  ): Promise<T> => {
    index++;
    const key = inputs(name);
    if (state.done(name, key)) return state.get<T>(name);
    if (state.stale(name, key)) {
      // The config changed since this stage ran (or started): its checkpoints and predictions would be
      // resumed or reused as if current, so they go.
      obs.log(`${name}: the config changed since it ran; recomputing it`);
      for (const out of outputs) rmSync(join(dir, out), { recursive: true, force: true });
    }
    state.start(name, key);
    state.clearTemps(outputs);
    const finished = Object.entries(state.stages).map(([n, r]) => ({ name: n, seconds: r.seconds }));
    const left = secondsLeft(cfg, names.slice(index - 1), finished);
    obs.stage(name, index, names.length, title, left, outputs);
    const { result, seconds } = await state.timed(name, key, work);
    state.record(name, seconds, result, key);
    obs.stageDone(name, seconds);
    return result;
  };

  const dataDir = join(dir, 'data');
  await stage('data', 'generate Countdown problems and search traces', ['data'], () =>
    buildData(cfg, dataDir, (d, t) => obs.progress(d, t, 'problems')).then(() => ({})),
  );
  const data: RunData = await loadData(dataDir);
  if (data.test.length < cfg.data.test) {
    obs.log(
      `test set: ${data.test.length} distinct held-out problems, all that exist for this task (data.test asks ${cfg.data.test})`,
    );
  }
  const inputsHeld = cfg.countdown.heldOutInputFraction > 0;
  if (inputsHeld && data.testInputs.length < cfg.data.testInputs) {
    obs.log(
      `held-out inputs: ${data.testInputs.length} distinct problems, all that exist for this task (data.testInputs asks ${cfg.data.testInputs})`,
    );
  }
  if (inputsHeld) mkdirSync(join(dir, 'predictions', 'test-inputs'), { recursive: true });
  const fits = (e: { tokens: readonly number[] }) => e.tokens.length <= cfg.data.maxTokens;
  const metaRlPool = metaRlProblems(cfg, data.train);
  const corpora = {
    cot: data.train.map((r) => textExample(tokenizer, r.optimal)).filter(fits),
    metacot: data.train
      .filter((r) => r.solved || !cfg.data.solvedTracesOnly)
      .map((r) => textExample(tokenizer, r.trace))
      .filter(fits),
  };
  const modelDir = (key: string) => join(dir, 'models', key);
  /**
   * Greedy evaluation on both test sets, one sampler: held-out targets into predictions/<key>.jsonl,
   * held-out inputs (when the task holds some out) into predictions/test-inputs/<key>.jsonl.
   */
  const evalInto = async (key: string, weights: Weights): Promise<StageEval> => {
    const sampler = await Sampler.create(model, weights, { threads: cfg.threads });
    const on = (problems: TestProblem[], file: string) =>
      evaluateModel({
        sampler,
        tokenizer,
        problems,
        format: cfg.data.format,
        maxNewTokens: evalTokenLimit(cfg, model),
        batch: cfg.eval.batch,
        tools: cfg.tools,
        out: join(dir, file),
        onProgress: (d, t) => obs.progress(d, t, 'problems'),
      });
    try {
      const targets = await on(data.test, predictionFile(key, 'targets'));
      if (data.testInputs.length === 0) return targets;
      return { ...targets, test_inputs: await on(data.testInputs, predictionFile(key, 'inputs')) };
    } finally {
      await sampler.dispose();
    }
  };

  const curves: Results['curves'] = {};
  for (const key of ['cot', 'metacot'] as const) {
    const r = await stage(
      `sft_${key}`,
      `train ${key === 'cot' ? 'CoT (optimal path)' : 'Meta-CoT (stream of search)'}`,
      [`models/${key}`],
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
  const evals: Partial<Record<ModelKey, StageEval>> = {};
  const testSize = data.test.length + data.testInputs.length;
  for (const key of ['cot', 'metacot'] as const) {
    evals[key] = await stage(
      `eval_${key}`,
      `evaluate ${key} on ${testSize} held-out problems`,
      predictionFiles(key),
      () => evalInto(key, loadWeights(modelDir(key), model)),
    );
  }

  const iterations: Results['iterations'] = {};
  const metacotEval = evals.metacot!;
  const point = (iteration: number, e: StageEval) => ({
    iteration,
    accuracy: e.accuracy,
    mean_tokens: e.mean_tokens,
    n_eval: e.n_eval,
    ...(e.test_inputs ? { test_inputs_accuracy: e.test_inputs.accuracy } : {}),
  });

  if (starIters > 0) {
    iterations.star = [point(0, metacotEval)];
    let weightsDir = modelDir('metacot');
    for (let k = 1; k <= starIters; k++) {
      const e = await stage(
        `star_${k}`,
        `STaR iteration ${k}/${starIters}: sample, keep verified, fine-tune, evaluate`,
        [`models/star_${k}`, ...predictionFiles(`metacot_star_it${k}`)],
        async () => {
          const weights = loadWeights(weightsDir, model);
          const picked = pickProblems(metaRlPool, cfg.star.problems, cfg.seed * 7919 + k);
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
          const ev = await evalInto(`metacot_star_it${k}`, loadWeights(modelDir(`star_${k}`), model));
          return { ...ev, kept: got.kept, sampled: got.sampled };
        },
      );
      iterations.star.push(point(k, e));
      weightsDir = modelDir(`star_${k}`);
    }
    copyPredictions(dir, `metacot_star_it${starIters}`, 'metacot_star', data.testInputs.length > 0);
    evals.metacot_star = state.get<StageEval>(`star_${starIters}`);
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
          [`models/rl_${k}`, ...predictionFiles(`metacot_rl_it${k}`)],
          async () => {
            const prev = k === 1 ? modelDir('metacot') : modelDir(`rl_${k - 1}`);
            const trainer = await rlTrainer(cfg, model, prev, k === 1);
            const steps: RlStepStats[] = [];
            for (let s = 1; s <= cfg.rl.steps; s++) {
              // Step numbers run on across iterations, so every step samples its own problems and seeds,
              // and 6 iterations of 5 steps reach the same model as 30 of 1.
              const n = (k - 1) * cfg.rl.steps + s;
              const stats = await rlStep({
                cfg,
                model,
                trainer,
                reference,
                tokenizer,
                ...rlStepDraw(cfg, metaRlPool, n),
              });
              steps.push(stats);
              if (cfg.rl.steps > 1) obs.log(`RL ${k}.${s}: ${describeRlStep(stats, cfg.rl.epochs)}`);
            }
            const stats = meanRlStats(steps);
            obs.log(`RL ${k}: ${describeRlStep(stats, cfg.rl.epochs)}`);
            await trainer.save(modelDir(`rl_${k}`), { rl: true });
            const ev = await evalInto(`metacot_rl_it${k}`, trainer.weights());
            return { ...ev, train: stats };
          },
        );
        iterations.rl.push(point(k, e));
      }
    } finally {
      await reference.dispose();
    }
    copyPredictions(dir, `metacot_rl_it${rlIters}`, 'metacot_rl', data.testInputs.length > 0);
    evals.metacot_rl = state.get<StageEval>(`rl_${rlIters}`);
  }

  const models: Results['models'] = {};
  for (const key of MODEL_KEYS) {
    const e = evals[key];
    if (!e) continue;
    const { test_inputs, ...targets } = e;
    models[key] = fromPredictions(
      targets,
      join(dir, predictionFile(key, 'targets')),
      data.test,
      cfg.data.format,
    );
    if (test_inputs) {
      models[key].held_out_inputs = fromPredictions(
        test_inputs,
        join(dir, predictionFile(key, 'inputs')),
        data.testInputs,
        cfg.data.format,
      );
    }
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

/** What an evaluation stage records: held-out targets at the top level, held-out inputs beside them. */
type StageEval = EvalSummary & { test_inputs?: EvalSummary };

/** Adds the counts read off the predictions file: distinct prompts, "solved beyond the solvers", goal checks. */
function fromPredictions(
  e: EvalSummary,
  file: string,
  test: TestProblem[],
  format: TraceFormat,
): ModelResult {
  const key = (p: CountdownProblem) => `${p.target}|${p.nums.join(',')}`;
  const unsolved = new Set(test.filter((t) => !t.symbolic_solved).map(key));
  const preds = existsSync(file) ? readPredictions(file) : [];
  return {
    ...e,
    n_distinct: new Set(preds.map(key)).size,
    symbolic_unsolved: unsolved.size,
    solved_symbolic_unsolved: preds.filter((p) => p.solved && unsolved.has(key(p))).length,
    goal_checks: goalChecks(preds, format),
    ...(preds.some((p) => p.tool_tokens !== undefined)
      ? { mean_tool_tokens: mean(preds.map((p) => p.tool_tokens ?? 0)) }
      : {}),
  };
}

/** results.json has each model key at the top level, as its contract says. */
function flatten(r: Results): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.models));
}
