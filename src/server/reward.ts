/**
 * The reward server as a Web-standard handler: `fetch(Request) → Response`, so it runs under Node's listener
 * (node.ts) or any runtime with Request/Response. Verification goes through a VerifierPool, whose workers
 * bound concurrency and whose timeouts bound every check. The pool interleaves requests, so a small request is
 * answered while a large one runs. `rewardRoutes` splits the routes where the body is needed, so the Node listener
 * answers auth and size failures before reading an upload.
 */
import type { VerifierPool } from '../verify/pool.js';
import type { VerifyInput } from '../verify/verify.js';
import type { ErrorResponse, RewardResponse, VerifyResponse } from './protocol.js';

export interface RewardServerOptions {
  /** require `Authorization: Bearer <token>` when set */
  token?: string;
  /** largest accepted request body, in bytes */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Chat templates end responses with these; they are not part of the answer. */
const SPECIAL_TOKENS =
  /<\|(?:im_end|endoftext|eot_id|end_of_text|end|im_start|assistant)\|>|<\/s>|<eos>|<pad>/g;

class BadRequest extends Error {}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const fail = (status: number, error: string): Response => json(status, { error } satisfies ErrorResponse);

function stringArray(body: Record<string, unknown>, field: string, required: boolean): string[] | undefined {
  const v = body[field];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v)) throw new BadRequest(`field '${field}' must be an array of strings`);
  return v.map((x, k) => {
    if (typeof x === 'number' && Number.isFinite(x)) return String(x);
    if (typeof x !== 'string') throw new BadRequest(`field '${field}[${k}]' must be a string`);
    return x;
  });
}

/** The graded part of an OpenRLHF query: after the prompt, without chat-template tokens. */
export function responseOf(query: string, prompt: string | undefined): string {
  let r = query;
  if (prompt && r.startsWith(prompt)) r = r.slice(prompt.length);
  else if (prompt) {
    // templates may re-encode the prompt slightly: fall back to the text after the prompt's last line
    const tail = prompt.trimEnd().slice(-200);
    const k = tail ? r.lastIndexOf(tail) : -1;
    if (k >= 0) r = r.slice(k + tail.length);
  }
  return r.replace(SPECIAL_TOKENS, '');
}

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`invalid JSON: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('expected a JSON object');
  return body as Record<string, unknown>;
}

function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let k = 0; k < Math.max(a.length, b.length); k++)
    diff |= (a.charCodeAt(k) || 0) ^ (b.charCodeAt(k) || 0);
  return diff === 0;
}

export const tooLarge = (limit: number): Response => fail(413, `request body over ${limit} bytes`);
export const internalError = (message: string): Response => fail(500, `internal error: ${message}`);

/** The reward server's routes, split at the point where the body is needed. */
export interface RewardRoutes {
  /**
   * The answer that needs no body (health, auth, unknown route, wrong method, a declared size over the limit),
   * or null: so a listener can refuse before reading a byte of an upload.
   */
  preflight(method: string, url: string, headers: Headers): Response | null;
  /** The answer to a POST whose body is `text`. */
  answer(url: string, text: string): Promise<Response>;
}

const routePath = (url: string): string =>
  new URL(url, 'http://localhost').pathname.replace(/\/+$/, '') || '/';

export function rewardRoutes(pool: VerifierPool, opts: RewardServerOptions): RewardRoutes {
  return {
    preflight(method, url, headers) {
      const path = routePath(url);
      if (method === 'GET' && path === '/health') {
        return json(200, {
          ok: true,
          workers: pool.size,
          pending: pool.pending,
          timeouts: pool.timeouts,
          restarts: pool.restarts,
        });
      }
      if (opts.token !== undefined) {
        const auth = headers.get('authorization') ?? '';
        if (!constantTimeEqual(auth, `Bearer ${opts.token}`))
          return fail(401, 'missing or wrong bearer token');
      }
      const routes = ['/', '/get_reward', '/reward', '/verify'];
      if (!routes.includes(path))
        return fail(404, `no route ${path}; POST /get_reward (OpenRLHF) or /verify`);
      if (method !== 'POST') return fail(405, 'use POST');
      if (Number(headers.get('content-length') ?? '0') > opts.maxBodyBytes)
        return tooLarge(opts.maxBodyBytes);
      return null;
    },
    async answer(url, text) {
      try {
        return await answer(pool, routePath(url), parseBody(text));
      } catch (err) {
        if (err instanceof BadRequest) return fail(400, err.message);
        throw err;
      }
    },
  };
}

/** The whole server as a fetch-style handler (any runtime with Request/Response). */
export function rewardHandler(
  pool: VerifierPool,
  opts: RewardServerOptions,
): (req: Request) => Promise<Response> {
  const routes = rewardRoutes(pool, opts);
  return async (req) => {
    const early = routes.preflight(req.method, req.url, req.headers);
    if (early !== null) return early;
    const bytes = Buffer.from(await req.arrayBuffer());
    if (bytes.length > opts.maxBodyBytes) return tooLarge(opts.maxBodyBytes);
    return routes.answer(req.url, bytes.toString('utf8'));
  };
}

async function answer(pool: VerifierPool, path: string, body: Record<string, unknown>): Promise<Response> {
  if (path === '/verify') {
    const items = body.items;
    if (!Array.isArray(items)) throw new BadRequest("field 'items' must be an array of {gold, response}");
    const inputs: VerifyInput[] = items.map((x, k) => {
      const o = x as Record<string, unknown> | null;
      const gold = typeof o?.gold === 'number' ? String(o.gold) : o?.gold;
      if (typeof gold !== 'string' || typeof o?.response !== 'string') {
        throw new BadRequest(`items[${k}] needs string fields 'gold' and 'response'`);
      }
      return { gold, response: o.response };
    });
    return json(200, { results: await pool.verifyBatch(inputs) } satisfies VerifyResponse);
  }
  const query = stringArray(body, 'query', true)!;
  const labels = stringArray(body, 'labels', true)!;
  const prompts = stringArray(body, 'prompts', false);
  if (labels.length !== query.length) {
    throw new BadRequest(`'labels' has ${labels.length} entries, 'query' has ${query.length}`);
  }
  if (prompts && prompts.length !== query.length) {
    throw new BadRequest(`'prompts' has ${prompts.length} entries, 'query' has ${query.length}`);
  }
  const results = await pool.verifyBatch(
    query.map((q, k) => ({ gold: labels[k]!, response: responseOf(q, prompts?.[k]) })),
  );
  const rewards = results.map((r) => (r.correct ? 1 : 0));
  const flag = (reason: string): number[] => results.map((r) => (r.reason === reason ? 1 : 0));
  const out: RewardResponse = {
    rewards,
    scores: rewards,
    extra_logs: {
      correct: rewards,
      no_answer: flag('no_answer'),
      hedged: flag('hedged'),
      timeout: flag('timeout'),
    },
  };
  return json(200, out);
}
