/**
 * An OpenAI-compatible API over any LMBackend, as a handler from (method, path, headers, body) to a Web Response:
 * GET /v1/models, POST /v1/completions, POST /v1/chat/completions (no streaming), and GET /health (no token).
 *
 * Requests are checked field by field and refused with OpenAI's error shape
 * `{"error": {"message", "type", "param", "code"}}`: 400 for bad fields, 401 without the bearer token,
 * 404 for unknown paths or models, 405 for wrong methods, 413 over the body limit (listen.ts enforces it
 * while reading). Sampling knobs we cannot honour (penalties, logit_bias, streaming, best_of) are refused
 * rather than silently ignored, so a client never gets results that quietly differ from what it asked for.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import type { ChatMessage, Completion, CompletionRequest, LMBackend } from '../backend.js';
import { LMRequestError } from '../errors.js';

export interface ServeOptions {
  /** The id /v1/models lists and requests may name. */
  modelId: string;
  /** Require `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Largest `max_tokens` a request may ask for. */
  maxTokensLimit: number;
  /** Largest `n` (times the number of prompts) per request. */
  maxN: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export function errorResponse(
  status: number,
  message: string,
  param: string | null = null,
  type?: string,
  code?: string | null,
): Response {
  const t = type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return json(status, { error: { message, type: t, param, code: code ?? null } });
}

function tokenMatches(header: string | null, token: string): boolean {
  const got = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const want = Buffer.from(token);
  // compare equal-length buffers so the time taken says nothing about how much of the token matched
  return got.length === want.length && timingSafeEqual(got, want);
}

type Body = Record<string, unknown>;

const num = (b: Body, k: string, lo: number, hi: number, int = false): number | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
    throw new ApiError(
      400,
      `'${k}' must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
      k,
    );
  return v;
};

function unsupported(b: Body): void {
  for (const k of ['presence_penalty', 'frequency_penalty'])
    if (b[k] !== undefined && b[k] !== null && b[k] !== 0)
      throw new ApiError(400, `'${k}' is not supported`, k);
  if (b.logit_bias !== undefined && b.logit_bias !== null && Object.keys(b.logit_bias as object).length > 0)
    throw new ApiError(400, "'logit_bias' is not supported", 'logit_bias');
  if (b.stream === true)
    throw new ApiError(400, 'streaming is not supported: send "stream": false', 'stream');
  if (b.best_of !== undefined && b.best_of !== null && b.best_of !== 1 && b.best_of !== b.n)
    throw new ApiError(400, "'best_of' is not supported", 'best_of');
  if (b.tools !== undefined || b.functions !== undefined)
    throw new ApiError(400, 'tool calls are not supported', 'tools');
}

function stopOf(b: Body): string[] | undefined {
  const s = b.stop;
  if (s === undefined || s === null) return undefined;
  const list = typeof s === 'string' ? [s] : s;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '') || list.length > 16)
    throw new ApiError(400, "'stop' must be a non-empty string or an array of up to 16 of them", 'stop');
  return list as string[];
}

function common(
  b: Body,
  o: ServeOptions,
  maxTokensDefault: number,
): Omit<CompletionRequest, 'prompt' | 'messages'> {
  unsupported(b);
  if (b.model !== undefined && b.model !== o.modelId)
    throw new ApiError(
      404,
      `model '${String(b.model)}' does not exist; this server serves '${o.modelId}'`,
      'model',
      'invalid_request_error',
      'model_not_found',
    );
  const maxTokens =
    num(b, 'max_tokens', 0, o.maxTokensLimit, true) ??
    num(b, 'max_completion_tokens', 0, o.maxTokensLimit, true) ??
    Math.min(maxTokensDefault, o.maxTokensLimit);
  return {
    maxTokens,
    n: num(b, 'n', 1, o.maxN, true) ?? 1,
    temperature: num(b, 'temperature', 0, 2),
    topP: (() => {
      const p = num(b, 'top_p', 0, 1);
      if (p === 0) throw new ApiError(400, "'top_p' must be in (0, 1]", 'top_p');
      return p;
    })(),
    stop: stopOf(b),
    seed: num(b, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
  };
}

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

async function completions(b: Body, lm: LMBackend, o: ServeOptions, signal: AbortSignal): Promise<Response> {
  const req = common(b, o, 16);
  const prompts = typeof b.prompt === 'string' ? [b.prompt] : b.prompt;
  if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => typeof p === 'string'))
    throw new ApiError(
      400,
      "'prompt' must be a string or a non-empty array of strings (token ids are not accepted)",
      'prompt',
    );
  if (prompts.length * (req.n ?? 1) > o.maxN)
    throw new ApiError(
      400,
      `prompts × n = ${prompts.length * (req.n ?? 1)} exceeds this server's limit of ${o.maxN}`,
      'n',
    );
  const lp = b.logprobs;
  if (
    lp !== undefined &&
    lp !== null &&
    (typeof lp !== 'number' || !Number.isInteger(lp) || lp < 0 || lp > 5)
  )
    throw new ApiError(400, "'logprobs' must be an integer in [0, 5]", 'logprobs');
  if (typeof lp === 'number' && lp > 1)
    throw new ApiError(400, "'logprobs' above 1 (top alternatives) is not supported", 'logprobs');
  const want = typeof lp === 'number';
  const echo = b.echo === true;
  if (echo && !lm.score) throw new ApiError(400, "'echo' is not supported by this model's backend", 'echo');
  const choices: unknown[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  for (const prompt of prompts as string[]) {
    const r = await lm.complete({ ...req, prompt, logprobs: want }, signal);
    promptTokens += r.promptTokens;
    completionTokens += r.completionTokens;
    // echo: the prompt's own tokens and log-probabilities (each given the ones before it, after <bos>) go first,
    // which is how clients score text through a completions endpoint
    const echoed = echo ? await lm.score!('', prompt, signal) : undefined;
    for (const c of r.completions)
      choices.push({
        index: choices.length,
        text: echoed ? prompt + c.text : c.text,
        finish_reason: c.finishReason,
        logprobs: want
          ? completionLogprobs(
              echoed
                ? {
                    ...c,
                    logprobs: [...echoed.logprobs, ...(c.logprobs ?? [])],
                    tokenTexts: [...(echoed.tokenTexts ?? []), ...(c.tokenTexts ?? [])],
                  }
                : c,
            )
          : null,
      });
  }
  return json(200, {
    id: `cmpl-${randomUUID()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: o.modelId,
    choices,
    usage: usage(promptTokens, completionTokens),
  });
}

function completionLogprobs(c: Completion) {
  const texts = c.tokenTexts ?? [];
  const offsets: number[] = [];
  let at = 0;
  for (const t of texts) {
    offsets.push(at);
    at += t.length;
  }
  return { tokens: texts, token_logprobs: c.logprobs ?? [], top_logprobs: null, text_offset: offsets };
}

function messagesOf(b: Body): ChatMessage[] {
  const m = b.messages;
  if (!Array.isArray(m) || m.length === 0)
    throw new ApiError(400, "'messages' must be a non-empty array", 'messages');
  return m.map((x, i) => {
    const role = x?.role === 'developer' ? 'system' : x?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant')
      throw new ApiError(
        400,
        `messages[${i}].role must be system, developer, user or assistant`,
        `messages[${i}].role`,
      );
    let content = x.content;
    // content parts: only text parts can reach a text model
    if (Array.isArray(content)) {
      if (!content.every((p) => p?.type === 'text' && typeof p.text === 'string'))
        throw new ApiError(
          400,
          `messages[${i}].content: only text parts are supported`,
          `messages[${i}].content`,
        );
      content = content.map((p: { text: string }) => p.text).join('');
    }
    if (typeof content !== 'string')
      throw new ApiError(400, `messages[${i}].content must be a string`, `messages[${i}].content`);
    return { role, content };
  });
}

async function chat(b: Body, lm: LMBackend, o: ServeOptions, signal: AbortSignal): Promise<Response> {
  const req = common(b, o, o.maxTokensLimit);
  const messages = messagesOf(b);
  if (b.logprobs !== undefined && b.logprobs !== null && typeof b.logprobs !== 'boolean')
    throw new ApiError(400, "'logprobs' must be a boolean", 'logprobs');
  if (typeof b.top_logprobs === 'number' && b.top_logprobs > 0)
    throw new ApiError(400, "'top_logprobs' is not supported", 'top_logprobs');
  const want = b.logprobs === true;
  const r = await lm.complete({ ...req, messages, logprobs: want }, signal);
  return json(200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: o.modelId,
    choices: r.completions.map((c, index) => ({
      index,
      message: { role: 'assistant', content: c.text },
      finish_reason: c.finishReason,
      logprobs: want
        ? {
            content: (c.logprobs ?? []).map((logprob, k) => ({
              token: c.tokenTexts?.[k] ?? '',
              logprob,
              bytes: null,
              top_logprobs: [],
            })),
          }
        : null,
    })),
    usage: usage(r.promptTokens, r.completionTokens),
  });
}

/** The API as a fetch-style handler. `body` is the already size-checked request body. */
export function openaiHandler(lm: LMBackend, o: ServeOptions) {
  return async (
    method: string,
    path: string,
    headers: Headers,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<Response> => {
    try {
      // liveness for orchestrators (vLLM and SGLang answer the same path); says nothing about the model
      if (method === 'GET' && path === '/health') return json(200, { status: 'ok' });
      if (o.token !== undefined && !tokenMatches(headers.get('authorization'), o.token))
        return errorResponse(
          401,
          'missing or wrong API key: send "Authorization: Bearer <token>"',
          null,
          'invalid_request_error',
          'invalid_api_key',
        );
      const route = path.replace(/\?.*$/, '').replace(/\/+$/, '');
      const routes: Record<string, string> = {
        '/v1/models': 'GET',
        '/v1/completions': 'POST',
        '/v1/chat/completions': 'POST',
      };
      if (!(route in routes)) return errorResponse(404, `no route ${method} ${route}`);
      if (method !== routes[route])
        return errorResponse(405, `${route} takes ${routes[route]}, not ${method}`);
      if (route === '/v1/models')
        return json(200, {
          object: 'list',
          data: [{ id: o.modelId, object: 'model', created: 0, owned_by: 'metacot' }],
        });
      let parsed: unknown;
      try {
        parsed = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
      } catch (err) {
        throw new ApiError(400, `the body is not valid JSON: ${(err as Error).message}`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new ApiError(400, 'the body must be a JSON object');
      return route === '/v1/completions'
        ? await completions(parsed as Body, lm, o, signal)
        : await chat(parsed as Body, lm, o, signal);
    } catch (err) {
      if (err instanceof ApiError)
        return errorResponse(err.status, err.message, err.param, err.type, err.code);
      // an upstream server's failure (when serving an openai: backend) is not the client's mistake
      if (err instanceof LMRequestError && (err.retryable || (err.status ?? 0) >= 500))
        return errorResponse(502, `upstream: ${err.message}`);
      // the backend's own input checks (prompt longer than the context, ...) are the client's mistake
      if (err instanceof UserError) return errorResponse(400, err.message);
      return errorResponse(500, `internal error: ${(err as Error).message}`);
    }
  };
}
