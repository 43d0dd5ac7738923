/**
 * Handing one pickled batch to a NeoX trainer, and knowing whether it got it. NeoX sends the split name, then
 * reads until EOF and only then closes; it never half-closes first. So:
 *
 * - a connection whose EOF arrives before we write has hung up: the batch stays ours (`hungUp`);
 * - a trainer that closes with our bytes unread makes its kernel answer with a reset: delivery failed;
 * - a clean close after our FIN means the trainer read to the end: delivered.
 *
 * The one case TCP cannot tell apart is a trainer whose FIN is already on the wire when we write; waiting a few
 * milliseconds and one poll of the sockets before taking a batch shrinks that window to the time of the write.
 */
import type { Socket } from 'node:net';

/** How long to let a hang-up that is on its way arrive before taking a batch for a client. */
const SETTLE_MS = 10;

/**
 * Whether the client has gone: after a short wait (`settleMs`) and a poll of the sockets, so that a client that
 * sent its split name and closed at once is seen as gone rather than handed a batch it will never read.
 */
export async function hungUp(socket: Socket, settleMs = SETTLE_MS): Promise<boolean> {
  if (socket.destroyed || socket.readableEnded) return true;
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  // the check phase comes right after a poll phase: any EOF that has arrived by now has been read
  await new Promise((r) => setImmediate(r));
  return socket.destroyed || socket.readableEnded;
}

/**
 * Writes `bytes`, closes our side, and resolves true once the trainer closed cleanly after reading, false when it
 * reset the connection (it hung up with our bytes unread). A trainer that keeps the connection open longer than
 * `lingerMs` after everything was sent is cut, and counted as served: it had every byte.
 */
export function deliver(socket: Socket, bytes: Buffer, lingerMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let failed = false;
    let linger: ReturnType<typeof setTimeout> | undefined;
    socket.on('error', () => {
      failed = true;
    });
    socket.once('close', (hadError) => {
      clearTimeout(linger);
      resolve(!(failed || hadError));
    });
    socket.end(bytes, () => {
      linger = setTimeout(() => socket.destroy(), lingerMs);
    });
  });
}
