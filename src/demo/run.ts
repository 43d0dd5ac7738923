import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import type { RunConfig } from './config.js';
import { buildData, loadData, metaRlProblems, type RunData, type TestProblem } from './data.js';
import { secondsLeft } from './eta.js';
import {
  type EvalContext,
  evalSets,
  evaluateResampled,
  evaluateVariants,
  type StageEval,
  variantFiles,
} from './eval-stage.js';
import { chooseRl, comparisons, setResult } from './evidence.js';
import { textExample } from './examples.js';
import { MODEL_KEYS, type ModelResult, type Results, reportHtml, resultsTable } from './report.js';
import { rlIteration } from './rl-iteration.js';
import { evalTokenLimit, loadWeights, modelConfig, sft } from './sft.js';
import {
  backfillInputs,
  copyPredictions,
  EVAL_SETS,
  type EvalSet,
  predictionFile,
  predictionFiles,
  predictionFolder,
  stageInputs,
} from './stages.js';
import { starIteration } from './star.js';
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
    'resample_cot',
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
  if (cfg.eval.validationOnly) {
    data.test = [];
    data.testInputs = [];
  }
  reportSetSizes(cfg, data, obs);
  for (const set of EVAL_SETS) mkdirSync(join(dir, predictionFolder(set)), { recursive: true });
  const fits = (e: { tokens: readonly number[] }) => e.tokens.length <= cfg.data.maxTokens;
  const starPool = metaRlProblems(cfg, data.train, tokenizer, cfg.star.pool);
  const rlPool = metaRlProblems(cfg, data.train, tokenizer, cfg.rl.pool);
  const corpora = {
    cot: data.train.map((r) => textExample(tokenizer, r.optimal)).filter(fits),
    metacot: data.train
      .filter((r) => r.solved || !cfg.data.solvedTracesOnly)
      .map((r) => textExample(tokenizer, r.trace))
      .filter(fits),
  };
  const modelDir = (key: string) => join(dir, 'models', key);
  const ctx: EvalContext = {
    cfg,
    dir,
    model,
    tokenizer,
    data,
    progress: (d, t, unit) => obs.progress(d, t, unit),
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
  const evals: Record<string, StageEval> = {};
  const setSize = evalSets(data).reduce((n, [, p]) => n + p.length, 0);
  const withoutTools = cfg.tools.length > 0 ? ', with and without tools' : '';
  for (const key of ['cot', 'metacot'] as const) {
    Object.assign(
      evals,
      await stage(
        `eval_${key}`,
        `evaluate ${key} on ${setSize} ${cfg.eval.validationOnly ? 'validation' : 'validation and test'} problems${withoutTools}`,
        variantFiles(cfg, key, true),
        () => evaluateVariants(ctx, key, loadWeights(modelDir(key), model), true),
      ),
    );
    if (key === 'cot') {
      evals.cot_resample = await stage(
        'resample_cot',
        `resample CoT until the goal test accepts or ${evalTokenLimit(cfg, model)} tokens are spent`,
        predictionFiles('cot_resample'),
        () => evaluateResampled(ctx, 'cot_resample', loadWeights(modelDir('cot'), model)),
      );
    }
  }

  const iterations: Results['iterations'] = {};
  const point = (iteration: number, e: StageEval) => ({
    iteration,
    accuracy: e.targets?.accuracy ?? 0,
    mean_tokens: e.targets?.mean_tokens ?? 0,
    n_eval: e.targets?.n_eval ?? 0,
    ...(e.inputs ? { test_inputs_accuracy: e.inputs.accuracy } : {}),
  });
  /** The last meta-RL iteration (`from`, evaluated by stage `last`) under the model's own name `to`. */
  const finalModel = (last: string, from: string, to: string) => {
    copyPredictions(dir, from, to);
    evals[to] = state.get<Record<string, StageEval>>(last)[from];
  };

  if (starIters > 0) {
    iterations.star = [point(0, evals.metacot)];
    let weightsDir = modelDir('metacot');
    for (let k = 1; k <= starIters; k++) {
      const key = `metacot_star_it${k}`;
      const e = await stage(
        `star_${k}`,
        `STaR iteration ${k}/${starIters}: sample, keep verified, fine-tune, evaluate`,
        [`models/star_${k}`, ...predictionFiles(key)],
        async () => {
          const train = await starIteration({
            cfg,
            model,
            tokenizer,
            pool: starPool,
            k,
            from: weightsDir,
            to: modelDir(`star_${k}`),
            fits,
            obs,
          });
          const weights = loadWeights(modelDir(`star_${k}`), model);
          return Object.assign(await evaluateVariants(ctx, key, weights, false), { train });
        },
      );
      iterations.star.push(point(k, e[key] as StageEval));
      weightsDir = modelDir(`star_${k}`);
    }
    finalModel(`star_${starIters}`, `metacot_star_it${starIters}`, 'metacot_star');
  }

  if (rlIters > 0) {
    // RL starts from the Meta-CoT model, or from STaR's last (rl.from); its KL reference is where it starts.
    const start = cfg.rl.from === 'star' ? `star_${starIters}` : 'metacot';
    iterations.rl = [point(0, cfg.rl.from === 'star' ? evals.metacot_star : evals.metacot)];
    const reference = await Sampler.create(model, loadWeights(modelDir(start), model), {
      threads: cfg.threads,
    });
    try {
      for (let k = 1; k <= rlIters; k++) {
        const key = `metacot_rl_it${k}`;
        const e = await stage(
          `rl_${k}`,
          `${cfg.rl.algorithm.toUpperCase()} iteration ${k}/${rlIters}: ${cfg.rl.steps} step(s) of sample groups, reward, update; evaluate`,
          [`models/rl_${k}`, ...predictionFiles(key)],
          async () => {
            const { weights, stats } = await rlIteration({
              cfg,
              model,
              tokenizer,
              reference,
              pool: rlPool,
              k,
              dir,
              start,
              obs,
            });
            return Object.assign(await evaluateVariants(ctx, key, weights, false), { train: stats });
          },
        );
        iterations.rl.push(point(k, e[key] as StageEval));
      }
    } finally {
      await reference.dispose();
    }
    finalModel(`rl_${rlIters}`, `metacot_rl_it${rlIters}`, 'metacot_rl');
  }

  const models: Results['models'] = {};
  const problemsOf = Object.fromEntries(evalSets(data)) as Partial<Record<EvalSet, TestProblem[]>>;
  // The top level is held-out targets' test set, or in a validation-only run its validation set.
  const top: EvalSet = cfg.eval.validationOnly ? 'valid' : 'targets';
  const field: Partial<Record<EvalSet, 'held_out_inputs' | 'valid' | 'valid_inputs'>> = {
    inputs: 'held_out_inputs',
    valid: 'valid',
    'valid-inputs': 'valid_inputs',
  };
  for (const key of MODEL_KEYS) {
    const e = evals[key];
    if (!e?.[top]) continue;
    const result = (set: EvalSet) =>
      setResult(e[set]!, join(dir, predictionFile(key, set)), problemsOf[set]!, cfg.data.format);
    const m: ModelResult = result(top);
    for (const set of EVAL_SETS) {
      const f = field[set];
      if (f && set !== top && e[set]) m[f] = result(set);
    }
    models[key] = m;
  }
  const chosen = chooseRl(dir);
  const results: Results = {
    name: cfg.name,
    top_level_set: top === 'targets' ? 'test: held-out targets' : 'validation: held-out targets',
    models,
    comparisons: comparisons(dir, EVAL_SETS),
    ...(chosen ? { rl_choice: chosen.choice, rl_choice_validation: chosen.validation } : {}),
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

/** Says when a set holds fewer distinct problems than the config asks: all that exist for the task. */
function reportSetSizes(cfg: RunConfig, data: RunData, obs: RunObserver): void {
  const test = !cfg.eval.validationOnly; // a validation-only run holds no test problems, by design
  const asked: Array<[string, number, number, boolean]> = [
    ['test (held-out targets)', data.test.length, cfg.data.test, test],
    [
      'test (held-out inputs)',
      data.testInputs.length,
      cfg.data.testInputs,
      test && cfg.countdown.heldOutInputFraction > 0,
    ],
    [
      'validation (held-out targets)',
      data.valid.length,
      cfg.data.valid,
      cfg.countdown.validationFraction > 0,
    ],
    [
      'validation (held-out inputs)',
      data.validInputs.length,
      cfg.data.validInputs,
      cfg.countdown.validationFraction > 0 && cfg.countdown.heldOutInputFraction > 0,
    ],
  ];
  for (const [name, got, want, held] of asked) {
    if (held && got < want)
      obs.log(`${name}: ${got} distinct problems, all that exist for this task (the config asks ${want})`);
  }
}

/** results.json has each model key at the top level, as its contract says. */
function flatten(r: Results): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.models));
}
