/**
 * Gathers concurrent jobs into runs: while one run executes, the jobs that arrive wait, and the next run takes
 * all of them together (up to `maxSize`), first come first served. Exclusive jobs (scoring, closing) run alone in
 * their place in line. This is how EngineBackend turns concurrent requests into one Sampler batch.
 */

interface Entry<J, R> {
  job: J;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Alone {
  alone: () => Promise<unknown>;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
}

const isAlone = <J, R>(e: Entry<J, R> | Alone): e is Alone => 'alone' in e;

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason instanceof Error ? signal.reason : new Error('aborted');

export class Batcher<J, R> {
  private readonly line: (Entry<J, R> | Alone)[] = [];
  private busy = false;

  /**
   * @param run runs jobs together; resolves with one result per job, in order
   * @param sizeOf a job's share of a run (sequences); a run holds at most `maxSize`, or one job larger than that
   */
  constructor(
    private readonly run: (jobs: J[]) => Promise<R[]>,
    private readonly sizeOf: (job: J) => number,
    private readonly maxSize: number,
  ) {}

  /**
   * Runs `job` in the next run. A job whose signal aborts while it waits leaves the line at once; once running,
   * the job sees its signal itself, and its result is replaced by the abort.
   */
  submit(job: J, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const entry: Entry<J, R> = { job, resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const k = this.line.indexOf(entry);
          if (k >= 0) {
            this.line.splice(k, 1);
            reject(abortReason(signal));
          }
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.line.push(entry);
      this.next();
    });
  }

  /** Runs `fn` alone, after the runs ahead of it and before those behind it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.line.push({ alone: fn, resolve: resolve as (r: unknown) => void, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.busy || this.line.length === 0) return;
    this.busy = true;
    const head = this.line[0]!;
    let work: Promise<void>;
    if (isAlone(head)) {
      this.line.shift();
      work = head.alone().then(head.resolve, head.reject);
    } else {
      const taken: Entry<J, R>[] = [];
      let size = 0;
      for (let e = this.line[0]; e !== undefined && !isAlone(e); e = this.line[0]) {
        const s = this.sizeOf(e.job);
        if (taken.length > 0 && size + s > this.maxSize) break;
        this.line.shift();
        if (e.onAbort) e.signal!.removeEventListener('abort', e.onAbort);
        taken.push(e);
        size += s;
      }
      work = this.execute(taken);
    }
    void work.finally(() => {
      this.busy = false;
      this.next();
    });
  }

  private async execute(taken: Entry<J, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.run(taken.map((e) => e.job));
    } catch (err) {
      if (taken.length === 1) {
        taken[0]!.reject(err);
        return;
      }
      // one job's failure must not fail the others: run each alone to find whose it was
      for (const e of taken) await this.execute([e]);
      return;
    }
    taken.forEach((e, k) => {
      if (e.signal?.aborted) e.reject(abortReason(e.signal));
      else e.resolve(results[k]!);
    });
  }
}
