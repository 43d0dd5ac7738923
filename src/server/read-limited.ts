import type { IncomingMessage } from 'node:http';

/**
 * A request body, or null past `limit` bytes. Past the limit the rest is read and dropped, so the client
 * gets a clean 413 rather than a connection reset; past four times the limit the connection is cut.
 * Shared by every metacot listener (reward server, `metacot serve`).
 */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size > 4 * limit) req.destroy();
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('close', () => {
      if (size > limit) resolve(null);
    });
    req.on('error', reject);
  });
}
