import type { Rng } from '../core/rng.js';
import type { LMBackend } from '../llm/backend.js';
import type { ValueFn } from '../search/mcts.js';
import type { LmDomain, LmState } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import { type PromptTemplate, renderRequest } from './template.js';

export type StateValue = ValueFn<MathProblem, LmState>;

/**
 * Remembers each state's value, so a state is scored once however often a search asks (MCTS asks
 * again on every revisit; terminal checks and expansions overlap). One cache per problem run.
 */
export function cachedValue(value: StateValue): StateValue {
  const cache = new Map<string, number>();
  return async (state, problem, rng) => {
    const key = JSON.stringify(state.steps);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = await value(state, problem, rng);
    cache.set(key, v);
    return v;
  };
}

export interface RolloutValueOptions {
  domain: LmDomain;
  backend: LMBackend;
  template: PromptTemplate;
  /** Completions per state, sampled in one call (the paper: 128). */
  rollouts: number;
  /** Token limit of one rollout (default 1024). */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
}

/**
 * The paper's Monte-Carlo value (Eq. 11): v(S_t) = mean verified reward of K completions of the
 * partial solution S_t. The K rollouts are one `complete` call with `n: K`. A terminal state is its
 * own verdict: 1 if its answer verifies, else 0.
 */
export function rolloutValue(o: RolloutValueOptions): StateValue {
  if (!(Number.isInteger(o.rollouts) && o.rollouts >= 1))
    throw new Error('rollouts must be a positive integer');
  return async (state, problem, rng: Rng) => {
    const { domain } = o;
    const text = domain.text(state);
    if (domain.isTerminal(state, problem)) return (await domain.check(problem.gold, text)) ? 1 : 0;
    const r = await o.backend.complete({
      ...renderRequest(o.template, problem.problem, state.steps, domain.segmenter),
      n: o.rollouts,
      maxTokens: o.maxTokens ?? 1024,
      temperature: o.temperature,
      topP: o.topP,
      seed: rng.nextUint32(),
    });
    domain.usage.add(r);
    let correct = 0;
    for (const c of r.completions) if (await domain.check(problem.gold, text + c.text)) correct++;
    return r.completions.length === 0 ? 0 : correct / r.completions.length;
  };
}

/**
 * A process reward model behind HTTP. Request: `POST url` with JSON
 * `{"problem": "<problem text>", "steps": ["<step 1>", ...]}`; response: `{"value": v}`, v in [0, 1],
 * the PRM's estimate that the partial solution leads to a correct answer.
 */
export function prmValue(url: string, opts: { timeoutMs?: number } = {}): StateValue {
  return async (state, problem) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ problem: problem.problem, steps: state.steps }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new Error(`PRM ${url}: ${(err as Error).message}`);
    }
    const body = await res.text();
    if (!res.ok) throw new Error(`PRM ${url}: HTTP ${res.status}: ${body.slice(0, 200)}`);
    let value: unknown;
    try {
      value = (JSON.parse(body) as { value?: unknown }).value;
    } catch {
      throw new Error(`PRM ${url}: response is not JSON: ${body.slice(0, 200)}`);
    }
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw new Error(`PRM ${url}: expected {"value": number in [0, 1]}, got ${body.slice(0, 200)}`);
    return value;
  };
}

export interface JudgeValueOptions {
  domain: LmDomain;
  backend: LMBackend;
  /** Judgements sampled per state in one call; the value is the share that say yes (default 8). */
  samples?: number;
  temperature?: number;
  /** `{problem}` and `{steps}` are replaced; the judge's first word is read as yes or no. */
  prompt?: string;
  /** Send the judge prompt as a user turn instead of a raw prompt. */
  chat?: boolean;
}

export const JUDGE_PROMPT =
  'Here is a problem and the first steps of a solution.\n\nProblem: {problem}\n\nSteps so far:\n{steps}\n\n' +
  'Are these steps correct and on track to the right final answer? Answer Yes or No.\nAnswer:';

/**
 * An LLM judge as a value: the share of sampled verdicts that begin with "yes". A generative
 * verifier needs no gold answer, so unlike rollouts it can also score problems without one.
 */
export function judgeValue(o: JudgeValueOptions): StateValue {
  const prompt = o.prompt ?? JUDGE_PROMPT;
  return async (state, problem, rng) => {
    const steps = state.steps.length > 0 ? o.domain.segmenter.join(state.steps).trimEnd() : '(none yet)';
    // One pass, so a problem that happens to contain "{steps}" is left as written.
    const filled = prompt.replace(/\{(problem|steps)\}/g, (_, k) =>
      k === 'problem' ? problem.problem : steps,
    );
    const r = await o.backend.complete({
      ...(o.chat ? { messages: [{ role: 'user' as const, content: filled }] } : { prompt: filled }),
      n: o.samples ?? 8,
      maxTokens: 4,
      temperature: o.temperature ?? 1,
      seed: rng.nextUint32(),
    });
    o.domain.usage.add(r);
    const yes = r.completions.filter((c) => /^\W*yes\b/i.test(c.text)).length;
    return r.completions.length === 0 ? 0 : yes / r.completions.length;
  };
}
