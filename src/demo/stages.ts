/**
 * Stage bookkeeping: what each stage of a run depends on (fingerprints, so an edited config redoes exactly
 * the stages it changes; state.ts records them), and where evaluation stages write their predictions.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfig, type RunConfig } from './config.js';
import { fingerprint, type RunState } from './state.js';

/**
 * Run folders from before stages recorded their inputs: the config they ran with is the folder's
 * config.json (written when the run started), so their fingerprints can be recomputed from it.
 */
export function backfillInputs(state: RunState, dir: string): void {
  const legacy = Object.entries(state.stages).filter(([, r]) => r.inputs === undefined);
  const file = join(dir, 'config.json');
  if (legacy.length === 0 || !existsSync(file)) return;
  let before: RunConfig;
  try {
    before = parseRunConfig(JSON.parse(readFileSync(file, 'utf8')), file);
  } catch {
    return; // unreadable: those stages stay as they are, counted as finished
  }
  const inputs = stageInputs(before);
  for (const [name, r] of legacy) state.record(name, r.seconds, r.result, inputs(name));
}

/**
 * What each stage's result depends on, as a fingerprint: its config sections and its upstream stage.
 * Iteration counts and on/off switches are left out, so raising `rl.iterations` extends a finished
 * run instead of redoing it (each iteration's result does not depend on how many follow: the RL
 * learning rate is constant after its warm-up).
 * `threads` and `name` are left out too: they change speed and labels, not results.
 */
export function stageInputs(cfg: RunConfig): (name: string) => string {
  // SFT depends on what makes the train split and the models, not on the held-out sets' sizes or on
  // meta-RL's own targets (which change only what STaR and RL sample).
  const { metaRlTargets, test, testInputs, valid, validInputs, ...trainData } = cfg.data;
  const train = fingerprint(cfg.seed, cfg.countdown, trainData);
  const data = fingerprint(train, test, testInputs, valid, validInputs);
  const sft = (key: string) => fingerprint(train, key, cfg.model, cfg.sft);
  // The resampling baseline's temperature is its stage's own input: changing it redoes only that stage.
  const { resampleTemperature, validationOnly, ...evalCfg } = cfg.eval;
  // A validation-only evaluation does less than a full one: a full run redoes it (and all after it).
  const evalOf = (upstream: string) =>
    fingerprint(upstream, data, evalCfg, cfg.tools, ...(validationOnly ? ['validation only'] : []));
  const { iterations: _s, enabled: _se, ...star } = cfg.star;
  const { iterations: _r, enabled: _re, ...rl } = cfg.rl;
  const chain = (name: string): string => {
    const [kind, k] = name.split('_');
    if (name === 'data') return data;
    if (kind === 'sft') return sft(k);
    if (kind === 'eval') return evalOf(sft(k));
    if (kind === 'resample') return fingerprint(evalOf(sft(k)), resampleTemperature, cfg.seed);
    const n = Number(k);
    const first =
      kind === 'rl' && cfg.rl.from === 'star' ? chain(`star_${cfg.star.iterations}`) : evalOf(sft('metacot'));
    const prev = n === 1 ? first : chain(`${kind}_${n - 1}`);
    return fingerprint(prev, kind === 'star' ? star : rl, evalCfg, metaRlTargets);
  };
  return chain;
}

/**
 * The sets a model is evaluated on: the two test sets (held-out targets, held-out inputs) and their
 * validation twins, disjoint from them. Choices are made on validation; test sets are read once.
 */
export type EvalSet = 'targets' | 'inputs' | 'valid' | 'valid-inputs';
export const EVAL_SETS: readonly EvalSet[] = ['valid', 'valid-inputs', 'targets', 'inputs'];

const FOLDERS: Record<EvalSet, string> = {
  targets: 'predictions',
  inputs: 'predictions/test-inputs',
  valid: 'predictions/valid',
  'valid-inputs': 'predictions/valid-inputs',
};

/** The folder of a set's predictions: the contract's predictions/ itself for held-out targets. */
export function predictionFolder(set: EvalSet): string {
  return FOLDERS[set];
}

/** Where a model's predictions on one set go: the contract's predictions/<key>.jsonl is held-out targets. */
export function predictionFile(key: string, set: EvalSet): string {
  return `${FOLDERS[set]}/${key}.jsonl`;
}

/** Every file an evaluation of `key` writes, partial ones included (a stage's outputs). */
export function predictionFiles(key: string): string[] {
  return EVAL_SETS.flatMap((set) => {
    const file = predictionFile(key, set);
    return [file, `${file}.partial`];
  });
}

/** The last meta-RL iteration's predictions under the model's own name, for each set it has. */
export function copyPredictions(dir: string, from: string, to: string): void {
  for (const set of EVAL_SETS) {
    const file = join(dir, predictionFile(from, set));
    if (existsSync(file)) copyFileSync(file, join(dir, predictionFile(to, set)));
  }
}
