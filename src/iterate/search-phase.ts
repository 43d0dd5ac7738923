/**
 * A round's search: `runSearch` (src/reasoning) against the policy's endpoint, into the round's SQLite store.
 * When the endpoint dies mid-round the search is not lost: the store keeps every finished problem and every
 * answered call, so iterate restarts the server (or, for an external one, waits `retryDelay`) and runs the
 * same search again, which replays the stored calls and goes on — up to `server.maxRestarts` times a round.
 */
import { join } from 'node:path';
import type { CompletionRequest, LMBackend } from '../llm/backend.js';
import { LMRequestError } from '../llm/errors.js';
import { backendFromSpec } from '../llm/spec.js';
import type { MathProblem } from '../reasoning/problems.js';
import { type RunProgress, runSearch, type SearchRunConfig } from '../reasoning/run.js';
import { parseSegmentation } from '../reasoning/segment.js';
import { SearchStore } from '../reasoning/store.js';
import { loadTemplate } from '../reasoning/template.js';
import type { IterateConfig } from './config.js';
import type { Child, ChildRegistry } from './processes.js';
import { type Endpoint, openEndpoint, reloadExternal, ServerExitedError } from './server.js';

/** The `metacot search` config of round k (seed + k − 1: each round draws fresh samples). */
export function searchRunConfig(s: IterateConfig['search'], round: number): SearchRunConfig {
  return {
    algorithm: s.algorithm,
    branching: s.branching,
    width: s.width,
    subtrees: s.subtrees,
    n: s.n,
    aggregate: s.aggregate,
    exploration: s.exploration,
    stopAtSolution: !s.keepSearching,
    value:
      s.value === 'prm'
        ? { kind: 'prm', url: s.prmUrl! }
        : s.value === 'judge'
          ? { kind: 'judge', samples: s.judgeSamples }
          : { kind: 'rollout', rollouts: s.rollouts, maxTokens: s.rolloutTokens },
    template: loadTemplate(s.template),
    segmentation: parseSegmentation(s.segment),
    temperature: s.temperature,
    maxStepTokens: s.maxStepTokens,
    maxSteps: s.maxSteps,
    budget: {
      ...(s.maxNodes !== undefined ? { maxNodes: s.maxNodes } : {}),
      ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
      ...(s.maxTime !== undefined ? { maxTimeMs: Math.round(s.maxTime * 1000) } : {}),
    },
    seed: s.seed + round - 1,
  };
}

/**
 * The backend, failing every call at once (retryable) when the server process exits, instead of letting
 * each call spend its HTTP retries against a port nobody listens on.
 */
function failFastOnExit(backend: LMBackend, child: Child): LMBackend {
  const stop = new AbortController();
  const died = () =>
    new LMRequestError(
      `model server exited (code ${child.exit?.code}, signal ${child.exit?.signal}) mid-search`,
      undefined,
      true,
    );
  void child.exited.then(() => stop.abort(died()));
  return {
    name: backend.name,
    complete: (request: CompletionRequest, signal?: AbortSignal) => {
      if (child.exit) return Promise.reject(died());
      return backend.complete(request, signal ? AbortSignal.any([signal, stop.signal]) : stop.signal);
    },
    close: () => backend.close?.() ?? Promise.resolve(),
  };
}

export interface SearchPhaseArgs {
  cfg: IterateConfig;
  round: number;
  roundDir: string;
  policy: string;
  problems: MathProblem[];
  vars: Record<string, string | number>;
  children: ChildRegistry;
  /** Called after each recovery, with the count so far (persisted by the caller). */
  onRestart: (count: number, reason: string) => void;
  restartsSoFar: number;
  onProgress?: (p: RunProgress) => void;
}

export async function searchPhase(a: SearchPhaseArgs): Promise<RunProgress> {
  const { cfg, roundDir } = a;
  const config = searchRunConfig(cfg.search, a.round);
  const serverLog = join(roundDir, 'server.log');
  let restarts = a.restartsSoFar;
  const store = SearchStore.open(join(roundDir, 'search.sqlite'));
  try {
    if (cfg.server.command === undefined)
      await reloadExternal(cfg.server, a.policy, a.vars, a.children, serverLog);
    for (;;) {
      let endpoint: Endpoint | undefined;
      let backend: LMBackend | undefined;
      try {
        endpoint = await openEndpoint(cfg.server, a.policy, a.vars, a.children, serverLog);
        const opts = new URLSearchParams({
          mode: cfg.server.mode,
          retries: String(cfg.server.retries),
          timeout_ms: String(cfg.server.timeoutMs),
          ...(cfg.server.model !== undefined ? { model: cfg.server.model } : {}),
        });
        backend = await backendFromSpec(`openai:${endpoint.url}#${opts}`);
        return await runSearch({
          config,
          problems: a.problems,
          store,
          backend: endpoint.child ? failFastOnExit(backend, endpoint.child) : backend,
          concurrency: cfg.search.concurrency,
          onProgress: a.onProgress,
        });
      } catch (err) {
        const died = endpoint?.child?.exit != null || err instanceof ServerExitedError;
        const transient = died || (err instanceof LMRequestError && err.retryable);
        if (!transient || restarts >= cfg.server.maxRestarts) throw err;
        restarts++;
        a.onRestart(restarts, (err as Error).message);
        // a managed server is restarted at once; an external one is given time to come back
        if (cfg.server.command === undefined)
          await new Promise((r) => setTimeout(r, cfg.server.retryDelay * 1000));
      } finally {
        await backend?.close?.();
        // the trainer may need the accelerator the server holds: never keep it past the search
        await endpoint?.child?.stop(cfg.server.stopTimeout * 1000);
      }
    }
  } finally {
    store.close();
  }
}
