/**
 * The HTTP listener under every metacot HTTP server (`serve`, `serve-reward`): it survives any client.
 *
 * - What can be answered from the headers alone (health, auth, route, method, a declared size over the limit) is
 *   answered before a byte of the body is read, and the connection is then closed (after a short lingering
 *   close, so a client still uploading reads the answer), so an unauthenticated 60 MB upload costs no memory.
 *   `Expect: 100-continue` clients are told before they send.
 * - Bodies are read up to the limit; past it the answer is 413 and the connection is closed.
 * - A client that hangs up mid-body or mid-answer ends only its own request: the handler's signal is aborted,
 *   and no path leaves a promise rejected (the process would exit on an unhandled rejection).
 * - Slow clients are cut: the headers must arrive within `headersTimeoutMs`, the whole request within
 *   `requestTimeoutMs` (a slowloris that sends a byte a second holds a connection for seconds, not forever).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { declaredLength, hasBody, readLimited } from './read-limited.js';

export interface GuardedHandler {
  /** A complete answer from the request line and headers, or null when the body is needed. */
  preflight(req: IncomingMessage): Response | null;
  /** The answer to a request whose body (undefined for GET/HEAD) was read within the limit. */
  handle(req: IncomingMessage, body: Buffer | undefined, signal: AbortSignal): Promise<Response>;
  /** The answer when `handle` throws: a bug, never the client's fault. */
  internalError(message: string): Response;
  /** The answer to a body over the limit. */
  tooLarge(limit: number): Response;
  maxBodyBytes: number;
}

export interface TimeLimits {
  /** all request headers must arrive within this (default 10 s) */
  headersTimeoutMs?: number;
  /** the whole request, body included, must arrive within this (default 120 s) */
  requestTimeoutMs?: number;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** How long a connection answered before its body was read keeps reading (and dropping) that body. */
const LINGER_MS = 5000;

/**
 * Lets the answer to a request whose body was left unread reach a client that is still sending that body.
 * Node destroys the socket once an answer with `Connection: close` is written; a socket destroyed with unread
 * bytes is reset by the kernel, and a client still uploading (Python's urllib) then sees a broken pipe instead
 * of the 401 or 413. So, as nginx's lingering close does, our side is ended instead and what the client still
 * sends is read and dropped (never buffered) until it closes, for at most LINGER_MS.
 */
function lingeringClose(req: IncomingMessage): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    req.removeAllListeners('data');
    req.resume(); // a body read up to the limit was paused
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Writes a Web Response; `close` ends the connection after it (the body was left unread). */
async function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  close: boolean,
): Promise<void> {
  const payload = Buffer.from(await response.arrayBuffer());
  if (res.destroyed || res.headersSent) return;
  const headers = Object.fromEntries(response.headers);
  headers['content-length'] = String(payload.length);
  if (close) {
    headers.connection = 'close';
    lingeringClose(req);
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

/** The request's headers as Web Headers (repeated headers joined, as fetch does). */
export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers))
    if (typeof v === 'string') headers.set(k, v);
    else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
  return headers;
}

export function createGuardedServer(h: GuardedHandler, limits: TimeLimits = {}): Server {
  const headersTimeout = limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout);
  const server = createServer({
    headersTimeout,
    requestTimeout,
    // how often Node checks those two limits (its default, 30 s, would let a slow client stay 30 s longer)
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  });

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ctl = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ctl.abort(new Error('client disconnected'));
    });
    const early = h.preflight(req);
    if (early !== null) return send(req, res, early, hasBody(req));
    let body: Buffer | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const read = await readLimited(req, h.maxBodyBytes);
      if (read.kind === 'aborted') return; // nobody to answer
      if (read.kind === 'too_large') return send(req, res, h.tooLarge(h.maxBodyBytes), true);
      body = read.body;
    }
    return send(req, res, await h.handle(req, body, ctl.signal), false);
  };

  const run = (req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => {}); // a write to a client that is gone; 'close' has aborted the handler already
    respond(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy();
      else send(req, res, h.internalError(message), hasBody(req) && !req.complete).catch(() => res.destroy());
    });
  };

  server.on('request', run);
  // `Expect: 100-continue`: refuse before the client sends the body, or invite it to
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => {});
    let early: Response | null;
    try {
      early = h.preflight(req);
      if (early === null && (declaredLength(req) ?? 0) > h.maxBodyBytes) early = h.tooLarge(h.maxBodyBytes);
    } catch (err) {
      early = h.internalError(err instanceof Error ? err.message : String(err));
    }
    if (early !== null) {
      send(req, res, early, true).catch(() => res.destroy());
      return;
    }
    res.writeContinue();
    run(req, res);
  });
  return server;
}
