/**
 * The GPT-NeoX online data server (`train_impl: reinforce`, `dataset_impl: online`), exactly as NeoX's
 * OnlineDataset talks to it (protocol note §3, docs/scale-out.md):
 *
 *   NeoX connects over TCP → sends `train` | `valid` | `test` (no terminator) → we send ONE pickle of
 *   `[{prefix: [ids], completions: [[ids], …], rewards: [floats]}, …]` and close. EOF is the only frame end.
 *
 * One listener per data-parallel rank (`online_dataserver_ports` is indexed by DP rank); each rank has its
 * own prefetch queue per split, so a `train` refill and a `valid` request on the same port are served
 * concurrently, and a trainer that connects before any rollout exists waits on its open connection.
 */

import { createServer, type Server, type Socket } from 'node:net';
import type { ProblemRow } from '../export/rows.js';
import { listenOn } from '../server/listen.js';
import { BatchQueue, QueueFailed } from './batch-queue.js';
import { deliver, hungUp } from './deliver.js';
import type { GroupDeps, NeoxGroup } from './groups.js';
import { type Picklable, PyFloat, pickleDumps } from './pickle.js';
import {
  batchProducer,
  ProblemCursor,
  type ProducerEvent,
  type ProducerOptions,
  type Split,
} from './producer.js';

export const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

export interface NeoxServerOptions {
  /** interface to bind; NeoX unpickles what it receives, so keep this on a trusted network */
  host?: string;
  /** one port per data-parallel rank, in rank order (0 picks a free port) */
  ports: number[];
  /** valid defaults to train, test to valid */
  problems: { train: ProblemRow[]; valid?: ProblemRow[]; test?: ProblemRow[] };
  producer: ProducerOptions;
  /** batches kept ready per (rank, split) (≥ 1) */
  prefetch: number;
  deps: GroupDeps;
  onEvent?: (e: NeoxServerEvent) => void;
  /**
   * a connection that has not sent a full split name by then is dropped, and one still open that long after its
   * batch was sent is closed (default 30 s)
   */
  requestTimeoutMs?: number;
}

export type NeoxServerEvent =
  | ProducerEvent
  | {
      type: 'served';
      rank: number;
      split: Split;
      request: number;
      groups: number;
      bytes: number;
      waitedMs: number;
    }
  | { type: 'bad_request'; rank: number; detail: string }
  /** the trainer went away before reading its batch (`sent`: after it was written); the batch goes out again */
  | { type: 'hung_up'; rank: number; split: Split; sent: boolean }
  | { type: 'fatal'; rank: number; split: Split; error: string };

export interface RunningNeoxServer {
  host: string;
  /** bound ports, by rank */
  ports: number[];
  /** `train` requests served per rank: ≈ the policy's optimizer step when one request feeds one step */
  served(rank: number, split?: Split): number;
  /** ready batches per rank and split, for monitoring */
  ready(rank: number, split: Split): number;
  /** rejects when a split can never be served (every problem unusable: SplitUnusable) or a build fails outright */
  readonly failure: Promise<never>;
  close(): Promise<void>;
}

function toPicklable(groups: NeoxGroup[]): Picklable {
  return groups.map((g) => ({
    prefix: g.prefix,
    completions: g.completions,
    // rewards must arrive as Python floats: 1 would otherwise unpickle as int
    rewards: g.rewards.map((r) => new PyFloat(r)),
  }));
}

export async function startNeoxServer(opts: NeoxServerOptions): Promise<RunningNeoxServer> {
  const host = opts.host ?? '127.0.0.1';
  const ranks = opts.ports.length;
  if (ranks < 1) throw new RangeError('startNeoxServer: at least one port (one per data-parallel rank)');
  const emit = opts.onEvent ?? (() => {});
  const problems: Record<Split, ProblemRow[]> = {
    train: opts.problems.train,
    valid: opts.problems.valid ?? opts.problems.train,
    test: opts.problems.test ?? opts.problems.valid ?? opts.problems.train,
  };
  let rejectFailure: (e: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    rejectFailure = reject;
  });
  failure.catch(() => {}); // observed through `failure` by whoever cares; never an unhandled rejection

  // build every producer first, so a rank without problems is reported before anything listens
  const queues: Record<Split, BatchQueue<NeoxGroup[]>>[] = [];
  for (let rank = 0; rank < ranks; rank++) {
    const perSplit = {} as Record<Split, BatchQueue<NeoxGroup[]>>;
    for (const split of SPLITS) {
      const cursor = new ProblemCursor(
        problems[split],
        rank,
        ranks,
        opts.producer.seed + SPLITS.indexOf(split),
      );
      const produce = batchProducer(cursor, rank, split, opts.producer, opts.deps, emit);
      perSplit[split] = new BatchQueue(async (signal) => {
        try {
          return await produce(signal);
        } catch (err) {
          // a build that failed because the queue was closed is not a failure of the server
          if (!signal.aborted) {
            const e = err instanceof Error ? err : new Error(String(err));
            emit({ type: 'fatal', rank, split, error: e.message });
            rejectFailure(e);
          }
          throw err;
        }
      }, opts.prefetch);
    }
    queues.push(perSplit);
  }
  const served = Array.from({ length: ranks }, () => ({ train: 0, valid: 0, test: 0 }));
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const sockets = new Set<Socket>();

  const handle = (rank: number, socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a trainer that resets the connection is handled by 'close'
    socket.setNoDelay(true);
    let buffered = '';
    let split: Split | undefined;
    const timer = setTimeout(() => {
      emit({
        type: 'bad_request',
        rank,
        detail: `no split name within ${timeoutMs} ms`,
      });
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (split !== undefined) return; // NeoX sends nothing more; anything else is ignored
      buffered += chunk.toString('latin1');
      // the request is complete when the bytes equal a split name; none is a prefix of another
      const matched = SPLITS.find((s) => s === buffered);
      if (matched !== undefined) {
        clearTimeout(timer);
        split = matched;
        serve(rank, matched, socket).catch((err: unknown) => {
          // a bug (the batch would not pickle): said once, loudly, rather than an unhandled rejection
          const e = err instanceof Error ? err : new Error(String(err));
          socket.destroy();
          emit({ type: 'fatal', rank, split: matched, error: e.message });
          rejectFailure(e);
        });
      } else if (!SPLITS.some((s) => s.startsWith(buffered))) {
        clearTimeout(timer);
        emit({
          type: 'bad_request',
          rank,
          detail: `expected train, valid or test, got ${JSON.stringify(buffered.slice(0, 40))}`,
        });
        socket.destroy();
      }
    });
    socket.on('close', () => clearTimeout(timer));
  };

  const serve = async (rank: number, split: Split, socket: Socket): Promise<void> => {
    const started = Date.now();
    // a client that sent its split name and closed at once is seen here, before it can take a batch
    if (await hungUp(socket)) {
      socket.destroy();
      emit({ type: 'hung_up', rank, split, sent: false });
      return;
    }
    const hangUp = new AbortController();
    const onClose = (): void => hangUp.abort(new Error('trainer hung up'));
    socket.once('close', onClose);
    const queue = queues[rank]![split];
    const waited = queue.readyCount === 0;
    let batch: NeoxGroup[];
    try {
      batch = await queue.take(hangUp.signal);
    } catch (err) {
      if (err instanceof QueueFailed) {
        // never send an empty or partial pickle: NeoX would crash on it. Closing makes its recv return b"".
        socket.destroy();
      } else emit({ type: 'hung_up', rank, split, sent: false });
      return;
    } finally {
      socket.off('close', onClose);
    }
    // after a wait, a hang-up may be on its way: poll once more before writing (a batch ready at once needs not)
    if (waited && (await hungUp(socket, 0))) {
      queue.putBack(batch);
      socket.destroy();
      emit({ type: 'hung_up', rank, split, sent: false });
      return;
    }
    const bytes = pickleDumps(toPicklable(batch));
    const waitedMs = Date.now() - started;
    if (!(await deliver(socket, bytes, timeoutMs))) {
      queue.putBack(batch);
      emit({ type: 'hung_up', rank, split, sent: true });
      return;
    }
    served[rank]![split]++;
    emit({
      type: 'served',
      rank,
      split,
      request: served[rank]![split],
      groups: batch.length,
      bytes: bytes.length,
      waitedMs,
    });
  };

  const servers: Server[] = [];
  const bound: number[] = [];
  try {
    for (let rank = 0; rank < ranks; rank++) {
      const server = createServer((socket) => handle(rank, socket));
      servers.push(server);
      bound.push((await listenOn(server, opts.ports[rank]!, host)).port);
    }
  } catch (err) {
    for (const s of servers) s.close();
    for (const q of queues) for (const split of SPLITS) q[split].close();
    throw err;
  }
  // listening first, then prefetching train rollouts, so NeoX can connect as early as it likes
  for (const q of queues) q.train.start();

  return {
    host,
    ports: bound,
    served: (rank, split = 'train') => served[rank]?.[split] ?? 0,
    ready: (rank, split) => queues[rank]?.[split].readyCount ?? 0,
    failure,
    async close() {
      for (const q of queues) for (const split of SPLITS) q[split].close();
      const closing = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const s of sockets) s.destroy();
      await Promise.all(closing);
    },
  };
}
