import type { IncomingMessage } from 'node:http';

/** What reading a request body came to. It never throws: a client that goes away is an outcome, not an error. */
export type BodyRead =
  | { kind: 'body'; body: Buffer }
  /** declared or grown past the limit; reading stopped there, so the connection must be closed */
  | { kind: 'too_large' }
  /** the client hung up (or the connection broke) before the body was complete */
  | { kind: 'aborted' };

/** The body's declared length, or null when it has none (chunked, or no body). */
export function declaredLength(req: IncomingMessage): number | null {
  const v = req.headers['content-length'];
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Whether the request carries body bytes still to be read (Node has rejected a malformed Content-Length). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (declaredLength(req) ?? 0) > 0;
}

/**
 * A request body of at most `limit` bytes. A declared Content-Length over the limit is refused before a byte is
 * read, and a chunked body is refused as soon as it grows past the limit: nothing past the limit is ever
 * buffered. Shared by every metacot HTTP listener (guarded.ts).
 */
export function readLimited(req: IncomingMessage, limit: number): Promise<BodyRead> {
  if ((declaredLength(req) ?? 0) > limit) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: BodyRead): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else {
        // stop reading: the caller answers 413 and closes the connection instead of draining the rest
        req.pause();
        done({ kind: 'too_large' });
      }
    };
    const onEnd = (): void => done({ kind: 'body', body: Buffer.concat(chunks) });
    // 'close' without 'end' is a client that went away mid-body; Node also emits 'error' (aborted) then
    const onClose = (): void => done({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', () => {}); // reported through 'close'
  });
}
