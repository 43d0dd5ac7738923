/**
 * The OpenAI API in front of an OpenAIBackend (a proxy), in-process over real HTTP: upstream failures must reach
 * the client as 502, upstream refusals as the client's 400, and field checks must not reach the upstream at all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIBackend } from '../openai.js';
import { type RunningLMServer, startLMServer } from './listen.js';

let upstream: Server;
let upstreamUrl = '';
let hits = 0;
let proxy: RunningLMServer;
let deadProxy: RunningLMServer;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"upstream says no"}}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  const opts = { modelId: 'm', maxTokensLimit: 10, maxN: 2, maxBodyBytes: 4096, port: 0 };
  proxy = await startLMServer(
    new OpenAIBackend({ endpoints: [upstreamUrl], model: 'm', maxRetries: 0 }),
    opts,
  );
  // a port nothing listens on: connection refused
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  deadProxy = await startLMServer(
    new OpenAIBackend({ endpoints: [`http://127.0.0.1:${deadPort}/v1`], model: 'm', maxRetries: 0 }),
    opts,
  );
});

afterAll(async () => {
  await proxy.close();
  await deadProxy.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const post = async (base: string, body: unknown) => {
  const res = await fetch(`${base}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, error: ((await res.json()) as { error: { message: string } }).error };
};

describe('openaiHandler over an HTTP backend', () => {
  it('maps an unreachable upstream to 502 and an upstream 400 to 400', async () => {
    const dead = await post(deadProxy.url, { prompt: 'x', max_tokens: 2 });
    expect(dead.status).toBe(502);
    expect(dead.error.message).toMatch(/^upstream: .*ECONNREFUSED/);
    const refused = await post(proxy.url, { prompt: 'x', max_tokens: 2 });
    expect(refused.status).toBe(400);
    expect(refused.error.message).toMatch(/HTTP 400: upstream says no$/);
    expect(hits).toBe(1);
  });

  it('checks fields before calling the upstream', async () => {
    const before = hits;
    expect((await post(proxy.url, { prompt: 'x', max_tokens: 11 })).status).toBe(400);
    expect((await post(proxy.url, { prompt: ['a', 'b'], n: 2 })).error.message).toMatch(
      /prompts × n = 4 exceeds/,
    );
    expect((await post(proxy.url, { prompt: 'x', presence_penalty: 0.5 })).error.message).toMatch(
      /not supported/,
    );
    expect((await post(proxy.url, { prompt: [1, 2, 3] })).error.message).toMatch(
      /token ids are not accepted/,
    );
    expect(hits).toBe(before);
  });
});
