/**
 * Batched sampling and teacher-forced scoring with a KV cache, on onnxruntime-node.
 *
 * One generate() call runs its prompts in batches of up to `maxBatch` sequences; generateMany() runs the
 * sequences of several requests together, each with its own sampling options, stops and seed. Each batch is a
 * prefill (right-padded prompts, one graph run) followed by one decode-step run per new token
 * for all unfinished sequences at once. Every sequence keeps its own position, so ragged prompts
 * need no left padding: padded prefill slots are simply masked and later overwritten.
 * Finished sequences are dropped from the batch (the cache is compacted) once enough of them
 * have stopped, so a long tail does not pay for the whole batch.
 *
 * The KV cache lives in JS buffers (kv-cache.ts; see llama-graph.ts for why): each step feeds views of it
 * to the step graph, takes back only the new keys/values, and writes them in.
 *
 * Log-probabilities are computed in float64 from the float32 logits; they match the reference
 * forward pass (reference.ts) within 1e-4, which the tests check.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../core/errors.js';
import type { ModelConfig, Weights } from '../model-config.js';
import { sessionOptions } from '../onnx/session.js';
import { validateTokens, validateWeights } from '../reference.js';
import { CACHE_CHUNK, type CacheBuffers, compactCache, growCache, newCache } from './kv-cache.js';
import { buildLlamaGraph, type GraphKind } from './llama-graph.js';
import { MASKED, paddedFeeds } from './padded.js';
import {
  checkGenerateRequest,
  checkPrompts,
  type GenerateRequest,
  type Generation,
  Sequence,
} from './sequence.js';

export type { GenerateRequest, Generation } from './sequence.js';

export interface SamplerOptions {
  /**
   * onnxruntime intra-op threads. 1 by default, as the cores are shared with training and verifiers;
   * 2 measured up to ~1.5x faster decode on an idle 2-core machine, and slower under load.
   */
  threads?: number;
  /** Most sequences run through the graph at once (prompts beyond it run in later batches). */
  maxBatch?: number;
}

export interface ScoreRequest {
  prompts: number[][];
  continuations: number[][];
}

export interface Score {
  /** log p(continuation[i] | prompt, continuation[<i]) for each continuation token. */
  logprobs: number[];
  total: number;
}

export class Sampler {
  private constructor(
    readonly cfg: ModelConfig,
    private prefillSession: ort.InferenceSession,
    private maxBatch: number,
    private readonly options: ort.InferenceSession.SessionOptions,
    /** a copy of the weights, for the graphs built on first use */
    private readonly weights: Weights,
  ) {}

  /** The step, sampling-step and scoring graphs' sessions, each built when first needed. */
  private readonly sessions = new Map<GraphKind, Promise<ort.InferenceSession>>();

  /** KV-cache buffers kept between generate() calls. */
  private pool: CacheBuffers | undefined;

  static async create(cfg: ModelConfig, weights: Weights, opts: SamplerOptions = {}): Promise<Sampler> {
    validateWeights(cfg, weights);
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1)
      throw new UserError(`sampler: threads must be >= 1, got ${threads}`);
    const maxBatch = opts.maxBatch ?? 256;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new UserError(`sampler: maxBatch must be >= 1, got ${maxBatch}`);
    }
    const options = sessionOptions(threads);
    const prefill = await ort.InferenceSession.create(buildLlamaGraph(cfg, weights, 'prefill'), options);
    const snapshot: Weights = new Map([...weights].map(([k, w]) => [k, Float32Array.from(w)]));
    return new Sampler(cfg, prefill, maxBatch, options, snapshot);
  }

  private session(kind: Exclude<GraphKind, 'prefill'>): Promise<ort.InferenceSession> {
    let s = this.sessions.get(kind);
    if (s === undefined) {
      s = ort.InferenceSession.create(buildLlamaGraph(this.cfg, this.weights, kind), this.options);
      this.sessions.set(kind, s);
    }
    return s;
  }

  /** Whether these are exactly the weights this sampler was created with. */
  hasWeights(weights: Weights): boolean {
    if (weights.size !== this.weights.size) return false;
    for (const [name, mine] of this.weights) {
      const w = weights.get(name);
      if (w === undefined || w.length !== mine.length) return false;
      for (let i = 0; i < w.length; i++) if (w[i] !== mine[i]) return false;
    }
    return true;
  }

  async dispose(): Promise<void> {
    this.pool = undefined;
    const built = await Promise.all([...this.sessions.values()].map((s) => s.catch(() => undefined)));
    this.sessions.clear();
    await Promise.all([this.prefillSession.release(), ...built.map((s) => s?.release())]);
  }

  /**
   * Runs the prefill graph on right-padded sequences. Returns the logits (N,V) of the flat positions
   * `rows` (b·S + t, as rowsOf(S) lists them) and each layer's new K/V (B,H,S,D).
   */
  private async prefill(
    seqs: number[][],
    rowsOf: (S: number) => number[],
  ): Promise<{ S: number; logits: Float32Array; k: Float32Array[]; v: Float32Array[] }> {
    const { S, feeds } = paddedFeeds(seqs, rowsOf);
    const out = await this.prefillSession.run(feeds);
    const L = this.cfg.nLayers;
    return {
      S,
      logits: out.logits.data as Float32Array,
      k: Array.from({ length: L }, (_, l) => out[`k.${l}`].data as Float32Array),
      v: Array.from({ length: L }, (_, l) => out[`v.${l}`].data as Float32Array),
    };
  }

  /** log p(targets[n] | the prefix ending at flat position rows[n]) over right-padded sequences. */
  private async scoreRows(
    seqs: number[][],
    rowsOf: (S: number) => number[],
    targets: number[],
  ): Promise<Float32Array> {
    const session = await this.session('score');
    const { feeds } = paddedFeeds(seqs, rowsOf);
    feeds.targets = new ort.Tensor('int64', BigInt64Array.from(targets, BigInt), [targets.length]);
    const out = await session.run(feeds);
    return out.logprobs.data as Float32Array;
  }

  /** Throws a one-line UserError for a request generate() would refuse, without running anything. */
  checkRequest(req: GenerateRequest): void {
    checkGenerateRequest(this.cfg, req);
  }

  async generate(req: GenerateRequest): Promise<Generation[]> {
    return (await this.generateMany([req]))[0]!;
  }

  /**
   * Runs several requests' sequences in shared batches, each sequence with its own request's options, stops and
   * seed: the results are those each request would get alone. Results come back per request, in order.
   */
  async generateMany(reqs: GenerateRequest[]): Promise<Generation[][]> {
    for (const req of reqs) checkGenerateRequest(this.cfg, req);
    const perRequest = reqs.map((req) =>
      req.prompts.map((p, i) => new Sequence(p, req, i, this.cfg.contextLength)),
    );
    const all = perRequest.flat();
    for (let start = 0; start < all.length; start += this.maxBatch)
      await this.generateBatch(all.slice(start, start + this.maxBatch));
    return perRequest.map((seqs) => seqs.map((s) => s.out));
  }

  private async generateBatch(seqs: Sequence[]): Promise<void> {
    const { vocabSize: V, nHeads: H, nLayers: L } = this.cfg;
    const D = this.cfg.dModel / H;
    const n = seqs.length;
    if (seqs.every((s) => s.full)) return;
    const prompts = seqs.map((s) => s.prompt);

    const pre = await this.prefill(prompts, (S) => prompts.map((p, i) => i * S + p.length - 1));
    const S = pre.S;
    let rows: number[] = []; // rows[j]: the sequence in cache row j
    for (let i = 0; i < n; i++) {
      const row = pre.logits.subarray(i * V, (i + 1) * V);
      if (!seqs[i]!.full && !seqs[i]!.aborted && !seqs[i]!.emit(row)) rows.push(i);
    }
    if (rows.length === 0) return;

    let maxLen = 0;
    for (const s of seqs) maxLen = Math.max(maxLen, s.limit);
    const spare = this.pool;
    this.pool = undefined; // taken: a concurrent generate() allocates its own
    const cache = newCache(
      this.cfg,
      n,
      Math.ceil((S + 1) / CACHE_CHUNK) * CACHE_CHUNK,
      Math.ceil(Math.max(maxLen, S + 1) / CACHE_CHUNK) * CACHE_CHUNK,
      spare,
    );
    for (let l = 0; l < L; l++) {
      // prefill k, v: (n,H,S,D) → cache (n,H,cap,D); the slots after S may hold a previous run's data.
      for (let bh = 0; bh < n * H; bh++) {
        const at = bh * cache.cap * D;
        cache.k[l].set(pre.k[l].subarray(bh * S * D, (bh + 1) * S * D), at);
        cache.v[l].set(pre.v[l].subarray(bh * S * D, (bh + 1) * S * D), at);
        cache.k[l].fill(0, at + S * D, at + cache.cap * D);
        cache.v[l].fill(0, at + S * D, at + cache.cap * D);
      }
    }
    if (rows.length < n) {
      compactCache(
        this.cfg,
        cache,
        Array.from({ length: n }, (_, i) => i),
        rows,
      );
    }

    // mask (B,H,1,P): 0 on the slots a sequence has filled, MASKED on the rest. Kept across steps and
    // updated one slot per sequence per step; rebuilt when the cache is regrown or compacted.
    let mask: Float32Array | undefined;
    const finished = new Array<boolean>(n).fill(false);
    // Plain-temperature sequences have their tokens chosen by the step graph (Sequence.onGraph); a batch with
    // none (greedy evaluation) runs the plain step graph, without the choice's cost.
    const onGraph = seqs.map((s) => s.onGraph);
    const sampling = onGraph.includes(true);
    const stepSession = await this.session(sampling ? 'sample' : 'step');
    while (rows.length > 0) {
      const B = rows.length;
      // pos[j]: the position (and cache slot) of row j's newest token, the one this step feeds.
      const pos = rows.map((i) => seqs[i]!.prompt.length + seqs[i]!.out.tokens.length - 1);
      let need = 0;
      for (const p of pos) need = Math.max(need, p + 1);
      if (need > cache.cap) {
        growCache(this.cfg, cache, Math.ceil(need / CACHE_CHUNK) * CACHE_CHUNK);
        mask = undefined;
      }
      const P = cache.cap;
      if (mask === undefined) {
        mask = new Float32Array(B * H * P).fill(MASKED);
        for (let j = 0; j < B; j++)
          for (let h = 0; h < H; h++) mask.fill(0, (j * H + h) * P, (j * H + h) * P + pos[j]);
      }
      const tokens = new BigInt64Array(B);
      const positions = new BigInt64Array(B);
      for (let j = 0; j < B; j++) {
        const t = seqs[rows[j]!]!.out.tokens;
        tokens[j] = BigInt(t[t.length - 1]);
        positions[j] = BigInt(pos[j]);
      }
      const feeds: Record<string, ort.Tensor> = {
        tokens: new ort.Tensor('int64', tokens, [B, 1]),
        positions: new ort.Tensor('int64', positions, [B, 1]),
        mask: new ort.Tensor('float32', mask, [B, H, 1, P]),
      };
      // The graph chooses the tokens of on-graph sequences (llama-graph.ts chooseOnGraph) from these inputs.
      const toolWrote = new Array<boolean>(B).fill(false);
      if (sampling) {
        const u = new Float32Array(B).fill(-1);
        const invTemp = new Float32Array(B).fill(1);
        const forced = new BigInt64Array(B).fill(-1n);
        for (let j = 0; j < B; j++) {
          const seq = seqs[rows[j]!]!;
          if (finished[rows[j]!] || !onGraph[rows[j]!] || seq.aborted) continue;
          const p = seq.prepare(V);
          u[j] = p.u;
          invTemp[j] = seq.inverseTemperature;
          if (p.forced !== undefined) {
            forced[j] = BigInt(p.forced);
            toolWrote[j] = true;
          }
        }
        feeds.u = new ort.Tensor('float32', u, [B, 1]);
        feeds.inv_temp = new ort.Tensor('float32', invTemp, [B, 1]);
        feeds.forced = new ort.Tensor('int64', forced, [B]);
      }
      for (let l = 0; l < L; l++) {
        feeds[`past_k.${l}`] = new ort.Tensor('float32', cache.k[l].subarray(0, B * H * P * D), [B, H, P, D]);
        feeds[`past_v.${l}`] = new ort.Tensor('float32', cache.v[l].subarray(0, B * H * P * D), [B, H, P, D]);
      }
      const out = await stepSession.run(feeds);
      for (let l = 0; l < L; l++) {
        const kNew = out[`k.${l}`].data as Float32Array; // (B,H,1,D)
        const vNew = out[`v.${l}`].data as Float32Array; // (B,H,1,D)
        const kc = cache.k[l];
        const vc = cache.v[l];
        for (let j = 0; j < B; j++) {
          for (let bh = j * H; bh < (j + 1) * H; bh++) {
            const to = (bh * P + pos[j]) * D;
            for (let d = 0; d < D; d++) {
              kc[to + d] = kNew[bh * D + d];
              vc[to + d] = vNew[bh * D + d];
            }
          }
        }
      }
      for (let j = 0; j < B; j++) for (let h = 0; h < H; h++) mask[(j * H + h) * P + pos[j]] = 0;
      const logits = out.logits.data as Float32Array;
      const chosen = out.token?.data as BigInt64Array | undefined;
      const logprob = out.logprob?.data as Float32Array | undefined;
      // Finished rows stay in the batch (recomputing their last step) until the next compaction.
      const still: number[] = [];
      for (let j = 0; j < B; j++) {
        const i = rows[j]!;
        if (finished[i]) continue;
        const seq = seqs[i]!;
        // a sequence whose request was aborted stops here, as if it had finished
        const done =
          seq.aborted ||
          (onGraph[i]
            ? seq.accept(Number(chosen![j]), toolWrote[j]!, logprob![j]!)
            : seq.emit(logits.subarray(j * V, (j + 1) * V)));
        if (done) finished[i] = true;
        else still.push(i);
      }
      if (still.length === 0) break;
      // Compacting copies the cache once; do it when a quarter of the rows are dead weight.
      if (still.length <= B * 0.75) {
        compactCache(this.cfg, cache, rows, still);
        rows = still;
        mask = undefined;
      }
    }
    this.pool = { k: cache.k, v: cache.v };
  }

  /** Teacher-forced log-probabilities of each continuation given its prompt. */
  async score(req: ScoreRequest): Promise<Score[]> {
    const { prompts, continuations } = req;
    if (!Array.isArray(prompts) || !Array.isArray(continuations) || prompts.length !== continuations.length) {
      throw new UserError('score: prompts and continuations must be arrays of the same length');
    }
    checkPrompts(this.cfg, prompts, 'prompt');
    const seqs = prompts.map((p, i) => {
      validateTokens(this.cfg, continuations[i], `continuation ${i}`);
      const all = [...p, ...continuations[i]];
      if (all.length > this.cfg.contextLength) {
        throw new UserError(
          `score ${i}: prompt + continuation (${all.length} tokens) exceed the context length`,
        );
      }
      return all;
    });
    const V = this.cfg.vocabSize;
    // Batches sorted by length waste less on padding; scores go back in request order.
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].length - seqs[b].length);
    const results = new Array<Score>(seqs.length);
    let i = 0;
    while (i < order.length) {
      // Bound the attention scores (B,H,S,S) and logits (≤ B·S,V) of one run to ~16M floats (64 MB).
      const S = seqs[order[Math.min(i + this.maxBatch, order.length) - 1]].length;
      const perSeq = S * Math.max(this.cfg.nHeads * S, V);
      const B = Math.max(1, Math.min(this.maxBatch, Math.floor(16e6 / perSeq)));
      const idx = order.slice(i, i + B);
      i += B;
      if (idx.every((j) => continuations[j].length === 0)) {
        for (const j of idx) results[j] = { logprobs: [], total: 0 };
        continue;
      }
      // For each sequence, the positions that predict its continuation tokens, and those tokens.
      const got = await this.scoreRows(
        idx.map((j) => seqs[j]),
        (S) => idx.flatMap((j, b) => continuations[j].map((_, t) => b * S + prompts[j].length - 1 + t)),
        idx.flatMap((j) => continuations[j]),
      );
      let r = 0;
      for (const j of idx) {
        const lp = Array.from(got.subarray(r, r + continuations[j].length));
        r += continuations[j].length;
        results[j] = { logprobs: lp, total: lp.reduce((a, c) => a + c, 0) };
      }
    }
    return results;
  }
}
