/**
 * `metacot iterate`: Meta-STaR rounds with any trainer. Round k searches with the current policy (served at
 * an endpoint), keeps the verified trees, linearizes and exports them, runs the user's training command, and
 * serves the new checkpoint in round k+1. Work dir:
 *
 *   <work>/state.json  <work>/metrics.json  <work>/children.json
 *   <work>/round-<k>/{search.sqlite, server.log, records.jsonl, sft.jsonl|sft.parquet, train.log,
 *                     checkpoint/ (the default {out}), metrics.json}
 *
 * Every phase is recorded in state.json when done, so the same command continues a killed run at the phase
 * where it stopped (the search itself resumes through its store; the trainer is rerun and resumes itself).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadProblems, type MathProblem } from '../reasoning/problems.js';
import type { RunProgress } from '../reasoning/run.js';
import type { IterateConfig } from './config.js';
import { exportPhase } from './export-phase.js';
import { roundMetrics, writeJsonAtomic } from './metrics.js';
import { ChildRegistry, lockWorkDir } from './processes.js';
import { searchPhase, searchRunConfig } from './search-phase.js';
import { type RoundMetrics, StateFile } from './state.js';
import { trainPhase } from './train-phase.js';

export interface IterateOptions {
  config: IterateConfig;
  work: string;
  /** Defaults to `<work>/children.json`; the CLI passes its own to stop children on SIGINT/SIGTERM. */
  children?: ChildRegistry;
  log?: (line: string) => void;
  onSearchProgress?: (round: number, p: RunProgress) => void;
}

const since = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;

export async function runIterate(o: IterateOptions): Promise<RoundMetrics[]> {
  const cfg = o.config;
  const work = resolve(o.work);
  // bad input fails before anything is created or started
  const problems = await loadProblems(cfg.problems);
  searchRunConfig(cfg.search, 1);
  const unlock = lockWorkDir(join(work, 'lock.json'));
  try {
    return await rounds(o, cfg, work, problems);
  } finally {
    unlock();
  }
}

async function rounds(
  o: IterateOptions,
  cfg: IterateConfig,
  work: string,
  problems: MathProblem[],
): Promise<RoundMetrics[]> {
  const log = o.log ?? (() => {});
  const state = StateFile.open(join(work, 'state.json'), cfg);
  const children = o.children ?? new ChildRegistry(join(work, 'children.json'));
  const reaped = await children.reapLeftovers(cfg.server.stopTimeout * 1000);
  if (reaped.length > 0) log(`stopped what an interrupted run left running: ${reaped.join(', ')}`);

  for (let k = 1; k <= cfg.rounds; k++) {
    const policy =
      k === 1 ? basePolicy(cfg) : state.state.rounds.find((r) => r.round === k - 1)!.train!.checkpoint;
    const existed = state.state.rounds.some((x) => x.round === k);
    const r = state.round(k, policy);
    if (r.metrics) continue;
    const roundDir = join(work, `round-${k}`);
    mkdirSync(roundDir, { recursive: true });
    const vars = { round: k, round_dir: roundDir, work };
    if (existed) log(`round ${k}: resuming at ${r.search ? (r.export ? 'train' : 'export') : 'search'}`);

    if (!r.search) {
      const t0 = Date.now();
      log(`round ${k}: search with ${policy}`);
      const p = await searchPhase({
        cfg,
        round: k,
        roundDir,
        policy,
        problems,
        vars,
        children,
        restartsSoFar: r.server_restarts,
        onRestart: (count, reason) => {
          r.server_restarts = count;
          state.save();
          log(`round ${k}: endpoint failed (${reason}); recovering (${count}/${cfg.server.maxRestarts})`);
        },
        onProgress: (p) => o.onSearchProgress?.(k, p),
      });
      r.search = {
        problems: p.total,
        solved: p.solved,
        errors: p.errors,
        nodes: p.nodes,
        tokens: p.tokens,
        seconds: since(t0),
      };
      state.save();
      log(`round ${k}: solved ${p.solved}/${p.total}, ${p.tokens} tokens`);
    }

    if (!r.export) {
      const t0 = Date.now();
      const e = await exportPhase(roundDir, cfg.export);
      r.export = { ...e, seconds: since(t0) };
      state.save();
      log(`round ${k}: kept ${e.kept} SFT examples${e.data ? ` → ${e.data}` : ''}`);
    }

    if (!r.train) {
      const t0 = Date.now();
      if (r.export.data === null) {
        log(`round ${k}: nothing kept; the next round searches with the same policy`);
        r.train = { trained: false, checkpoint: policy, command: null, seconds: 0 };
      } else {
        log(`round ${k}: training (log: ${join(roundDir, 'train.log')})`);
        const t = await trainPhase({
          cfg,
          roundDir,
          vars: {
            ...vars,
            data: r.export.data,
            init: policy,
            base: basePolicy(cfg),
            out: join(roundDir, 'checkpoint'),
          },
          children,
        });
        r.train = {
          trained: true,
          checkpoint: resolve(t.checkpoint),
          command: t.command,
          seconds: since(t0),
        };
      }
      state.save();
    }

    r.metrics = roundMetrics(r);
    writeJsonAtomic(join(roundDir, 'metrics.json'), r.metrics);
    state.save();
    writeJsonAtomic(join(work, 'metrics.json'), metricsOf(state));
  }
  return metricsOf(state).filter((m) => m.round <= cfg.rounds);
}

/** A local path made absolute (commands may run elsewhere); anything else, e.g. a hub id, as given. */
function basePolicy(cfg: IterateConfig): string {
  return existsSync(cfg.policy) ? resolve(cfg.policy) : cfg.policy;
}

function metricsOf(state: StateFile): RoundMetrics[] {
  return state.state.rounds.flatMap((r) => (r.metrics ? [r.metrics] : []));
}
