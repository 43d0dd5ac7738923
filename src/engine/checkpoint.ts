/**
 * Training checkpoints: a directory with
 *   model-<step>.safetensors      weights under their GGUF names (model-config.ts)
 *   optimizer-<step>.safetensors  AdamW moments as m.<name>, v.<name>
 *   trainer.json                  names those two files; model config, hyperparameters, step, and the
 *                                 caller's state (data position, loss history)
 * Files are written under temp names and renamed; trainer.json is renamed last and only then are older
 * steps' files deleted, so a run killed at any point leaves a complete checkpoint (the new or the old one).
 * What a kill leaves besides (`*.tmp-<pid>` of a writer that no longer runs) is removed by the next load or
 * save in that folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { removeStaleTempFiles, writeFileAtomic } from '../io/atomic-file.js';
import type { AdamWState } from './adamw.js';
import { type ModelConfig, parameterShapes, type Weights } from './model-config.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';
import { validateConfig } from './validate.js';

export const CHECKPOINT_VERSION = 1;

export interface CheckpointState<H = unknown, X = unknown> {
  cfg: ModelConfig;
  hyper: H;
  weights: Weights;
  optimizer: AdamWState;
  /** caller-owned JSON state (data position, losses, ...) */
  extra: X;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'trainer.json'));
}

export function saveCheckpoint<H, X>(dir: string, s: CheckpointState<H, X>): void {
  mkdirSync(dir, { recursive: true });
  removeStaleTempFiles(dir);
  const step = String(s.optimizer.step);
  const shapes = parameterShapes(s.cfg);
  const model = new Map<string, NamedTensor>();
  const opt = new Map<string, NamedTensor>();
  for (const { name, shape } of shapes) {
    model.set(name, { shape, data: s.weights.get(name)! });
    opt.set(`m.${name}`, { shape, data: s.optimizer.m.get(name)! });
    opt.set(`v.${name}`, { shape, data: s.optimizer.v.get(name)! });
  }
  const tag = step.padStart(8, '0');
  const files = { model: `model-${tag}.safetensors`, optimizer: `optimizer-${tag}.safetensors` };
  writeFileAtomic(join(dir, files.model), encodeSafetensors(model, { format: 'metacot', step }));
  writeFileAtomic(join(dir, files.optimizer), encodeSafetensors(opt, { format: 'metacot', step }));
  const json = {
    version: CHECKPOINT_VERSION,
    step: s.optimizer.step,
    files,
    config: s.cfg,
    hyper: s.hyper,
    extra: s.extra,
  };
  writeFileAtomic(join(dir, 'trainer.json'), `${JSON.stringify(json, null, 2)}\n`);
  const keep = new Set(Object.values(files));
  for (const f of readdirSync(dir))
    if (/^(model|optimizer)-\d+\.safetensors$/.test(f) && !keep.has(f)) rmSync(join(dir, f), { force: true });
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new UserError(`checkpoint file ${path} is missing or unreadable`);
  }
}

/** Loads a checkpoint; with `expect`, refuses one whose vocabulary or shape differs from that config. */
export function loadCheckpoint<H, X>(dir: string, expect?: Partial<ModelConfig>): CheckpointState<H, X> {
  const jsonPath = join(dir, 'trainer.json');
  removeStaleTempFiles(dir);
  let meta: {
    version?: number;
    step?: number;
    files?: { model: string; optimizer: string };
    config?: ModelConfig;
    hyper?: H;
    extra?: X;
  };
  try {
    meta = JSON.parse(readFile(jsonPath).toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${jsonPath}: corrupt checkpoint metadata (not JSON)`);
  }
  if (meta.version !== CHECKPOINT_VERSION || meta.config === undefined || typeof meta.step !== 'number')
    throw new UserError(`${jsonPath}: not a metacot checkpoint (version ${meta.version})`);
  const cfg = meta.config;
  validateConfig(cfg);
  if (expect !== undefined) {
    if (expect.vocabSize !== undefined && expect.vocabSize !== cfg.vocabSize)
      throw new UserError(
        `checkpoint ${dir} has a vocabulary of ${cfg.vocabSize} tokens, but ${expect.vocabSize} were expected`,
      );
    for (const [k, v] of Object.entries(expect))
      if (v !== undefined && cfg[k as keyof ModelConfig] !== v)
        throw new UserError(
          `checkpoint ${dir} has ${k} = ${cfg[k as keyof ModelConfig]}, but ${v} was expected`,
        );
  }
  const weights: Weights = new Map();
  const m: Weights = new Map();
  const v: Weights = new Map();
  const names = meta.files ?? { model: 'model.safetensors', optimizer: 'optimizer.safetensors' };
  if (![names.model, names.optimizer].every((f) => /^[\w.-]+\.safetensors$/.test(f)))
    throw new UserError(`${jsonPath}: corrupt checkpoint metadata (bad file names)`);
  const files = [names.model, names.optimizer].map((f) => {
    const path = join(dir, f);
    const st = decodeSafetensors(readFile(path), path);
    if (st.metadata.step !== String(meta.step))
      throw new UserError(
        `${path} is from step ${st.metadata.step}, trainer.json from step ${meta.step}; the checkpoint is inconsistent`,
      );
    return { path, tensors: st.tensors };
  });
  for (const { name, shape } of parameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const get = (i: number, key: string) => {
      const t = files[i].tensors.get(key);
      if (t === undefined || t.data.length !== n)
        throw new UserError(
          `${files[i].path}: tensor '${key}' is missing or has the wrong shape for this config`,
        );
      return t.data;
    };
    weights.set(name, get(0, name));
    m.set(name, get(1, `m.${name}`));
    v.set(name, get(1, `v.${name}`));
  }
  return {
    cfg,
    hyper: meta.hyper as H,
    weights,
    optimizer: { step: meta.step, m, v },
    extra: meta.extra as X,
  };
}
