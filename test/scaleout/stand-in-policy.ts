/**
 * A stand-in for a vLLM policy server in tests: a real HTTP server on 127.0.0.1 that answers the OpenAI
 * `/v1/completions` route from a fixed table (problem text → completion texts) instead of a model, because no
 * model can run here. It records every request body, can hold answers until released (a trainer that
 * connects before any rollout exists), and can drop connections (an endpoint that dies mid-round).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInOptions {
  /** completions for a prompt containing the key; cycled to answer `n` */
  table: Record<string, string[]>;
  /** finish_reason per completion text (default 'stop') */
  finish?: Record<string, 'stop' | 'length'>;
}

export interface StandInPolicy {
  /** base URL with /v1 */
  url: string;
  requests: Record<string, unknown>[];
  /** the next `count` completion requests get their connection destroyed without an answer */
  dropNext(count: number): void;
  /** hold every answer until release() */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startStandInPolicy(opts: StandInOptions): Promise<StandInPolicy> {
  const requests: Record<string, unknown>[] = [];
  let drops = 0;
  let held: (() => void)[] | null = null;

  const answer = (body: Record<string, unknown>, res: ServerResponse): void => {
    const prompt = String(body.prompt ?? '');
    const key = Object.keys(opts.table).find((k) => prompt.includes(k));
    if (key === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'stand-in policy: prompt not in table' } }));
      return;
    }
    const texts = opts.table[key]!;
    const n = Number(body.n ?? 1);
    const choices = Array.from({ length: n }, (_, index) => {
      const text = texts[index % texts.length]!;
      return { index, text, finish_reason: opts.finish?.[text] ?? 'stop', logprobs: null };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `cmpl-${requests.length}`,
        object: 'text_completion',
        model: body.model,
        choices,
        usage: {
          prompt_tokens: prompt.length,
          completion_tokens: n * 8,
          total_tokens: prompt.length + n * 8,
        },
      }),
    );
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'stand-in', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/completions') {
        res.writeHead(404);
        res.end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push(body);
      if (drops > 0) {
        drops--;
        req.socket.destroy(); // the endpoint "dies": the client sees a reset, not an HTTP answer
        return;
      }
      if (held) held.push(() => answer(body, res));
      else answer(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    dropNext(count) {
      drops = count;
    },
    hold() {
      held ??= [];
    },
    release() {
      const pending = held ?? [];
      held = null;
      for (const go of pending) go();
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
