/**
 * `iterate/state.json`: the config the run was started with and, per round, each finished phase (search →
 * export → train) with what it produced. Written atomically after every phase, so a killed `metacot iterate`
 * continues at the phase where it stopped. A resume with another config is refused naming the field, except
 * for what does not decide the data already produced: `rounds` (run more rounds), `train` and `server` (fix a
 * path, change the GPU count) and `search.concurrency`. Each round records the training command it ran.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../core/errors.js';
import { canonicalJson } from '../reasoning/store.js';
import type { IterateConfig } from './config.js';

export const STATE_FORMAT = 'metacot.iterate-state';

export interface RoundMetrics {
  round: number;
  /** The checkpoint searched with. */
  policy: string;
  problems: number;
  solved: number;
  solve_rate: number;
  /** Problems the server refused for good (stored with an error). */
  errors: number;
  nodes: number;
  /** Prompt + completion tokens of every model call of the round's search. */
  tokens: number;
  /** SFT examples exported (one per solved problem). */
  kept: number;
  /** false when nothing was kept: the next round searches with the same policy. */
  trained: boolean;
  /** What the next round serves. */
  checkpoint: string;
  server_restarts: number;
  /** Wall seconds of each phase, in the run that finished it (a resumed phase counts from the resume). */
  seconds: { search: number; export: number; train: number };
}

export interface RoundState {
  round: number;
  policy: string;
  server_restarts: number;
  search?: {
    problems: number;
    solved: number;
    errors: number;
    nodes: number;
    tokens: number;
    seconds: number;
  };
  export?: { kept: number; data: string | null; seconds: number };
  /** `command`: the training command as run (null when nothing was kept). */
  train?: { trained: boolean; checkpoint: string; command: string | null; seconds: number };
  metrics?: RoundMetrics;
}

export interface IterateState {
  format: typeof STATE_FORMAT;
  version: 1;
  config: IterateConfig;
  rounds: RoundState[];
}

export class StateFile {
  constructor(
    readonly file: string,
    readonly state: IterateState,
  ) {}

  /** Opens the state in `file`, or starts one; refuses a config that differs in anything but `rounds`. */
  static open(file: string, config: IterateConfig): StateFile {
    if (!existsSync(file))
      return new StateFile(file, { format: STATE_FORMAT, version: 1, config, rounds: [] });
    let state: IterateState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError(`${file}: not JSON (${(err as Error).message})`);
    }
    if (state.format !== STATE_FORMAT) throw new UserError(`${file}: not a metacot iterate state`);
    const diff = configDiff(state.config, config);
    if (diff !== null)
      throw new UserError(
        `${file}: this work dir was started with another config (${diff}); use another --work dir`,
      );
    state.config = config;
    return new StateFile(file, state);
  }

  round(k: number, policy: string): RoundState {
    let r = this.state.rounds.find((x) => x.round === k);
    if (!r) {
      r = { round: k, policy, server_restarts: 0 };
      this.state.rounds.push(r);
      this.save();
    }
    return r;
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}

/** Fields that may change between runs on one work dir (see above). */
const MUTABLE = new Set(['rounds', 'train', 'server', 'search.concurrency']);

/** The first differing field (dotted path), ignoring the mutable ones; null when equal. */
export function configDiff(stored: unknown, given: unknown, path = ''): string | null {
  if (MUTABLE.has(path)) return null;
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(stored) && isObj(given)) {
    for (const k of [...new Set([...Object.keys(stored), ...Object.keys(given)])].sort()) {
      const d = configDiff(stored[k], given[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  const a = canonicalJson(stored);
  const b = canonicalJson(given);
  return a === b ? null : `${path || '(top level)'}: started with ${a ?? 'none'}, now ${b ?? 'none'}`;
}
