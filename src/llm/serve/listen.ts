/**
 * The Node HTTP listener for `metacot serve`: reads bodies up to a limit (413 past it), passes them to the
 * handler, and aborts the backend call when the client goes away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readLimited } from '../../server/read-limited.js';
import type { LMBackend } from '../backend.js';
import { errorResponse, openaiHandler, type ServeOptions } from './handler.js';

export interface ListenOptions extends ServeOptions {
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
  const handle = openaiHandler(lm, o);
  const server = createServer(async (req, res) => {
    const ctl = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ctl.abort(new Error('client disconnected'));
    });
    let response: Response;
    const body =
      req.method === 'GET' || req.method === 'HEAD' ? undefined : await readLimited(req, o.maxBodyBytes);
    if (body === null) {
      response = errorResponse(413, `request body over ${o.maxBodyBytes} bytes`);
      res.setHeader('connection', 'close');
    } else {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      response = await handle(req.method ?? 'GET', req.url ?? '/', headers, body, ctl.signal);
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8000, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/v1`,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
