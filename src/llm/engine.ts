/**
 * metacot's own engine (onnxruntime Sampler, src/engine/infer) behind LMBackend, with a text tokenizer.
 *
 * ```ts
 * const lm = await EngineBackend.load('runs/x/models/metacot'); // trainer.json + model-*.safetensors + tokenizer.json
 * const r = await lm.complete({ prompt: '12+7=', maxTokens: 8, n: 4, stop: ['\n'], seed: 1 });
 * ```
 *
 * Prompts start with <bos>; generation ends at <eos>, a stop string, maxTokens or the context length.
 * Concurrent requests run together: while one Sampler batch runs, the requests that arrive are gathered into
 * the next (batcher.ts), each with its own sampling options, stops and seed (sequence i of a request draws from
 * Rng.derive(seed, i), so a seeded request gives the same text whatever runs beside it). A request whose signal
 * aborts leaves the line, or stops its sequences at the next token. Scoring runs alone, between batches.
 * `tokens` and `logprobs` cover every generated token, including the <eos> or the token that completed a
 * stop string, although neither appears in `text`.
 */
import { loadCheckpoint } from '../engine/checkpoint.js';
import { type GenerateRequest, type Generation, Sampler } from '../engine/infer/sampler.js';
import type { ModelConfig, Weights } from '../engine/model-config.js';
import type { CompletionRequest, CompletionResult, LMBackend, SamplingKnob, ScoreResult } from './backend.js';
import { Batcher } from './batcher.js';
import { plainChatPrompt } from './chat-template.js';
import { cutAtStop, randomSeed } from './stop.js';
import type { TextTokenizer } from './text-tokenizer.js';
import { resolveTokenizer } from './tokenizer-file.js';
import { validateRequest } from './validate.js';

export interface EngineBackendOptions {
  /** onnxruntime threads (default 1: the Sampler's own measurement, see engine/infer/sampler.ts). */
  threads?: number;
  /** Most sequences per graph run (default 256). */
  maxBatch?: number;
  /** Tokenizer id overriding the checkpoint's tokenizer.json. */
  tokenizer?: string;
  /** Where a warning line goes (default stderr). */
  warn?: (line: string) => void;
}

const DEFAULT_MAX_BATCH = 256;

export class EngineBackend implements LMBackend {
  readonly knobs: readonly SamplingKnob[] = ['topK', 'minP', 'repetitionPenalty'];
  readonly #batcher: Batcher<GenerateRequest, Generation[]>;

  private constructor(
    readonly name: string,
    readonly cfg: ModelConfig,
    readonly tokenizer: TextTokenizer,
    private sampler: Sampler,
    maxBatch: number,
  ) {
    this.#batcher = new Batcher(
      (reqs) => this.sampler.generateMany(reqs),
      (req) => req.prompts.length,
      maxBatch,
    );
  }

  /** Loads the latest checkpoint in `dir` (as `metacot train` writes it) and its tokenizer. */
  static async load(dir: string, o: EngineBackendOptions = {}): Promise<EngineBackend> {
    const ckpt = loadCheckpoint(dir);
    const warn = o.warn ?? ((line: string) => process.stderr.write(`warning: ${line}\n`));
    const tok = resolveTokenizer(dir, ckpt.cfg.vocabSize, o.tokenizer, warn);
    return EngineBackend.create(ckpt.cfg, ckpt.weights, tok, o, `engine:${dir}`);
  }

  static async create(
    cfg: ModelConfig,
    weights: Weights,
    tokenizer: TextTokenizer,
    o: EngineBackendOptions = {},
    name = 'engine',
  ): Promise<EngineBackend> {
    const maxBatch = o.maxBatch ?? DEFAULT_MAX_BATCH;
    const sampler = await Sampler.create(cfg, weights, { threads: o.threads ?? 1, maxBatch });
    return new EngineBackend(name, cfg, tokenizer, sampler, maxBatch);
  }

  /** The token ids a request's prompt becomes (<bos> first). */
  promptIds(r: Pick<CompletionRequest, 'prompt' | 'messages'>): number[] {
    const text = r.messages !== undefined ? plainChatPrompt(r.messages) : r.prompt!;
    return [this.tokenizer.bos, ...this.tokenizer.encode(text)];
  }

  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
    validateRequest(request, this.knobs);
    signal?.throwIfAborted();
    const prompt = this.promptIds(request);
    const n = request.n ?? 1;
    const temperature = request.temperature ?? 1;
    const tok = this.tokenizer;
    const gen: GenerateRequest = {
      prompts: Array.from({ length: n }, () => prompt),
      maxNewTokens: request.maxTokens,
      temperature: temperature === 0 ? 1 : temperature,
      greedy: temperature === 0,
      topP: request.topP,
      topK: request.topK,
      minP: request.minP,
      repetitionPenalty: request.repetitionPenalty,
      stopTokens: [tok.eos],
      stopStrings: request.stop,
      detokenize: (ids) => tok.decode(ids),
      seed: request.seed ?? randomSeed(),
      logprobs: request.logprobs,
      signal,
    };
    // refused here, alone, rather than failing the batch it would join (a prompt longer than the context, ...)
    this.sampler.checkRequest(gen);
    const gens = await this.#batcher.submit(gen, signal);
    const completions = gens.map((g) => {
      const cut = cutAtStop(tok.decode(g.tokens), request.stop);
      return {
        text: cut.text,
        finishReason: g.finishReason,
        tokens: g.tokens.length,
        ...(g.logprobs ? { logprobs: g.logprobs, tokenTexts: g.tokens.map((t) => tok.decode([t])) } : {}),
      };
    });
    return {
      completions,
      promptTokens: prompt.length,
      completionTokens: completions.reduce((a, c) => a + c.tokens, 0),
    };
  }

  score(prompt: string, continuation: string, signal?: AbortSignal): Promise<ScoreResult> {
    return this.#batcher.exclusive(async () => {
      signal?.throwIfAborted();
      const ids = this.tokenizer.encode(continuation);
      const [s] = await this.sampler.score({ prompts: [this.promptIds({ prompt })], continuations: [ids] });
      return { ...s, tokenTexts: ids.map((t) => this.tokenizer.decode([t])) };
    });
  }

  async close(): Promise<void> {
    await this.#batcher.exclusive(() => this.sampler.dispose());
  }
}
