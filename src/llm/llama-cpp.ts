/**
 * GGUF models in-process through node-llama-cpp (llama.cpp), behind LMBackend.
 *
 * ```ts
 * const lm = await LlamaCppBackend.load('model.gguf'); // { threads?, contextSize?, sequences? }
 * const r = await lm.complete({ prompt: '12+7=', maxTokens: 8, n: 4, temperature: 0.7, stop: ['\n'], seed: 3 });
 * await lm.close();
 * ```
 *
 * - The prompt is tokenized by the model's own tokenizer. BOS goes first when the GGUF asks for it
 *   (tokenizer.ggml.add_bos_token), and always for metacot's own exports (general.name "metacot"): exportGguf
 *   writes add_bos_token=false, yet our engine trains and samples with <bos> first, so the same model sees the
 *   same ids in both. `addBos` overrides either.
 * - The n samples of a request run concurrently on `sequences` context sequences, which llama.cpp packs into
 *   one batch per step. Sample i uses seed + i, so a seeded request is reproducible.
 * - Chat messages go through the model's own chat template (tokenizer.chat_template in the GGUF) when it has
 *   one, else through plainChatPrompt.
 * - `logprobs` are log(confidence): llama.cpp's probability of the chosen token *after* temperature and top-p
 *   (unlike our engine, which reports the temperature-1 model probability). At temperature 1 and top-p 1 the
 *   two agree (the llama-cpp test checks it against our Sampler's scores).
 *
 * Threads: DEFAULT_THREADS is 1, chosen by measurement (src/llm/bench-threads.ts) on the 2-core reference
 * machine, 17:38 UTC, load average 8.5 (other agents' work): a 33k-parameter text model exported from our
 * engine, 3 requests of n=4 samples, twice each: 1 thread 1,480 and 3,410 tok/s; 2 threads
 * (os.availableParallelism()) 21 and 42 tok/s; again at 17:50, load 13.9: 2,830 and 2,380 against 19 and 22.
 * llama.cpp's worker threads meet at a barrier at every graph node; when a core is busy with other work, one
 * descheduled thread stalls the whole step, and a tiny model has many nodes per token and little work per node. node-llama-cpp's own default (4 threads here) is worse still
 * (4 tok/s, shared/notes/cpu-ml-feasibility.md). Pass `threads` for big models on idle many-core machines, where
 * prefill and large matmuls gain from more threads.
 */
import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import { UserError } from '../core/errors.js';
import type {
  ChatMessage,
  Completion,
  CompletionRequest,
  CompletionResult,
  LMBackend,
  ScoreResult,
} from './backend.js';
import { plainChatPrompt } from './chat-template.js';
import { type LlamaGpu, loadLlama } from './llama-gpu.js';
import { cutAtStop, randomSeed } from './stop.js';
import { validateRequest } from './validate.js';

export const DEFAULT_THREADS = 1;

export interface LlamaCppOptions {
  /** llama.cpp threads (default DEFAULT_THREADS; see the measurement above). */
  threads?: number;
  /** Context size in tokens (default: the model's training context, at most 4096). */
  contextSize?: number;
  /** Sequences decoded in parallel (default 4): the most samples of one request that run at once. */
  sequences?: number;
  /** Use the GGUF's chat template for messages (default true when it has one). */
  chat?: boolean;
  /** Put BOS before prompts (default: the GGUF's add_bos_token; true for metacot exports). */
  addBos?: boolean;
  /** llama.cpp's GPU backend (default false: CPU only, the path our tests compare with the engine). */
  gpu?: LlamaGpu | false;
}

export class LlamaCppBackend implements LMBackend {
  readonly #free: LlamaContextSequence[];
  readonly #waiting: Array<(s: LlamaContextSequence) => void> = [];

  private constructor(
    readonly name: string,
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly useTemplate: boolean,
    private readonly addBos: boolean,
  ) {
    this.#free = Array.from({ length: context.totalSequences }, () => context.getSequence());
  }

  static async load(path: string, o: LlamaCppOptions = {}): Promise<LlamaCppBackend> {
    const threads = o.threads ?? DEFAULT_THREADS;
    const sequences = o.sequences ?? 4;
    let nlc: typeof import('node-llama-cpp');
    try {
      nlc = await import('node-llama-cpp');
    } catch (err) {
      throw new UserError(`node-llama-cpp cannot be loaded here: ${(err as Error).message}`);
    }
    const llama = await loadLlama(nlc, o.gpu ?? false);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path });
    } catch (err) {
      await llama.dispose();
      throw new UserError(`${path}: llama.cpp cannot load this model: ${(err as Error).message}`);
    }
    const contextSize = o.contextSize ?? Math.min(model.trainContextSize, 4096);
    // F32 KV cache and no flash attention: llama.cpp's exact path, matching our engine within 1e-4
    // (engine/gguf/llama-interop.test.ts). The cache is small at the context sizes used here.
    const context = await model.createContext({
      contextSize,
      sequences,
      threads,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    const template = model.fileInfo.metadata?.tokenizer?.chat_template;
    const useTemplate = (o.chat ?? true) && typeof template === 'string' && template !== '';
    const addBos =
      o.addBos ??
      (model.fileInfo.metadata?.general?.name === 'metacot' || model.tokens.shouldPrependBosToken);
    return new LlamaCppBackend(
      `gguf:${path}`,
      llama,
      model,
      context,
      useTemplate,
      addBos && model.tokens.bos !== null,
    );
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  async #acquire(): Promise<LlamaContextSequence> {
    const s = this.#free.pop();
    if (s) return s;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(s: LlamaContextSequence): void {
    const next = this.#waiting.shift();
    if (next) next(s);
    else this.#free.push(s);
  }

  /** Prompt token ids: BOS (when the model has one) + the text, or the chat template's rendering. */
  promptTokens(r: Pick<CompletionRequest, 'prompt' | 'messages'>): Token[] {
    if (r.messages !== undefined && this.useTemplate) return this.#templated(r.messages);
    const text = r.messages !== undefined ? plainChatPrompt(r.messages) : r.prompt!;
    const ids = this.model.tokenize(text);
    return this.addBos ? [this.model.tokens.bos!, ...ids] : ids;
  }

  #templated(messages: ChatMessage[]): Token[] {
    // node-llama-cpp's resolver picks the model's chat wrapper (a Jinja template or a known family);
    // an empty model turn at the end makes it render the prompt the assistant's reply continues.
    const wrapper = this.#wrapper!;
    const history = [
      ...messages.map((m) =>
        m.role === 'assistant'
          ? { type: 'model' as const, response: [m.content] }
          : { type: m.role, text: m.content },
      ),
      { type: 'model' as const, response: [] },
    ];
    const { contextText } = wrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(this.model.tokenizer);
  }

  /** Resolved on the first chat request (importing the resolver costs nothing for completion-only use). */
  #wrapper: ChatWrapper | undefined;

  /** llama.cpp's repeat penalty looks back a window, not at every token as HF's does: not offered */
  readonly knobs = ['topK', 'minP'] as const;

  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult> {
    validateRequest(request, this.knobs);
    if (request.messages !== undefined && this.useTemplate && this.#wrapper === undefined) {
      const { resolveChatWrapper } = await import('node-llama-cpp');
      this.#wrapper = resolveChatWrapper(this.model);
    }
    const prompt = this.promptTokens(request);
    if (prompt.length >= this.contextSize)
      throw new UserError(
        `prompt of ${prompt.length} tokens does not fit the context of ${this.contextSize}`,
      );
    const n = request.n ?? 1;
    const seed = request.seed ?? randomSeed();
    const completions = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const seq = await this.#acquire();
        try {
          return await this.#sample(seq, prompt, request, seed + i, signal);
        } finally {
          this.#release(seq);
        }
      }),
    );
    return {
      completions,
      promptTokens: prompt.length,
      completionTokens: completions.reduce((a, c) => a + c.tokens, 0),
    };
  }

  async #sample(
    seq: LlamaContextSequence,
    prompt: Token[],
    r: CompletionRequest,
    seed: number,
    signal?: AbortSignal,
  ): Promise<Completion> {
    await seq.clearHistory();
    const temperature = r.temperature ?? 1;
    const want = r.logprobs ?? false;
    const limit = Math.min(r.maxTokens, this.contextSize - prompt.length);
    const tokens: Token[] = [];
    const logprobs: number[] = [];
    let finishReason: Completion['finishReason'] = 'length';
    if (limit > 0) {
      const gen = seq.evaluateWithMetadata(
        prompt,
        { confidence: true },
        // topK 0 and minP 0 switch off llama.cpp's default truncation, so only what was asked shapes the distribution.
        { temperature, topP: r.topP ?? 1, topK: r.topK ?? 0, minP: r.minP ?? 0, seed, yieldEogToken: true },
      );
      for await (const out of gen) {
        signal?.throwIfAborted();
        tokens.push(out.token);
        if (want) logprobs.push(Math.log(out.confidence));
        if (this.model.isEogToken(out.token)) {
          finishReason = 'stop';
          break;
        }
        if (r.stop && r.stop.length > 0 && cutAtStop(this.model.detokenize(tokens), r.stop).stopped) {
          finishReason = 'stop';
          break;
        }
        if (tokens.length >= limit) break;
      }
    }
    const body = tokens.filter((t) => !this.model.isEogToken(t));
    return {
      text: cutAtStop(this.model.detokenize(body), r.stop).text,
      finishReason,
      tokens: tokens.length,
      ...(want ? { logprobs, tokenTexts: tokens.map((t) => this.model.detokenize([t])) } : {}),
    };
  }

  /** Teacher-forced log p of each continuation token (temperature 1, full vocabulary). */
  async score(prompt: string, continuation: string, signal?: AbortSignal): Promise<ScoreResult> {
    const p = this.promptTokens({ prompt });
    const c = this.model.tokenize(continuation);
    if (c.length === 0) return { logprobs: [], total: 0 };
    if (p.length + c.length > this.contextSize)
      throw new UserError(
        `prompt + continuation (${p.length + c.length} tokens) exceed the context ${this.contextSize}`,
      );
    const seq = await this.#acquire();
    try {
      signal?.throwIfAborted();
      await seq.clearHistory();
      const all = [...p, ...c];
      // Probabilities are needed only at the positions that predict continuation tokens.
      const out = await seq.controlledEvaluate(
        all.map((t, i) =>
          i >= p.length - 1 && i < all.length - 1
            ? [
                t,
                {
                  generateNext: {
                    confidence: false,
                    probabilities: true,
                    options: { temperature: 1, topK: 0, topP: 1, minP: 0 },
                  },
                },
              ]
            : t,
        ),
      );
      const logprobs = c.map((tok, j) => {
        const probs = out[p.length - 1 + j]?.next?.probabilities;
        return Math.log(probs?.get(tok) ?? 0);
      });
      return {
        logprobs,
        total: logprobs.reduce((a, b) => a + b, 0),
        tokenTexts: c.map((t) => this.model.detokenize([t])),
      };
    } finally {
      this.#release(seq);
    }
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
