/**
 * An OpenAI-compatible API over any LMBackend, as a handler from (method, path, headers, body) to a Web Response:
 * GET /v1/models, POST /v1/completions, POST /v1/chat/completions (no streaming), and GET /health (no token).
 *
 * Requests are checked field by field (fields.ts) and refused with OpenAI's error shape
 * `{"error": {"message", "type", "param", "code"}}`: 400 for bad, unknown or unhonoured fields, 401 without the
 * bearer token, 404 for unknown paths or models, 405 for wrong methods, 413 over the body limit (the listener
 * enforces it while reading). `openaiRoutes` splits the routes where the body is needed, so the listener answers
 * auth, route and method failures before reading a byte of the body.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import type { Completion, LMBackend } from '../backend.js';
import { LMRequestError } from '../errors.js';
import { ApiError, type Body, common, type FieldLimits, messagesOf } from './fields.js';

export interface ServeOptions extends FieldLimits {
  /** Require `Authorization: Bearer <token>` when set. */
  token?: string;
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

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

async function completions(b: Body, lm: LMBackend, o: ServeOptions, signal: AbortSignal): Promise<Response> {
  const req = common(b, 'completions', lm, o, 16);
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
  // the prompts run concurrently, so a backend that batches (our engine) samples them together; the first
  // failure stops the others
  const failed = new AbortController();
  const both = AbortSignal.any([signal, failed.signal]);
  const answers = await Promise.all(
    (prompts as string[]).map(async (prompt) => {
      try {
        const r = await lm.complete({ ...req, prompt, logprobs: want }, both);
        // echo: the prompt's own tokens and log-probabilities (each given the ones before it, after <bos>) go
        // first, which is how clients score text through a completions endpoint
        const echoed = echo ? await lm.score!('', prompt, both) : undefined;
        return { prompt, r, echoed };
      } catch (err) {
        failed.abort(err);
        throw err;
      }
    }),
  );
  const choices: unknown[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  for (const { prompt, r, echoed } of answers) {
    promptTokens += r.promptTokens;
    completionTokens += r.completionTokens;
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

async function chat(b: Body, lm: LMBackend, o: ServeOptions, signal: AbortSignal): Promise<Response> {
  const req = common(b, 'chat', lm, o, o.maxTokensLimit);
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

const ROUTES: Record<string, string> = {
  '/v1/models': 'GET',
  '/v1/completions': 'POST',
  '/v1/chat/completions': 'POST',
};

const routeOf = (path: string): string => path.replace(/\?.*$/, '').replace(/\/+$/, '');

/** Maps what went wrong in a request to its answer. */
function failure(err: unknown): Response {
  if (err instanceof ApiError) return errorResponse(err.status, err.message, err.param, err.type, err.code);
  // an upstream server's failure (when serving an openai: backend) is not the client's mistake
  if (err instanceof LMRequestError && (err.retryable || (err.status ?? 0) >= 500))
    return errorResponse(502, `upstream: ${err.message}`);
  // the backend's own input checks (prompt longer than the context, ...) are the client's mistake
  if (err instanceof UserError) return errorResponse(400, err.message);
  return errorResponse(500, `internal error: ${(err as Error).message}`);
}

export interface OpenAIRoutes {
  /** The answer that needs no body (health, auth, models, unknown route, wrong method), or null. */
  preflight(method: string, path: string, headers: Headers): Response | null;
  /** The answer to a POST to a completions route, with its size-checked body. */
  answer(path: string, body: Buffer | undefined, signal: AbortSignal): Promise<Response>;
}

export function openaiRoutes(lm: LMBackend, o: ServeOptions): OpenAIRoutes {
  return {
    preflight(method, path, headers) {
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
      const route = routeOf(path);
      if (!(route in ROUTES)) return errorResponse(404, `no route ${method} ${route}`);
      if (method !== ROUTES[route])
        return errorResponse(405, `${route} takes ${ROUTES[route]}, not ${method}`);
      if (route === '/v1/models')
        return json(200, {
          object: 'list',
          data: [{ id: o.modelId, object: 'model', created: 0, owned_by: 'metacot' }],
        });
      return null;
    },
    async answer(path, body, signal) {
      try {
        let parsed: unknown;
        try {
          parsed = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
        } catch (err) {
          throw new ApiError(400, `the body is not valid JSON: ${(err as Error).message}`);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new ApiError(400, 'the body must be a JSON object');
        return routeOf(path) === '/v1/completions'
          ? await completions(parsed as Body, lm, o, signal)
          : await chat(parsed as Body, lm, o, signal);
      } catch (err) {
        return failure(err);
      }
    },
  };
}

/** The API as a fetch-style handler. `body` is the already size-checked request body. */
export function openaiHandler(lm: LMBackend, o: ServeOptions) {
  const routes = openaiRoutes(lm, o);
  return async (
    method: string,
    path: string,
    headers: Headers,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<Response> => routes.preflight(method, path, headers) ?? routes.answer(path, body, signal);
}
