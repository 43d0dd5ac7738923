/**
 * Batched sampling and teacher-forced scoring with a KV cache, on onnxruntime-node.
 *
 * One generate() call runs its prompts in batches of up to `maxBatch` sequences. Each batch is a
 * prefill (right-padded prompts, one graph run) followed by one decode-step run per new token
 * for all unfinished sequences at once. Every sequence keeps its own position, so ragged prompts
 * need no left padding: padded prefill slots are simply masked and later overwritten.
 * Finished sequences are dropped from the batch (the cache is compacted) once enough of them
 * have stopped, so a long tail does not pay for the whole batch.
 *
 * The KV cache lives in JS buffers (see llama-graph.ts for why): each step feeds views of it to the
 * step graph, takes back only the new keys/values, and writes them in. Decode at small model sizes
 * is bound by reading the cache, so it grows in small chunks and its buffers are reused across
 * calls (fresh buffers cost a page fault per first touch).
 *
 * Log-probabilities are computed in float64 from the float32 logits; they match the reference
 * forward pass (reference.ts) within 1e-4, which the tests check.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { ModelConfig, Weights } from '../model-config.js';
import { validateTokens, validateWeights } from '../reference.js';
import { type ChooseOptions, chooseToken, logSumExp } from './choose.js';
import { buildLlamaGraph } from './llama-graph.js';

export interface SamplerOptions {
  /**
   * onnxruntime intra-op threads. 1 by default, as the cores are shared with training and verifiers;
   * 2 measured up to ~1.5x faster decode on an idle 2-core machine, and slower under load.
   */
  threads?: number;
  /** Most sequences run through the graph at once (prompts beyond it run in later batches). */
  maxBatch?: number;
}

export interface GenerateRequest {
  prompts: number[][];
  maxNewTokens: number;
  /** 1 by default; 0 means greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or absent: all). */
  topK?: number;
  /** Nucleus sampling mass (1 or absent: off). */
  topP?: number;
  /** Generation stops after any of these tokens; the stop token is included in the output. */
  stopTokens?: number[];
  /** Generation stops once detokenize(new tokens) contains any of these strings. */
  stopStrings?: string[];
  detokenize?: (tokens: number[]) => string;
  /** Sequence i draws from Rng.derive(seed, i), so results do not depend on batching. */
  seed?: number;
  greedy?: boolean;
  /** Also return log p(token | prefix) of each generated token (model distribution, temperature 1). */
  logprobs?: boolean;
  /**
   * A tool's turn: called before each new token of sequence i with the tokens generated so far; a
   * token it returns is appended in place of a sampled one (e.g. a calculator writing the result of
   * "a+b="). Such tokens are marked in `Generation.forced`, so training can leave them out of the loss.
   */
  force?: (sequence: number, generated: readonly number[]) => number | undefined;
}

export interface Generation {
  tokens: number[];
  logprobs?: number[];
  /** Present when the request had `force`: forced[k] says token k came from the tool, not the model. */
  forced?: boolean[];
  finishReason: 'stop' | 'length';
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

const MASKED = -1e30;
// The cache grows in small steps: attention reads all P slots every step, while regrowing copies the
// cache only once per CACHE_CHUNK steps.
const CACHE_CHUNK = 16;

/** One batch's KV cache: per layer, keys and values (B,H,cap,D). */
interface Cache {
  B: number;
  cap: number;
  k: Float32Array[];
  v: Float32Array[];
}

export class Sampler {
  private constructor(
    readonly cfg: ModelConfig,
    private prefillSession: ort.InferenceSession,
    private stepSession: ort.InferenceSession,
    private maxBatch: number,
  ) {}

  /** KV-cache buffers kept between generate() calls. */
  private pool: { k: Float32Array[]; v: Float32Array[] } | undefined;

  static async create(cfg: ModelConfig, weights: Weights, opts: SamplerOptions = {}): Promise<Sampler> {
    validateWeights(cfg, weights);
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1)
      throw new UserError(`sampler: threads must be >= 1, got ${threads}`);
    const maxBatch = opts.maxBatch ?? 256;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new UserError(`sampler: maxBatch must be >= 1, got ${maxBatch}`);
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // Spinning worker threads steal the core from the main thread on a shared 2-core machine.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    const [prefill, step] = await Promise.all([
      ort.InferenceSession.create(buildLlamaGraph(cfg, weights, 'prefill'), sessionOptions),
      ort.InferenceSession.create(buildLlamaGraph(cfg, weights, 'step'), sessionOptions),
    ]);
    return new Sampler(cfg, prefill, step, maxBatch);
  }

  async dispose(): Promise<void> {
    this.pool = undefined;
    await Promise.all([this.prefillSession.release(), this.stepSession.release()]);
  }

  private checkPrompts(prompts: number[][], what: string): void {
    prompts.forEach((p, i) => {
      if (!Array.isArray(p) || p.length === 0)
        throw new UserError(`${what} ${i}: must have at least one token`);
      if (p.length > this.cfg.contextLength) {
        throw new UserError(
          `${what} ${i}: ${p.length} tokens exceed the context length ${this.cfg.contextLength}`,
        );
      }
      validateTokens(this.cfg, p, `${what} ${i}`);
    });
  }

  /**
   * Runs the prefill graph on right-padded sequences. Returns the logits (N,V) of the flat positions
   * `rows` (b·S + t, as rowsOf(S) lists them) and each layer's new K/V (B,H,S,D).
   */
  private async prefill(
    seqs: number[][],
    rowsOf: (S: number) => number[],
  ): Promise<{ S: number; logits: Float32Array; k: Float32Array[]; v: Float32Array[] }> {
    const B = seqs.length;
    const S = Math.max(...seqs.map((s) => s.length));
    const tokens = new BigInt64Array(B * S);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < seqs[b].length; i++) tokens[b * S + i] = BigInt(seqs[b][i]);
    // Causal mask only: a real query never sees a padded key, since padding comes after it.
    const mask = new Float32Array(S * S);
    for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) mask[i * S + j] = MASKED;
    const rows = BigInt64Array.from(rowsOf(S), BigInt);
    const out = await this.prefillSession.run({
      tokens: new ort.Tensor('int64', tokens, [B, S]),
      positions: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: S }, (_, i) => BigInt(i)),
        [1, S],
      ),
      mask: new ort.Tensor('float32', mask, [1, 1, S, S]),
      rows: new ort.Tensor('int64', rows, [rows.length]),
    });
    const L = this.cfg.nLayers;
    return {
      S,
      logits: out.logits.data as Float32Array,
      k: Array.from({ length: L }, (_, l) => out[`k.${l}`].data as Float32Array),
      v: Array.from({ length: L }, (_, l) => out[`v.${l}`].data as Float32Array),
    };
  }

  async generate(req: GenerateRequest): Promise<Generation[]> {
    const { prompts, maxNewTokens } = req;
    if (!Array.isArray(prompts)) throw new UserError('generate: prompts must be an array of token arrays');
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new UserError(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    const temperature = req.temperature ?? 1;
    if (!(temperature >= 0)) throw new UserError(`generate: temperature must be >= 0, got ${temperature}`);
    const topK = req.topK ?? 0;
    if (!Number.isInteger(topK) || topK < 0)
      throw new UserError(`generate: topK must be an integer >= 0, got ${topK}`);
    const topP = req.topP ?? 1;
    if (!(topP > 0 && topP <= 1)) throw new UserError(`generate: topP must be in (0, 1], got ${topP}`);
    const stopStrings = req.stopStrings ?? [];
    if (stopStrings.length > 0 && req.detokenize === undefined) {
      throw new UserError('generate: stopStrings need a detokenize callback');
    }
    validateTokens(this.cfg, req.stopTokens ?? [], 'stopTokens');
    this.checkPrompts(prompts, 'prompt');
    const choose: ChooseOptions = { greedy: req.greedy ?? false, temperature, topK, topP };
    const results: Generation[] = [];
    for (let start = 0; start < prompts.length; start += this.maxBatch) {
      const batch = prompts.slice(start, start + this.maxBatch);
      results.push(...(await this.generateBatch(batch, start, req, choose, stopStrings)));
    }
    return results;
  }

  private async generateBatch(
    prompts: number[][],
    firstIndex: number,
    req: GenerateRequest,
    choose: ChooseOptions,
    stopStrings: string[],
  ): Promise<Generation[]> {
    const { vocabSize: V, nHeads: H, nLayers: L, contextLength } = this.cfg;
    const D = this.cfg.dModel / H;
    const seed = req.seed ?? 0;
    const stopTokens = new Set(req.stopTokens ?? []);
    const wantLogprobs = req.logprobs ?? false;
    const n = prompts.length;
    const results: Generation[] = prompts.map(() => ({
      tokens: [],
      finishReason: 'length',
      ...(wantLogprobs ? { logprobs: [] } : {}),
      ...(req.force ? { forced: [] } : {}),
    }));
    const rngs = prompts.map((_, i) => Rng.derive(seed, firstIndex + i));
    // A sequence ends at the context length: its last token takes position contextLength - 1.
    const limit = prompts.map((p) => Math.min(p.length + req.maxNewTokens, contextLength));
    if (prompts.every((p, i) => p.length >= limit[i])) return results;

    // Appends one token chosen from `row` to sequence i; returns whether the sequence is done.
    const emit = (i: number, row: Float32Array): boolean => {
      const r = results[i];
      const forced = req.force?.(firstIndex + i, r.tokens);
      if (forced !== undefined && !(Number.isInteger(forced) && forced >= 0 && forced < V)) {
        throw new UserError(`generate: force returned ${forced}, not a token id in [0, ${V})`);
      }
      // The Rng draws at every position, forced or not, so tools do not shift the draws that follow.
      const sampled = chooseToken(row, choose, rngs[i]);
      const tok = forced ?? sampled;
      r.tokens.push(tok);
      r.forced?.push(forced !== undefined);
      if (wantLogprobs) r.logprobs!.push(row[tok] - logSumExp(row));
      if (stopTokens.has(tok)) {
        r.finishReason = 'stop';
        return true;
      }
      if (stopStrings.length > 0) {
        const text = req.detokenize!(r.tokens);
        if (stopStrings.some((s) => text.includes(s))) {
          r.finishReason = 'stop';
          return true;
        }
      }
      return prompts[i].length + r.tokens.length >= limit[i];
    };

    const pre = await this.prefill(prompts, (S) => prompts.map((p, i) => i * S + p.length - 1));
    const S = pre.S;
    let rows: number[] = []; // rows[j]: the sequence in cache row j
    for (let i = 0; i < n; i++) {
      const row = pre.logits.subarray(i * V, (i + 1) * V);
      if (prompts[i].length < limit[i] && !emit(i, row)) rows.push(i);
    }
    if (rows.length === 0) return results;

    let maxLen = 0;
    for (const l of limit) maxLen = Math.max(maxLen, l);
    const cache = this.newCache(
      n,
      Math.ceil((S + 1) / CACHE_CHUNK) * CACHE_CHUNK,
      Math.ceil(Math.max(maxLen, S + 1) / CACHE_CHUNK) * CACHE_CHUNK,
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
      this.compact(
        cache,
        Array.from({ length: n }, (_, i) => i),
        rows,
      );
    }

    // mask (B,H,1,P): 0 on the slots a sequence has filled, MASKED on the rest. Kept across steps and
    // updated one slot per sequence per step; rebuilt when the cache is regrown or compacted.
    let mask: Float32Array | undefined;
    const finished = new Array<boolean>(n).fill(false);
    while (rows.length > 0) {
      const B = rows.length;
      // pos[j]: the position (and cache slot) of row j's newest token, the one this step feeds.
      const pos = rows.map((i) => prompts[i].length + results[i].tokens.length - 1);
      let need = 0;
      for (const p of pos) need = Math.max(need, p + 1);
      if (need > cache.cap) {
        this.grow(cache, Math.ceil(need / CACHE_CHUNK) * CACHE_CHUNK);
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
        const t = results[rows[j]].tokens;
        tokens[j] = BigInt(t[t.length - 1]);
        positions[j] = BigInt(pos[j]);
      }
      const feeds: Record<string, ort.Tensor> = {
        tokens: new ort.Tensor('int64', tokens, [B, 1]),
        positions: new ort.Tensor('int64', positions, [B, 1]),
        mask: new ort.Tensor('float32', mask, [B, H, 1, P]),
      };
      for (let l = 0; l < L; l++) {
        feeds[`past_k.${l}`] = new ort.Tensor('float32', cache.k[l].subarray(0, B * H * P * D), [B, H, P, D]);
        feeds[`past_v.${l}`] = new ort.Tensor('float32', cache.v[l].subarray(0, B * H * P * D), [B, H, P, D]);
      }
      const out = await this.stepSession.run(feeds);
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
      // Finished rows stay in the batch (recomputing their last step) until the next compaction.
      const still: number[] = [];
      for (let j = 0; j < B; j++) {
        if (finished[rows[j]]) continue;
        if (emit(rows[j], logits.subarray(j * V, (j + 1) * V))) finished[rows[j]] = true;
        else still.push(rows[j]);
      }
      if (still.length === 0) break;
      // Compacting copies the cache once; do it when a quarter of the rows are dead weight.
      if (still.length <= B * 0.75) {
        this.compact(cache, rows, still);
        rows = still;
        mask = undefined;
      }
    }
    this.pool = { k: cache.k, v: cache.v };
    return results;
  }

  /**
   * A cache for B sequences, with buffers sized once for B sequences at `maxCap` slots: growing and
   * compacting then move data within them (no allocation, no GC), and ORT gets views of the used part.
   */
  private newCache(B: number, cap: number, maxCap: number): Cache {
    const size = B * this.cfg.dModel * maxCap;
    const L = this.cfg.nLayers;
    // Reuse the last generation's buffers: fresh ones cost page faults on every first touch.
    const pool = this.pool;
    this.pool = undefined; // taken: a concurrent generate() allocates its own
    const reuse = pool !== undefined && pool.k[0].length >= size;
    return {
      B,
      cap,
      k: reuse ? pool.k : Array.from({ length: L }, () => new Float32Array(size)),
      v: reuse ? pool.v : Array.from({ length: L }, () => new Float32Array(size)),
    };
  }

  /** Regrows every (sequence, head) block of the cache to `cap` slots, in place. */
  private grow(c: Cache, cap: number): void {
    const D = this.cfg.dModel / this.cfg.nHeads;
    const old = c.cap * D;
    const now = cap * D;
    for (const buf of [...c.k, ...c.v]) {
      // Back to front: each block moves to a higher offset than any block still to be moved.
      for (let bh = c.B * this.cfg.nHeads - 1; bh >= 0; bh--) {
        buf.copyWithin(bh * now, bh * old, bh * old + old);
        buf.fill(0, bh * now + old, bh * now + now); // masked slots must hold finite numbers
      }
    }
    c.cap = cap;
  }

  /** Keeps only the cache rows of sequences `keep` (a subsequence of `rows`), in place. */
  private compact(c: Cache, rows: number[], keep: number[]): void {
    const rowSize = this.cfg.dModel * c.cap; // H·cap·D floats per sequence
    const where = new Map(rows.map((s, j) => [s, j]));
    for (const buf of [...c.k, ...c.v]) {
      keep.forEach((s, j) => {
        const from = where.get(s)! * rowSize;
        if (from !== j * rowSize) buf.copyWithin(j * rowSize, from, from + rowSize);
      });
    }
    c.B = keep.length;
  }

  /** Teacher-forced log-probabilities of each continuation given its prompt. */
  async score(req: ScoreRequest): Promise<Score[]> {
    const { prompts, continuations } = req;
    if (!Array.isArray(prompts) || !Array.isArray(continuations) || prompts.length !== continuations.length) {
      throw new UserError('score: prompts and continuations must be arrays of the same length');
    }
    this.checkPrompts(prompts, 'prompt');
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
      // Logit rows: for each sequence, the positions that predict its continuation tokens.
      const pre = await this.prefill(
        idx.map((j) => seqs[j]),
        (S) => idx.flatMap((j, b) => continuations[j].map((_, t) => b * S + prompts[j].length - 1 + t)),
      );
      let r = 0;
      for (const j of idx) {
        const lp = continuations[j].map((tok) => {
          const row = pre.logits.subarray(r * V, (r + 1) * V);
          r++;
          return row[tok] - logSumExp(row);
        });
        results[j] = { logprobs: lp, total: lp.reduce((a, c) => a + c, 0) };
      }
    }
    return results;
  }
}
