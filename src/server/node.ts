/** Node http listener around the Web-standard reward handler. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PoolOptions, VerifierPool } from '../verify/pool.js';
import { readLimited } from './read-limited.js';
import { DEFAULT_MAX_BODY_BYTES, type RewardServerOptions, rewardHandler } from './reward.js';

export interface StartOptions extends Partial<RewardServerOptions> {
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
  await pool.ready();
  const handle = rewardHandler(pool, { token: opts.token, maxBodyBytes });
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const body = hasBody ? await readLimited(req, maxBodyBytes) : undefined;
      if (body === null) {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: `request body over ${maxBodyBytes} bytes` }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: hasBody ? body : undefined,
      });
      const response = await handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `internal error: ${(err as Error).message}` }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 5000, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
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
