/**
 * A prefetch queue of ready batches for one (rank, split). It keeps `depth` batches built or building, so a
 * trainer that asks finds one waiting whenever generation keeps up; a trainer that asks before anything is
 * ready simply waits (NeoX has no client timeout, and a wait is what its blocking recv expects). A taker that
 * hangs up while waiting leaves the next batch in the queue for whoever asks next, and a batch taken but never
 * delivered is put back in its place: batches go out in the order their builds started, none lost or repeated.
 */

export class QueueFailed extends Error {
  override name = 'QueueFailed';
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

export class BatchQueue<T extends object> {
  /** built batches, in the order their builds started */
  private readonly ready: T[] = [];
  /** each batch's place in that order, so a batch put back goes where it was */
  private readonly order = new WeakMap<T, number>();
  private nextOrder = 0;
  private readonly waiters: Waiter<T>[] = [];
  private building = 0;
  private started = false;
  private closed = false;
  private failure: Error | null = null;
  private readonly stop = new AbortController();

  /**
   * @param produce builds one batch; it should retry transient failures itself. A rejection is fatal: the
   *   queue fails and every current and later taker gets the error.
   * @param depth batches kept ready or in progress (≥ 1)
   */
  constructor(
    private readonly produce: (signal: AbortSignal) => Promise<T>,
    private readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1)
      throw new RangeError('BatchQueue depth must be an integer ≥ 1');
  }

  /** Batches ready to hand out now. */
  get readyCount(): number {
    return this.ready.length;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /** Starts building ahead (idempotent). `take` starts it too, so valid/test queues start on first use. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.fill();
  }

  private fill(): void {
    while (
      !this.closed &&
      !this.failure &&
      this.ready.length + this.building < this.depth + this.waiters.length
    ) {
      this.building++;
      const place = this.nextOrder++;
      this.produce(this.stop.signal).then(
        (batch) => {
          this.building--;
          if (this.closed) return;
          this.order.set(batch, place);
          this.hand(batch);
          this.fill();
        },
        (err: unknown) => {
          this.building--;
          if (this.closed) return;
          this.failure = err instanceof Error ? err : new Error(String(err));
          for (const w of this.waiters.splice(0)) w.reject(new QueueFailed(this.failure.message));
        },
      );
    }
  }

  /** The next batch: at once if one is ready, else when one is built. Aborting `signal` gives up the place. */
  take(signal?: AbortSignal): Promise<T> {
    if (this.failure) return Promise.reject(new QueueFailed(this.failure.message));
    if (this.closed) return Promise.reject(new QueueFailed('queue closed'));
    this.start();
    const batch = this.ready.shift();
    if (batch !== undefined) {
      this.fill();
      return Promise.resolve(batch);
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.fill();
    });
  }

  /** Gives a batch to the first waiting taker, or files it among the ready ones in build order. */
  private hand(batch: T): void {
    const w = this.waiters.shift();
    if (w) {
      w.resolve(batch);
      return;
    }
    const place = this.order.get(batch) ?? -1;
    let k = this.ready.length;
    while (k > 0 && (this.order.get(this.ready[k - 1]!) ?? -1) > place) k--;
    this.ready.splice(k, 0, batch);
  }

  /**
   * Puts back a batch that was taken but not delivered (the taker hung up): it goes out again before any batch
   * built after it.
   */
  putBack(batch: T): void {
    if (this.closed) return;
    this.hand(batch);
  }

  /** Stops building; in-flight builds are signalled to abort and their results dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(new QueueFailed('queue closed'));
    for (const w of this.waiters.splice(0)) w.reject(new QueueFailed('queue closed'));
  }
}
