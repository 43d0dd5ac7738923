/**
 * The Node HTTP listener for `metacot serve`, on the guarded listener (src/server/guarded.ts): auth, route and
 * declared size are answered before the body is read, bodies past the limit get 413, a client that goes away
 * aborts its backend call and nothing else.
 */
import type { Server } from 'node:http';
import { createGuardedServer, headersOf, type TimeLimits } from '../../server/guarded.js';
import { httpUrl, listenOn } from '../../server/listen.js';
import type { LMBackend } from '../backend.js';
import { errorResponse, openaiRoutes, type ServeOptions } from './handler.js';

export interface ListenOptions extends ServeOptions, TimeLimits {
  host?: string;
  port?: number;
  maxBodyBytes: number;
}

export interface RunningLMServer {
  /** Base URL including /v1, ready for OpenAIBackend. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startLMServer(lm: LMBackend, o: ListenOptions): Promise<RunningLMServer> {
  const routes = openaiRoutes(lm, o);
  const server = createGuardedServer(
    {
      maxBodyBytes: o.maxBodyBytes,
      preflight: (req) => routes.preflight(req.method ?? 'GET', req.url ?? '/', headersOf(req)),
      handle: (req, body, signal) => routes.answer(req.url ?? '/', body, signal),
      internalError: (message) => errorResponse(500, `internal error: ${message}`),
      tooLarge: (limit) => errorResponse(413, `request body over ${limit} bytes`),
    },
    o,
  );
  const addr = await listenOn(server, o.port ?? 8000, o.host ?? '127.0.0.1');
  return {
    url: `${httpUrl(addr)}/v1`,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
