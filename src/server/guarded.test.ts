/**
 * Time limits of the HTTP servers (`serve`, `serve-reward`), in-process over real sockets: a slowloris that sends
 * its headers a byte at a time, or a connection that sends nothing, is cut after the headers timeout instead of
 * holding a connection for good.
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, dribble } from '../../test/servers/raw.js';
import type { LMBackend } from '../llm/backend.js';
import { type RunningLMServer, startLMServer } from '../llm/serve/listen.js';
import { type RunningServer, startRewardServer } from './node.js';

const idle: LMBackend = {
  name: 'idle',
  complete: async () => ({ completions: [], promptTokens: 0, completionTokens: 0 }),
};
let reward: RunningServer;
let lm: RunningLMServer;
let defaults: RunningServer;
const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  reward = await startRewardServer({ port: 0, headersTimeoutMs: 1000, pool: { size: 1, symbolic: false } });
  lm = await startLMServer(idle, {
    port: 0,
    modelId: 'm',
    maxTokensLimit: 8,
    maxN: 1,
    maxBodyBytes: 1024,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
  });
  defaults = await startRewardServer({ port: 0, pool: { size: 1, symbolic: false } });
});
afterAll(async () => {
  await Promise.all([reward?.close(), lm?.close(), defaults?.close()]);
});

// 120 bytes at 100 ms: 12 s to send, if nobody cuts it
const SLOW_HEADERS = `GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(80)}\r\n\r\n`;

describe('slow clients', () => {
  it('cuts a client that dribbles its headers, on both HTTP servers', async () => {
    for (const url of [reward.url, lm.url]) {
      const r = await dribble(portOf(url), SLOW_HEADERS, 100);
      expect(r.cut).toBe(true);
      expect(r.afterMs).toBeLessThan(6000);
      expect(r.sent).toBeLessThan(SLOW_HEADERS.length);
    }
  });

  it('cuts a connection that never sends anything', async () => {
    const s = connect(portOf(reward.url), '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    const r = await collect(s, Date.now(), 8000);
    expect(r.closed).toBe(true);
  });

  it('cuts a client whose body never finishes arriving, after the request timeout', async () => {
    const s = connect(portOf(lm.url), '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"prompt":');
    const r = await collect(s, Date.now(), 8000);
    expect(r.closed).toBe(true);
  });

  it('applies limits by default (headers within 10 s, the whole request within 120 s)', () => {
    expect(defaults.server.headersTimeout).toBe(10_000);
    expect(defaults.server.requestTimeout).toBe(120_000);
  });
});
