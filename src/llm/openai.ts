/**
 * LMBackend over OpenAI-compatible HTTP servers: vLLM, SGLang, llama.cpp's server, Ollama, OpenAI itself and
 * `metacot serve`. One backend may spread requests over several endpoints serving the same model.
 *
 * ```ts
 * const lm = new OpenAIBackend({ endpoints: ['http://127.0.0.1:8000/v1'], model: 'qwen', mode: 'chat' });
 * const r = await lm.complete({ messages: [{ role: 'user', content: '2+2?' }], maxTokens: 64, n: 4 });
 * lm.usage(); // { requests, retries, promptTokens, completionTokens, ... }
 * ```
 *
 * - At most `concurrency` requests are in flight in total; each goes to the endpoint with the fewest in flight
 *   (round robin among ties), skipping one that just failed for a short, growing cool-down.
 * - 408/409/425/429/5xx, timeouts and connection errors are retried (exponential backoff with full jitter, or
 *   the server's Retry-After) up to `maxRetries` times, each retry on the then least-loaded endpoint. Other
 *   4xx answers are the caller's mistake and fail at once with the server's message.
 * - A server that returns fewer than `n` choices (Ollama, some llama.cpp builds ignore `n`) is asked again
 *   for the rest, with `seed + k` so a seeded call stays reproducible.
 */

import type {
  ChatMessage,
  Completion,
  CompletionRequest,
  CompletionResult,
  LMBackend,
  ScoreResult,
} from './backend.js';
import { LMRequestError } from './errors.js';
import {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
} from './retry.js';
import { Semaphore } from './semaphore.js';
import { validateRequest } from './validate.js';

export interface OpenAIBackendOptions {
  /** Base URLs including the version prefix, e.g. `http://127.0.0.1:8000/v1`. All serve the same model. */
  endpoints: string[];
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** `completions` posts raw prompts to /completions; `chat` posts messages to /chat/completions. */
  mode?: 'completions' | 'chat';
  /** Requests in flight at once, over all endpoints (default 16). */
  concurrency?: number;
  /** Limit for one HTTP attempt, in ms (default 300000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  backoff?: Partial<BackoffOptions>;
  /** Extra JSON fields for every request body, e.g. `{ top_k: 20 }` for vLLM. */
  extraBody?: Record<string, unknown>;
}

/** Running totals since the backend was made. */
export interface UsageTotals {
  /** Calls of complete() that succeeded. */
  requests: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  retries: number;
  /** Calls of complete() that failed for good. */
  failures: number;
  promptTokens: number;
  completionTokens: number;
}

interface Endpoint {
  url: string;
  inflight: number;
  /** Consecutive failed attempts; reset by a success. */
  failures: number;
  /** While now < coolUntil the endpoint is picked only if every endpoint is cooling down. */
  coolUntil: number;
}

/** One parsed HTTP answer. */
interface Answer {
  completions: Completion[];
  promptTokens: number;
  completionTokens: number;
}

const COOL_BASE_MS = 250;
const COOL_MAX_MS = 10_000;

export class OpenAIBackend implements LMBackend {
  readonly name: string;
  /** forwarded as top_k, min_p, repetition_penalty (vLLM's names) */
  readonly knobs = ['topK', 'minP', 'repetitionPenalty'] as const;
  readonly model: string;
  readonly mode: 'completions' | 'chat';
  readonly #endpoints: Endpoint[];
  readonly #apiKey: string | undefined;
  readonly #limit: Semaphore;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoff: BackoffOptions;
  readonly #extraBody: Record<string, unknown>;
  #rr = 0;
  readonly #usage: UsageTotals = {
    requests: 0,
    attempts: 0,
    retries: 0,
    failures: 0,
    promptTokens: 0,
    completionTokens: 0,
  };

  constructor(o: OpenAIBackendOptions) {
    if (!Array.isArray(o.endpoints) || o.endpoints.length === 0)
      throw new LMRequestError('openai backend: give at least one endpoint URL', undefined, false);
    this.#endpoints = o.endpoints.map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new LMRequestError(
          `openai backend: endpoint ${JSON.stringify(raw)} is not a URL`,
          undefined,
          false,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new LMRequestError(`openai backend: endpoint ${raw} must be http(s)`, undefined, false);
      return { url: raw.replace(/\/+$/, ''), inflight: 0, failures: 0, coolUntil: 0 };
    });
    if (typeof o.model !== 'string' || o.model === '')
      throw new LMRequestError('openai backend: model must be a non-empty string', undefined, false);
    this.model = o.model;
    this.mode = o.mode ?? 'completions';
    this.#apiKey = o.apiKey;
    const concurrency = o.concurrency ?? 16;
    const timeoutMs = o.timeoutMs ?? 300_000;
    const maxRetries = o.maxRetries ?? 4;
    for (const [k, v, min] of [
      ['concurrency', concurrency, 1],
      ['timeoutMs', timeoutMs, 1],
      ['maxRetries', maxRetries, 0],
    ] as const)
      if (!Number.isInteger(v) || v < min)
        throw new LMRequestError(
          `openai backend: ${k} must be an integer >= ${min}, got ${v}`,
          undefined,
          false,
        );
    this.#limit = new Semaphore(concurrency);
    this.#timeoutMs = timeoutMs;
    this.#maxRetries = maxRetries;
    this.#backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    this.#extraBody = o.extraBody ?? {};
    this.name = `openai:${this.#endpoints.map((e) => e.url).join(',')} model=${this.model} mode=${this.mode}`;
  }

  /** Totals so far (a copy). */
  usage(): UsageTotals {
    return { ...this.#usage };
  }

  /** Requests currently in flight per endpoint URL (for monitoring and tests). */
  inflight(): Record<string, number> {
    return Object.fromEntries(this.#endpoints.map((e) => [e.url, e.inflight]));
  }

  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
    validateRequest(request, this.knobs);
    const n = request.n ?? 1;
    const completions: Completion[] = [];
    let promptTokens = 0;
    let completionTokens = 0;
    try {
      while (completions.length < n) {
        const k = completions.length;
        const body = this.#body(request, n - k, request.seed === undefined ? undefined : request.seed + k);
        const path = this.mode === 'chat' ? '/chat/completions' : '/completions';
        const answer = await this.#limit.run(() =>
          this.#post(path, body, (text, url) => this.#parse(text, url), signal),
        );
        if (answer.completions.length === 0)
          throw new LMRequestError(`${this.name}: the server returned no choices`, undefined, false);
        completions.push(...answer.completions.slice(0, n - k));
        // Prompt tokens are counted once: a follow-up request for missing choices re-reads the same prompt.
        if (k === 0) promptTokens = answer.promptTokens;
        completionTokens += answer.completionTokens;
      }
    } catch (err) {
      this.#usage.failures++;
      throw err;
    }
    this.#usage.requests++;
    this.#usage.promptTokens += promptTokens;
    this.#usage.completionTokens += completionTokens;
    return { completions, promptTokens, completionTokens };
  }

  /**
   * Teacher-forced log-probabilities of `continuation` after `prompt`, through the completions endpoint with
   * `echo` (vLLM, OpenAI's legacy completions, `metacot serve`): the server returns the logprob of every token
   * of prompt + continuation, and the tokens starting at or after the prompt's end are the continuation's.
   * A token that straddles the boundary (a BPE merge across it) counts as the continuation's first token.
   * One extra token is generated and ignored, since some servers refuse max_tokens 0.
   */
  async score(prompt: string, continuation: string, signal?: AbortSignal): Promise<ScoreResult> {
    if (this.mode !== 'completions')
      throw new LMRequestError(`${this.name}: score() needs mode 'completions' (echo)`, undefined, false);
    const text = prompt + continuation;
    const body = {
      ...this.#extraBody,
      model: this.model,
      prompt: text,
      max_tokens: 1,
      echo: true,
      logprobs: 1,
      temperature: 0,
    };
    const parse = (raw: string, url: string): ScoreResult & { promptTokens: number } => {
      let json: {
        choices?: Array<{
          logprobs?: { tokens?: string[]; token_logprobs?: Array<number | null>; text_offset?: number[] };
        }>;
        usage?: { prompt_tokens?: number };
      };
      try {
        json = JSON.parse(raw);
      } catch {
        throw new LMRequestError(`${url}: the server's answer is not JSON: ${raw.slice(0, 200)}`, 200, false);
      }
      const lp = json.choices?.[0]?.logprobs;
      if (!lp?.token_logprobs || !lp.text_offset || lp.text_offset.length !== lp.token_logprobs.length)
        throw new LMRequestError(
          `${url}: no echoed token_logprobs/text_offset: the server cannot score`,
          200,
          false,
        );
      const logprobs: number[] = [];
      const tokenTexts: string[] = [];
      const offsets = lp.text_offset;
      offsets.forEach((at, i) => {
        const end = offsets[i + 1] ?? Number.POSITIVE_INFINITY;
        // continuation tokens start inside it, or straddle the boundary; the generated token starts at its end
        const inside = at >= prompt.length && at < text.length;
        const straddles = at < prompt.length && end > prompt.length;
        if (!inside && !straddles) return;
        const v = lp.token_logprobs![i];
        if (v === null || v === undefined)
          throw new LMRequestError(
            `${url}: no logprob for the first token; score with a non-empty prompt`,
            200,
            false,
          );
        logprobs.push(v);
        tokenTexts.push(lp.tokens?.[i] ?? '');
      });
      return {
        logprobs,
        total: logprobs.reduce((a, b) => a + b, 0),
        tokenTexts,
        promptTokens: json.usage?.prompt_tokens ?? 0,
      };
    };
    if (continuation === '') return { logprobs: [], total: 0 };
    const r = await this.#limit.run(() => this.#post('/completions', body, parse, signal));
    this.#usage.requests++;
    this.#usage.promptTokens += r.promptTokens;
    return { logprobs: r.logprobs, total: r.total, tokenTexts: r.tokenTexts };
  }

  #body(r: CompletionRequest, n: number, seed: number | undefined): Record<string, unknown> {
    const body: Record<string, unknown> = { model: this.model, max_tokens: r.maxTokens, n };
    if (this.mode === 'chat') {
      const messages: ChatMessage[] = r.messages ?? [{ role: 'user', content: r.prompt! }];
      body.messages = messages;
      if (r.logprobs) body.logprobs = true;
    } else {
      if (r.messages !== undefined)
        throw new LMRequestError(
          `${this.name}: chat messages need mode 'chat' (the completions endpoint takes a raw prompt)`,
          undefined,
          false,
        );
      body.prompt = r.prompt;
      if (r.logprobs) body.logprobs = 1;
    }
    if (r.temperature !== undefined) body.temperature = r.temperature;
    if (r.topP !== undefined) body.top_p = r.topP;
    // vLLM's, SGLang's and llama.cpp's names; a server without them refuses the request (4xx), never ignores it
    if (r.topK !== undefined) body.top_k = r.topK;
    if (r.minP !== undefined) body.min_p = r.minP;
    if (r.repetitionPenalty !== undefined) body.repetition_penalty = r.repetitionPenalty;
    if (r.stop !== undefined && r.stop.length > 0) body.stop = r.stop;
    if (seed !== undefined) body.seed = seed;
    return { ...this.#extraBody, ...body };
  }

  /** Least in flight among endpoints not cooling down (all of them if all are); round robin among ties. */
  #pick(): Endpoint {
    const now = Date.now();
    const eps = this.#endpoints;
    const healthy = eps.filter((e) => e.coolUntil <= now);
    const pool = healthy.length > 0 ? healthy : eps;
    const least = Math.min(...pool.map((e) => e.inflight));
    const start = this.#rr++ % eps.length;
    for (let i = 0; i < eps.length; i++) {
      const e = eps[(start + i) % eps.length];
      if (pool.includes(e) && e.inflight === least) return e;
    }
    return pool[0];
  }

  /** POSTs with retries to the least-loaded endpoint; `parse` turns a 2xx body into the result. */
  async #post<T>(
    path: string,
    body: Record<string, unknown>,
    parse: (text: string, url: string) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    const payload = JSON.stringify(body);
    let last = '';
    let lastStatus: number | undefined;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const ep = this.#pick();
      ep.inflight++;
      this.#usage.attempts++;
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let retryAfter: number | undefined;
      try {
        const res = await fetch(ep.url + path, { method: 'POST', headers, body: payload, signal: both });
        const text = await res.text();
        if (res.ok) {
          const answer = parse(text, ep.url);
          ep.failures = 0;
          ep.coolUntil = 0;
          return answer;
        }
        const message = `${ep.url}${path}: HTTP ${res.status}: ${serverMessage(text)}`;
        if (!isRetryableStatus(res.status)) throw new LMRequestError(message, res.status, false);
        last = message;
        lastStatus = res.status;
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof LMRequestError) throw err;
        lastStatus = undefined;
        last = timeout.aborted
          ? `${ep.url}${path}: no answer within ${this.#timeoutMs} ms`
          : `${ep.url}${path}: ${networkMessage(err)}`;
      } finally {
        ep.inflight--;
      }
      ep.failures++;
      ep.coolUntil = Date.now() + Math.min(COOL_MAX_MS, COOL_BASE_MS * 2 ** (ep.failures - 1));
      if (attempt >= this.#maxRetries)
        throw new LMRequestError(`${last} (gave up after ${attempt + 1} attempts)`, lastStatus, true);
      this.#usage.retries++;
      await sleep(backoffDelay(attempt, retryAfter, this.#backoff), signal);
    }
  }

  #parse(text: string, url: string): Answer {
    let json: {
      choices?: Array<{
        index?: number;
        text?: string;
        message?: { content?: string | null };
        finish_reason?: string | null;
        logprobs?: {
          tokens?: string[];
          token_logprobs?: Array<number | null>;
          content?: Array<{ token?: string; logprob: number }>;
        } | null;
      }>;
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    try {
      json = JSON.parse(text);
    } catch {
      throw new LMRequestError(`${url}: the server's answer is not JSON: ${text.slice(0, 200)}`, 200, false);
    }
    if (!Array.isArray(json.choices))
      throw new LMRequestError(`${url}: the server's answer has no "choices" array`, 200, false);
    const choices = [...json.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const completionTokens = json.usage?.completion_tokens ?? 0;
    const texts = choices.map((c) => (this.mode === 'chat' ? (c.message?.content ?? '') : (c.text ?? '')));
    const totalChars = texts.reduce((a, t) => a + t.length, 0);
    const completions = choices.map((c, i): Completion => {
      const lp =
        this.mode === 'chat'
          ? c.logprobs?.content?.map((t) => t.logprob)
          : c.logprobs?.token_logprobs?.map((x) => x ?? 0);
      const tokenTexts =
        this.mode === 'chat' ? c.logprobs?.content?.map((t) => t.token ?? '') : c.logprobs?.tokens;
      // Servers report completion tokens for all choices together. Exact per choice when logprobs came back
      // (one per token), exact for a single choice, else the total split in proportion to text length.
      const tokens =
        lp !== undefined
          ? lp.length
          : choices.length === 1
            ? completionTokens
            : totalChars === 0
              ? Math.round(completionTokens / choices.length)
              : Math.round((completionTokens * texts[i].length) / totalChars);
      return {
        text: texts[i],
        finishReason: c.finish_reason === 'length' ? 'length' : 'stop',
        tokens,
        ...(lp !== undefined ? { logprobs: lp } : {}),
        ...(tokenTexts !== undefined && tokenTexts.length === lp?.length ? { tokenTexts } : {}),
      };
    });
    return { completions, promptTokens: json.usage?.prompt_tokens ?? 0, completionTokens };
  }
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text);
    const m =
      j?.error?.message ?? j?.message ?? j?.detail ?? (typeof j?.error === 'string' ? j.error : undefined);
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: show the raw start below
  }
  return text.slice(0, 300) || '(empty body)';
}

/** undici reports connection failures as TypeError('fetch failed') with the system error as `cause`. */
function networkMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e.message ?? err);
}

/** Asks an endpoint which models it serves (GET /models); the first is the usual default. */
export async function listModels(endpoint: string, apiKey?: string, timeoutMs = 10_000): Promise<string[]> {
  const url = `${endpoint.replace(/\/+$/, '')}/models`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new LMRequestError(`${url}: ${networkMessage(err)}`, undefined, true);
  }
  const text = await res.text();
  if (!res.ok)
    throw new LMRequestError(`${url}: HTTP ${res.status}: ${serverMessage(text)}`, res.status, false);
  try {
    const ids = (JSON.parse(text).data as Array<{ id: string }>).map((m) => m.id);
    if (ids.every((id) => typeof id === 'string')) return ids;
  } catch {
    // fall through to the error below
  }
  throw new LMRequestError(`${url}: expected {"data": [{"id": ...}]}`, res.status, false);
}
