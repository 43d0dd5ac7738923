/**
 * OpenAIBackend against real local HTTP servers that misbehave on purpose: rate limits with Retry-After,
 * 500s, hangs past the timeout, connection resets, 400s that must not be retried, and two servers to balance.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LMRequestError } from './errors.js';
import { OpenAIBackend } from './openai.js';
import { backoffDelay, parseRetryAfter } from './retry.js';
import { parseBackendSpec } from './spec.js';

// biome-ignore lint/suspicious/noExplicitAny: request bodies are whatever the client sent; tests read fields
type Json = any;
type Handler = (req: IncomingMessage, res: ServerResponse, body: Json, hit: number) => void;

interface TestServer {
  url: string;
  server: Server;
  hits: number;
  bodies: Json[];
  inflight: number;
  maxInflight: number;
  handler: Handler;
}

const ok =
  (text = 'ok', delayMs = 0): Handler =>
  (_req, res, body) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: Array.from({ length: body.n ?? 1 }, (_, i) => ({ index: i, text, finish_reason: 'stop' })),
          usage: { prompt_tokens: 3, completion_tokens: 2 * (body.n ?? 1) },
        }),
      );
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };

async function startServer(): Promise<TestServer> {
  const t: TestServer = {
    url: '',
    server: undefined as unknown as Server,
    hits: 0,
    bodies: [],
    inflight: 0,
    maxInflight: 0,
    handler: ok(),
  };
  t.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const hit = t.hits++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      t.bodies.push({ path: req.url, auth: req.headers.authorization, ...body });
      t.inflight++;
      t.maxInflight = Math.max(t.maxInflight, t.inflight);
      // counted down when the answer is handed over, not on 'close' (which can fire after the client, already
      // holding the answer, has sent its next request), or on close for answers never sent
      let counted = true;
      const release = () => {
        if (counted) t.inflight--;
        counted = false;
      };
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        release();
        return end(...args);
      }) as typeof res.end;
      res.on('close', release);
      t.handler(req, res, body, hit);
    });
  });
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}/v1`;
  return t;
}

function reset(t: TestServer, handler: Handler): void {
  Object.assign(t, { hits: 0, bodies: [], inflight: 0, maxInflight: 0, handler });
}

// Fresh servers for every test: a keep-alive socket to a server an earlier test left behind could fail once,
// and the retry it causes would change the counts a test checks.
let a: TestServer;
let b: TestServer;
beforeEach(async () => {
  [a, b] = await Promise.all([startServer(), startServer()]);
});
afterEach(async () => {
  for (const t of [a, b]) {
    // a hung test response must not keep the server from closing
    t.server.closeAllConnections();
    await new Promise<void>((r) => t.server.close(() => r()));
  }
});

const prompt = { prompt: 'Q: 1+1=', maxTokens: 4 };

describe('OpenAIBackend retries', () => {
  it('waits exactly as long as Retry-After says on 429, then succeeds', async () => {
    reset(a, (req, res, body, hit) => {
      if (hit === 0) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"error":{"message":"slow down"}}');
      } else ok()(req, res, body, hit);
    });
    // A tiny backoff base: only the server's Retry-After can explain a wait of a second.
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', backoff: { baseMs: 1 } });
    const t0 = performance.now();
    const r = await lm.complete(prompt);
    const waited = performance.now() - t0;
    expect(r.completions[0].text).toBe('ok');
    expect(a.hits).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(3000);
    expect(lm.usage()).toMatchObject({ requests: 1, attempts: 2, retries: 1, failures: 0 });
  });

  it('retries 500s with backoff and gives up after maxRetries with a retryable error', async () => {
    reset(a, (req, res, body, hit) => {
      if (hit < 2) {
        res.writeHead(500);
        res.end('boom');
      } else ok()(req, res, body, hit);
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', backoff: { baseMs: 5 } });
    expect((await lm.complete(prompt)).completions).toHaveLength(1);
    expect(a.hits).toBe(3);

    reset(a, (_req, res) => {
      res.writeHead(503);
      res.end('{"error":{"message":"overloaded"}}');
    });
    const lm2 = new OpenAIBackend({ endpoints: [a.url], model: 'm', maxRetries: 2, backoff: { baseMs: 5 } });
    const err = await lm2.complete(prompt).catch((e) => e);
    expect(err).toBeInstanceOf(LMRequestError);
    expect(err.message).toMatch(/HTTP 503: overloaded \(gave up after 3 attempts\)/);
    expect(err.retryable).toBe(true);
    expect(a.hits).toBe(3);
    expect(lm2.usage()).toMatchObject({ failures: 1, requests: 0 });
  });

  it('abandons an attempt that hangs past timeoutMs and retries it', async () => {
    reset(a, (req, res, body, hit) => {
      if (hit === 0) return; // never answers
      ok('late')(req, res, body, hit);
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', timeoutMs: 300, backoff: { baseMs: 1 } });
    const t0 = performance.now();
    const r = await lm.complete(prompt);
    expect(r.completions[0].text).toBe('late');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(a.hits).toBe(2);

    reset(a, () => {});
    const lm2 = new OpenAIBackend({ endpoints: [a.url], model: 'm', timeoutMs: 100, maxRetries: 1 });
    await expect(lm2.complete(prompt)).rejects.toThrow(
      /no answer within 100 ms \(gave up after 2 attempts\)/,
    );
  });

  it('retries a connection reset', async () => {
    reset(a, (req, res, body, hit) => {
      if (hit === 0) req.socket.destroy();
      else ok('after reset')(req, res, body, hit);
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', backoff: { baseMs: 1 } });
    expect((await lm.complete(prompt)).completions[0].text).toBe('after reset');
    expect(a.hits).toBe(2);
  });

  it('does not retry a 400 and reports the server message', async () => {
    reset(a, (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: 'max_tokens must be at most 2048', type: 'invalid_request_error' },
        }),
      );
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', backoff: { baseMs: 1 } });
    const err = await lm.complete(prompt).catch((e) => e);
    expect(err).toBeInstanceOf(LMRequestError);
    expect(err.message).toBe(`${a.url}/completions: HTTP 400: max_tokens must be at most 2048`);
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(a.hits).toBe(1);
  });

  it('rejects at once when the caller aborts, even during backoff', async () => {
    reset(a, (_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const lm = new OpenAIBackend({
      endpoints: [a.url],
      model: 'm',
      backoff: { baseMs: 10_000, maxMs: 10_000 },
    });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('cancelled by caller')), 150);
    const t0 = performance.now();
    await expect(lm.complete(prompt, ctl.signal)).rejects.toThrow('cancelled by caller');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('OpenAIBackend load balancing', () => {
  it('spreads concurrent requests evenly over two servers and respects the concurrency limit', async () => {
    a.handler = ok('a', 150);
    b.handler = ok('b', 150);
    const lm = new OpenAIBackend({ endpoints: [a.url, b.url], model: 'm', concurrency: 4, maxRetries: 0 });
    const rs = await Promise.all(Array.from({ length: 12 }, () => lm.complete(prompt)));
    // least in flight: with 4 slots and 2 servers neither ever holds more than 2; which one a freed slot
    // goes to depends on which finished first, so the totals are only near-even
    expect(a.maxInflight).toBe(2);
    expect(b.maxInflight).toBe(2);
    expect(a.hits + b.hits).toBe(12);
    expect(Math.min(a.hits, b.hits)).toBeGreaterThanOrEqual(4);
    expect(rs.filter((r) => r.completions[0].text === 'a')).toHaveLength(a.hits);
    expect(lm.usage()).toMatchObject({ requests: 12, retries: 0, promptTokens: 36, completionTokens: 24 });
  });

  it('sends new work to the less loaded server', async () => {
    a.handler = ok('a', 600); // slow
    b.handler = ok('b', 20); // fast
    const lm = new OpenAIBackend({ endpoints: [a.url, b.url], model: 'm', concurrency: 2, maxRetries: 0 });
    const rs = await Promise.all(Array.from({ length: 8 }, () => lm.complete(prompt)));
    // a holds one slow request while b turns over the rest
    expect(a.hits).toBe(1);
    expect(rs.filter((r) => r.completions[0].text === 'b')).toHaveLength(7);
  });

  it('routes around a dead endpoint', async () => {
    const dead = await startServer();
    const deadUrl = dead.url;
    await new Promise<void>((r) => dead.server.close(() => r()));
    a.handler = ok('alive');
    const lm = new OpenAIBackend({ endpoints: [deadUrl, a.url], model: 'm', backoff: { baseMs: 1 } });
    const rs = await Promise.all(Array.from({ length: 6 }, () => lm.complete(prompt)));
    expect(rs.every((r) => r.completions[0].text === 'alive')).toBe(true);
    // the 6 start together, so round robin sends 3 to the dead one before anything has failed...
    expect(lm.usage().retries).toBe(3);
    // ...which then cools down instead of taking half of the next requests
    for (let i = 0; i < 4; i++) await lm.complete(prompt);
    expect(lm.usage().retries).toBe(3);
  });
});

describe('OpenAIBackend requests and answers', () => {
  it('sends the OpenAI completion fields and the API key, and reads logprobs', async () => {
    reset(a, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [
            { index: 1, text: 'yy', finish_reason: 'length', logprobs: { token_logprobs: [-1, -2] } },
            { index: 0, text: 'x', finish_reason: 'stop', logprobs: { token_logprobs: [-0.5] } },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 3 },
        }),
      );
    });
    const lm = new OpenAIBackend({ endpoints: [`${a.url}/`], model: 'tiny', apiKey: 'sk-test' });
    const r = await lm.complete({
      ...prompt,
      n: 2,
      temperature: 0.5,
      topP: 0.9,
      stop: ['\n'],
      seed: 7,
      logprobs: true,
    });
    expect(a.bodies[0]).toEqual({
      path: '/v1/completions',
      auth: 'Bearer sk-test',
      model: 'tiny',
      prompt: 'Q: 1+1=',
      max_tokens: 4,
      n: 2,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['\n'],
      seed: 7,
      logprobs: 1,
    });
    expect(r).toEqual({
      completions: [
        { text: 'x', finishReason: 'stop', tokens: 1, logprobs: [-0.5] },
        { text: 'yy', finishReason: 'length', tokens: 2, logprobs: [-1, -2] },
      ],
      promptTokens: 5,
      completionTokens: 3,
    });
  });

  it('speaks chat completions', async () => {
    reset(a, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: '4' },
              finish_reason: 'stop',
              logprobs: { content: [{ token: '4', logprob: -0.1 }] },
            },
          ],
          usage: { prompt_tokens: 9, completion_tokens: 1 },
        }),
      );
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm', mode: 'chat' });
    const r = await lm.complete({
      messages: [{ role: 'user', content: '2+2?' }],
      maxTokens: 8,
      logprobs: true,
    });
    expect(a.bodies[0]).toMatchObject({
      path: '/v1/chat/completions',
      messages: [{ role: 'user', content: '2+2?' }],
      logprobs: true,
    });
    expect(r.completions).toEqual([
      { text: '4', finishReason: 'stop', tokens: 1, logprobs: [-0.1], tokenTexts: ['4'] },
    ]);
  });

  it('asks again for the rest when a server ignores n, with seed + k', async () => {
    reset(a, (_req, res, body, hit) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ index: 0, text: `s${body.seed}-${hit}`, finish_reason: 'stop' }],
          usage: { prompt_tokens: 2, completion_tokens: 1 },
        }),
      );
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm' });
    const r = await lm.complete({ ...prompt, n: 3, seed: 10 });
    expect(r.completions.map((c) => c.text)).toEqual(['s10-0', 's11-1', 's12-2']);
    expect(a.bodies.map((x) => x.n)).toEqual([3, 2, 1]);
    expect(r).toMatchObject({ promptTokens: 2, completionTokens: 3 });
  });

  it('scores a continuation from echoed logprobs, counting a token across the boundary as the continuation', async () => {
    reset(a, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // prompt "ab" + continuation "cd" tokenized a|bc|d, then one generated token at offset 4
      res.end(
        JSON.stringify({
          choices: [
            {
              index: 0,
              text: 'abcd!',
              logprobs: {
                tokens: ['a', 'bc', 'd', '!'],
                token_logprobs: [null, -1, -2, -3],
                text_offset: [0, 1, 3, 4],
              },
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 1 },
        }),
      );
    });
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm' });
    expect(await lm.score('ab', 'cd')).toEqual({ logprobs: [-1, -2], total: -3, tokenTexts: ['bc', 'd'] });
    expect(a.bodies[0]).toMatchObject({ prompt: 'abcd', echo: true, logprobs: 1, max_tokens: 1 });
    await expect(lm.score('', 'ab')).rejects.toThrow(/no logprob for the first token/);
    const chat = new OpenAIBackend({ endpoints: [a.url], model: 'm', mode: 'chat' });
    await expect(chat.score('a', 'b')).rejects.toThrow(/needs mode 'completions'/);
  });

  it('refuses bad requests before sending them', async () => {
    reset(a, ok());
    const lm = new OpenAIBackend({ endpoints: [a.url], model: 'm' });
    await expect(lm.complete({ maxTokens: 3 })).rejects.toThrow('prompt/messages exactly one must be set');
    await expect(lm.complete({ ...prompt, topP: 0 })).rejects.toThrow(/topP must be in \(0, 1\]/);
    await expect(lm.complete({ messages: [{ role: 'user', content: 'x' }], maxTokens: 3 })).rejects.toThrow(
      /need mode 'chat'/,
    );
    expect(a.hits).toBe(0);
    expect(() => new OpenAIBackend({ endpoints: ['ftp://x'], model: 'm' })).toThrow(/must be http/);
  });
});

describe('retry policy and specs', () => {
  it('reads Retry-After as seconds or a date, and jitters below the exponential ceiling', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(backoffDelay(3, undefined, { baseMs: 100, maxMs: 10_000 }, () => 0.999)).toBe(799);
    expect(backoffDelay(20, undefined, { baseMs: 100, maxMs: 10_000 }, () => 1)).toBe(10_000);
    expect(backoffDelay(0, 60_000, { baseMs: 100, maxMs: 5000 })).toBe(5000);
  });

  it('parses backend specs and rejects unknown options', () => {
    expect(parseBackendSpec('openai:http://a/v1,http://b/v1#model=q&mode=chat')).toEqual({
      kind: 'openai',
      location: 'http://a/v1,http://b/v1',
      options: { model: 'q', mode: 'chat' },
    });
    expect(parseBackendSpec('http://x:8000/v1').kind).toBe('openai');
    expect(parseBackendSpec('m/tiny.gguf#threads=1')).toEqual({
      kind: 'gguf',
      location: 'm/tiny.gguf',
      options: { threads: '1' },
    });
    expect(parseBackendSpec('engine:runs/x/models/metacot').kind).toBe('engine');
    expect(parseBackendSpec('runs/x').kind).toBe('engine');
    expect(() => parseBackendSpec('openai:http://a/v1#modle=q')).toThrow(/unknown option 'modle'/);
    expect(() => parseBackendSpec('vllm:http://a')).toThrow(/unknown kind/);
  });
});
