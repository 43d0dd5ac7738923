/**
 * VerifierPool: verify() on worker threads with a hard per-check timeout. A check that runs past the timeout
 * gets its worker terminated (no signals, so it works from any thread and inside servers) and replaced, and
 * resolves to `{ correct: false, reason: 'timeout' }`.
 *
 * ```ts
 * const pool = new VerifierPool({ size: 2, timeoutMs: 2000 });
 * const r = await pool.verify({ gold: '42', response: '... \\boxed{42}' });
 * const rs = await pool.verifyBatch(items); // input order preserved
 * await pool.close();
 * ```
 *
 * Callers share the workers fairly: each verifyBatch call takes turns with the others one check at a time
 * (fair-queue.ts), so a server answers a small request while a large one runs.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledWorkerPath } from '../core/worker-path.js';
import { FairQueue } from './fair-queue.js';
import type { VerifyInput, VerifyOptions, VerifyResult } from './verify.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface PoolOptions {
  /** worker threads; default: available parallelism */
  size?: number;
  /** hard limit per check, in ms, measured from dispatch to a ready worker (default 5000) */
  timeoutMs?: number;
  /** verifier options applied to every check */
  verify?: VerifyOptions;
  /** load the compute-engine fallback in each worker (default true; costs ~0.3 s per worker start) */
  symbolic?: boolean;
  /** heap cap per worker, so a runaway check fails alone (default 512 MB) */
  maxHeapMb?: number;
  /** override the worker script (default: dist/verify/worker.js next to this module or in the package) */
  workerPath?: string;
}

interface Task {
  id: number;
  input: VerifyInput;
  resolve: (r: VerifyResult) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** checks sent to this worker, in order; the worker runs them one by one, so the head is the running one */
  inflight: Task[];
  /** timeout of the head check, started when it began running */
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Checks queued per worker ahead of the running one: hides the message round trip. A stuck head check costs the
 * others only a re-queue onto a fresh worker.
 */
const PIPELINE = 4;

const failure = (reason: VerifyResult['reason'], detail: string): VerifyResult => ({
  correct: false,
  reason,
  extracted: null,
  rule: null,
  goldType: null,
  method: null,
  detail,
});

/** The compiled verifier worker (dist/verify/worker.js). */
export function resolveWorkerPath(): string {
  const path = compiledWorkerPath(import.meta.url, 'verify/worker.js');
  if (path === null) {
    throw new Error('verify worker not found: run `npm run build` to create dist/verify/worker.js');
  }
  return path;
}

export class VerifierPool {
  readonly size: number;
  readonly timeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue = new FairQueue<Task>();
  private readonly workerPath: string;
  private nextId = 1;
  private closed = false;
  /** checks that hit the timeout since the pool started */
  timeouts = 0;
  /** workers replaced after a timeout or crash */
  restarts = 0;
  /** workers that died before becoming ready, in a row: past a few, the pool stops respawning */
  private startFailures = 0;
  private broken: string | null = null;

  constructor(private readonly opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.workerPath = opts.workerPath ?? resolveWorkerPath();
    for (let k = 0; k < this.size; k++) this.slots.push(this.spawn());
  }

  /**
   * Resolves once every worker has loaded the verifier (optional: checks queue until then). Rejects when workers
   * cannot start at all.
   */
  async ready(): Promise<void> {
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((res) => {
            if (s.ready) return res();
            const done = (): void => {
              s.worker.off('message', onMsg);
              s.worker.off('exit', done);
              res();
            };
            const onMsg = (m: WorkerReply): void => {
              if (m.type === 'ready') done();
            };
            s.worker.on('message', onMsg);
            s.worker.on('exit', done);
          }),
      ),
    );
    if (this.broken) throw new Error(this.broken);
    // a worker that died while starting was replaced: wait for its successor too
    if (this.slots.some((s) => !s.ready) && !this.closed) await this.ready();
  }

  /** Checks waiting or running, for monitoring. */
  get pending(): number {
    return this.queue.size + this.slots.reduce((n, s) => n + s.inflight.length, 0);
  }

  verify(input: VerifyInput): Promise<VerifyResult> {
    return this.verifyBatch([input]).then((rs) => rs[0]!);
  }

  /** Verdicts in input order. The batch takes turns with other callers' checks, one check at a time. */
  verifyBatch(inputs: VerifyInput[]): Promise<VerifyResult[]> {
    if (this.closed) return Promise.resolve(inputs.map(() => failure('error', 'pool closed')));
    const broken = this.broken;
    if (broken) return Promise.resolve(inputs.map(() => failure('error', broken)));
    const tasks: Task[] = [];
    const results = inputs.map(
      (input) => new Promise<VerifyResult>((resolve) => tasks.push({ id: this.nextId++, input, resolve })),
    );
    this.queue.add(tasks);
    this.pump();
    return Promise.all(results);
  }

  /** Terminates every worker; checks still queued or running resolve with reason 'error'. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue.drain()) t.resolve(failure('error', 'pool closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.timer) clearTimeout(s.timer);
        for (const t of s.inflight.splice(0)) t.resolve(failure('error', 'pool closed'));
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerPath, {
      workerData: { options: this.opts.verify ?? {}, symbolic: this.opts.symbolic !== false },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 },
    });
    const slot: Slot = { worker, ready: false, inflight: [], timer: null };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') {
        slot.ready = true;
        this.startFailures = 0;
        this.pump();
        return;
      }
      const task = slot.inflight[0];
      if (!task || task.id !== m.id) return;
      slot.inflight.shift();
      this.startTimer(slot);
      task.resolve(m.result);
      this.pump();
    });
    worker.on('error', (err) => this.replace(slot, failure('error', `worker crashed: ${err.message}`)));
    worker.on('exit', () => {
      if (!this.closed && this.slots.includes(slot)) this.replace(slot, failure('error', 'worker exited'));
    });
    // a starting worker keeps the process alive until it is ready; pump() then unrefs it when idle
    return slot;
  }

  /** (Re)arms the timeout for the check now at the head of the slot's line. */
  private startTimer(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.inflight.length === 0) return;
    slot.timer = setTimeout(() => {
      this.timeouts++;
      this.replace(slot, failure('timeout', `check exceeded ${this.timeoutMs} ms; worker terminated`));
    }, this.timeoutMs);
  }

  /** Terminates a stuck or crashed worker: its running check gets `result`, the checks behind it go back in line. */
  private replace(slot: Slot, result: VerifyResult): void {
    const k = this.slots.indexOf(slot);
    if (k < 0 || this.closed) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const [head, ...waiting] = slot.inflight.splice(0);
    this.queue.putBack(waiting);
    if (!slot.ready && ++this.startFailures >= 3) {
      // a worker that cannot even start (missing build, bad install) would otherwise be respawned forever
      this.broken = `verifier workers fail to start: ${result.detail ?? 'unknown error'}`;
      void slot.worker.terminate();
      this.slots.splice(k, 1);
      for (const t of this.queue.drain()) t.resolve(failure('error', this.broken));
      head?.resolve(result);
      return;
    }
    this.slots[k] = this.spawn();
    this.restarts++;
    void slot.worker.terminate();
    head?.resolve(result);
    this.pump();
  }

  private pump(): void {
    // round-robin, one check per worker per pass, so work spreads before lines deepen
    for (let depth = 0; depth < PIPELINE && this.queue.size > 0; depth++) {
      for (const slot of this.slots) {
        if (this.queue.size === 0) break;
        if (!slot.ready || slot.inflight.length > depth) continue;
        const task = this.queue.take()!;
        slot.inflight.push(task);
        if (slot.inflight.length === 1) this.startTimer(slot);
        slot.worker.postMessage({ id: task.id, input: task.input } satisfies WorkerRequest);
      }
    }
    // pending work keeps the process alive (workers still starting included); an idle pool does not
    const busy = this.queue.size > 0 || this.slots.some((s) => s.inflight.length > 0);
    for (const s of this.slots) {
      if (busy || !s.ready) s.worker.ref();
      else s.worker.unref();
    }
  }
}
