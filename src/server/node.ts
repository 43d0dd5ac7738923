/** Node http listener for the reward server (reward.ts), on the guarded listener (guarded.ts). */
import type { Server } from 'node:http';
import { type PoolOptions, VerifierPool } from '../verify/pool.js';
import { createGuardedServer, headersOf, type TimeLimits } from './guarded.js';
import { httpUrl, listenOn } from './listen.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  internalError,
  type RewardServerOptions,
  rewardRoutes,
  tooLarge,
} from './reward.js';

export interface StartOptions extends Partial<RewardServerOptions>, TimeLimits {
  host?: string;
  port?: number;
  pool?: PoolOptions;
}

export interface RunningServer {
  url: string;
  server: Server;
  pool: VerifierPool;
  close(): Promise<void>;
}

export async function startRewardServer(opts: StartOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const pool = new VerifierPool(opts.pool);
  const routes = rewardRoutes(pool, { token: opts.token, maxBodyBytes });
  const server = createGuardedServer(
    {
      maxBodyBytes,
      preflight: (req) => routes.preflight(req.method ?? 'GET', req.url ?? '/', headersOf(req)),
      handle: (req, body) => routes.answer(req.url ?? '/', (body ?? Buffer.alloc(0)).toString('utf8')),
      internalError,
      tooLarge,
    },
    opts,
  );
  let url: string;
  try {
    await pool.ready();
    url = httpUrl(await listenOn(server, opts.port ?? 5000, host));
  } catch (err) {
    await pool.close();
    throw err;
  }
  return {
    url,
    server,
    pool,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await pool.close();
    },
  };
}
