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
 * learning rate is constant).
 * `threads` and `name` are left out too: they change speed and labels, not results.
 */
export function stageInputs(cfg: RunConfig): (name: string) => string {
  // Meta-RL's own targets change only what STaR and RL sample, not the data or SFT.
  // Held-out inputs enter the fingerprints only when the task holds some out, so runs from before the
  // option keep theirs; their count changes the data file and the evaluations, never the train split.
  const { metaRlTargets, testInputs, ...dataCfg } = cfg.data;
  const { heldOutInputFraction, ...countdown } = cfg.countdown;
  const inputsHeld = heldOutInputFraction > 0;
  const train = fingerprint(cfg.seed, inputsHeld ? cfg.countdown : countdown, dataCfg);
  const data = inputsHeld ? fingerprint(train, testInputs) : train;
  const sft = (key: string) => fingerprint(train, key, cfg.model, cfg.sft);
  // Tools enter only when the run uses some, so runs from before the option keep their fingerprints.
  const tools = cfg.tools.length > 0 ? [cfg.tools] : [];
  const evalOf = (upstream: string) =>
    fingerprint(upstream, cfg.eval, ...(inputsHeld ? [testInputs] : []), ...tools);
  const { iterations: _s, enabled: _se, ...star } = cfg.star;
  const { iterations: _r, enabled: _re, steps, ...rlOwn } = cfg.rl;
  // Steps enter only when above 1, so runs from before the option keep their fingerprints.
  const rl = steps > 1 ? { ...rlOwn, steps } : rlOwn;
  const chain = (name: string): string => {
    const [kind, k] = name.split('_');
    if (name === 'data') return data;
    if (kind === 'sft') return sft(k);
    if (kind === 'eval') return evalOf(sft(k));
    const n = Number(k);
    const prev = n === 1 ? evalOf(sft('metacot')) : chain(`${kind}_${n - 1}`);
    // Added with the option, and only when set, so runs from before keep their fingerprints.
    const own = metaRlTargets ? [metaRlTargets] : [];
    return fingerprint(prev, kind === 'star' ? star : rl, cfg.eval, ...own);
  };
  return chain;
}

/** A model's predictions on one test set: the contract's predictions/<key>.jsonl is held-out targets. */
export function predictionFile(key: string, set: 'targets' | 'inputs'): string {
  return set === 'targets' ? `predictions/${key}.jsonl` : `predictions/test-inputs/${key}.jsonl`;
}

export function predictionFiles(key: string): string[] {
  return (['targets', 'inputs'] as const).flatMap((set) => {
    const file = predictionFile(key, set);
    return [file, `${file}.partial`];
  });
}

/** The last meta-RL iteration's predictions under the model's own name, for each test set it has. */
export function copyPredictions(dir: string, from: string, to: string, withInputs: boolean): void {
  for (const set of withInputs ? (['targets', 'inputs'] as const) : (['targets'] as const)) {
    copyFileSync(join(dir, predictionFile(from, set)), join(dir, predictionFile(to, set)));
  }
}
