/**
 * One sequence of a Sampler batch: its prompt, its request's sampling options and stops, and what it has
 * generated. Sequences of different requests run in one batch, each with its own options: the batch only shares
 * the graph runs. Sequence i of a request draws from Rng.derive(seed, i), so its tokens do not depend on what
 * else is in the batch.
 */
import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { ModelConfig } from '../model-config.js';
import { validateTokens } from '../reference.js';
import { type ChooseOptions, chooseToken, logSumExp } from './choose.js';

export interface GenerateRequest {
  prompts: number[][];
  maxNewTokens: number;
  /** 1 by default; 0 means greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or absent: all). */
  topK?: number;
  /** Nucleus sampling mass (1 or absent: off). */
  topP?: number;
  /** Drop tokens less likely than minP × the most likely one, after temperature (0 or absent: off). */
  minP?: number;
  /**
   * Divide the positive logits (multiply the negative ones) of every token already in the prompt or the output
   * by this, before temperature, as HF transformers and vLLM do (1 or absent: off).
   */
  repetitionPenalty?: number;
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
  /** Once aborted, this request's sequences stop at their next token (the batch's others go on). */
  signal?: AbortSignal;
}

export interface Generation {
  tokens: number[];
  logprobs?: number[];
  /** Present when the request had `force`: forced[k] says token k came from the tool, not the model. */
  forced?: boolean[];
  finishReason: 'stop' | 'length';
}

/** Checks prompts: non-empty, within the context, token ids in the vocabulary. */
export function checkPrompts(cfg: ModelConfig, prompts: number[][], what: string): void {
  prompts.forEach((p, i) => {
    if (!Array.isArray(p) || p.length === 0)
      throw new UserError(`${what} ${i}: must have at least one token`);
    if (p.length > cfg.contextLength) {
      throw new UserError(`${what} ${i}: ${p.length} tokens exceed the context length ${cfg.contextLength}`);
    }
    validateTokens(cfg, p, `${what} ${i}`);
  });
}

/** Throws a one-line UserError for a request the Sampler cannot run. */
export function checkGenerateRequest(cfg: ModelConfig, req: GenerateRequest): void {
  const { prompts, maxNewTokens } = req;
  if (!Array.isArray(prompts)) throw new UserError('generate: prompts must be an array of token arrays');
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0)
    throw new UserError(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  const temperature = req.temperature ?? 1;
  if (!(temperature >= 0)) throw new UserError(`generate: temperature must be >= 0, got ${temperature}`);
  const topK = req.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0)
    throw new UserError(`generate: topK must be an integer >= 0, got ${topK}`);
  const topP = req.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new UserError(`generate: topP must be in (0, 1], got ${topP}`);
  const minP = req.minP ?? 0;
  if (!(minP >= 0 && minP <= 1)) throw new UserError(`generate: minP must be in [0, 1], got ${minP}`);
  const penalty = req.repetitionPenalty ?? 1;
  if (!(penalty > 0 && Number.isFinite(penalty)))
    throw new UserError(`generate: repetitionPenalty must be a number > 0, got ${penalty}`);
  if ((req.stopStrings ?? []).length > 0 && req.detokenize === undefined)
    throw new UserError('generate: stopStrings need a detokenize callback');
  validateTokens(cfg, req.stopTokens ?? [], 'stopTokens');
  checkPrompts(cfg, prompts, 'prompt');
}

/** Scratch row for penalized logits: emit() runs one sequence at a time, so one buffer serves all. */
let scratch = new Float32Array(0);

export class Sequence {
  readonly out: Generation;
  /** Position after which the sequence stops: its last token takes position limit - 1. */
  readonly limit: number;
  private readonly rng: Rng;
  private readonly choose: ChooseOptions;
  private readonly stopTokens: Set<number>;
  private readonly stopStrings: string[];
  /** Tokens in the prompt and the output so far, when a repetition penalty applies. */
  private readonly seen: Set<number> | undefined;
  private readonly penalty: number;

  /** Sequence `index` of `req`, whose prompt is `prompt`. The request must have passed checkGenerateRequest. */
  constructor(
    readonly prompt: number[],
    readonly req: GenerateRequest,
    readonly index: number,
    contextLength: number,
  ) {
    this.out = {
      tokens: [],
      finishReason: 'length',
      ...(req.logprobs ? { logprobs: [] } : {}),
      ...(req.force ? { forced: [] } : {}),
    };
    this.limit = Math.min(prompt.length + req.maxNewTokens, contextLength);
    this.rng = Rng.derive(req.seed ?? 0, index);
    this.choose = {
      greedy: req.greedy ?? false,
      temperature: req.temperature ?? 1,
      topK: req.topK ?? 0,
      topP: req.topP ?? 1,
      minP: req.minP ?? 0,
    };
    this.stopTokens = new Set(req.stopTokens ?? []);
    this.stopStrings = req.stopStrings ?? [];
    this.penalty = req.repetitionPenalty ?? 1;
    this.seen = this.penalty !== 1 ? new Set(prompt) : undefined;
  }

  /** Whether the prompt already fills the sequence's room (nothing to generate). */
  get full(): boolean {
    return this.prompt.length >= this.limit;
  }

  /** Whether its request was aborted: the sequence then takes no more tokens. */
  get aborted(): boolean {
    return this.req.signal?.aborted ?? false;
  }

  /**
   * Whether the step graph chooses this sequence's tokens (llama-graph.ts chooseOnGraph): plain temperature
   * sampling, with no top-k, top-p, min-p or repetition penalty. Other sequences take the JS path on the
   * logits; for greedy ones its argmax costs less than the graph's choice.
   */
  get onGraph(): boolean {
    const c = this.choose;
    const greedy = c.greedy || c.temperature === 0;
    return !greedy && this.seen === undefined && c.topK === 0 && c.topP >= 1 && !((c.minP ?? 0) > 0);
  }

  /** 1/temperature, for the graph's choice. */
  get inverseTemperature(): number {
    return 1 / this.choose.temperature;
  }

  /**
   * Before a step whose token the graph chooses (plain sampling): the tool's token, if any, and this
   * position's uniform draw, taken whether or not a tool writes the token, as emit() does.
   */
  prepare(vocabSize: number): { forced: number | undefined; u: number } {
    return { forced: this.toolToken(vocabSize), u: this.rng.float() };
  }

  /** Appends one token chosen from the logits `row`; returns whether the sequence is done. */
  emit(row: Float32Array): boolean {
    const forced = this.toolToken(row.length);
    // The Rng draws at every position, forced or not, so tools do not shift the draws that follow.
    const sampled = chooseToken(this.seen ? this.penalized(row) : row, this.choose, this.rng);
    const tok = forced ?? sampled;
    // the model's own distribution, whatever shaped the choice
    return this.accept(tok, forced !== undefined, this.out.logprobs ? row[tok]! - logSumExp(row) : 0);
  }

  /** Appends `tok` (with its log-probability at temperature 1); returns whether the sequence is done. */
  accept(tok: number, forced: boolean, logprob: number): boolean {
    const r = this.out;
    r.tokens.push(tok);
    r.forced?.push(forced);
    this.seen?.add(tok);
    r.logprobs?.push(logprob);
    if (this.stopTokens.has(tok)) {
      r.finishReason = 'stop';
      return true;
    }
    if (this.stopStrings.length > 0) {
      const text = this.req.detokenize!(r.tokens);
      if (this.stopStrings.some((s) => text.includes(s))) {
        r.finishReason = 'stop';
        return true;
      }
    }
    return this.prompt.length + r.tokens.length >= this.limit;
  }

  /** The token a tool writes next, if any, checked to be in the vocabulary. */
  private toolToken(V: number): number | undefined {
    const forced = this.req.force?.(this.index, this.out.tokens);
    if (forced !== undefined && !(Number.isInteger(forced) && forced >= 0 && forced < V)) {
      throw new UserError(`generate: force returned ${forced}, not a token id in [0, ${V})`);
    }
    return forced;
  }

  /** The row with the repetition penalty applied to every token seen so far (a copy: logprobs use the original). */
  private penalized(row: Float32Array): Float32Array {
    if (scratch.length !== row.length) scratch = new Float32Array(row.length);
    scratch.set(row);
    for (const t of this.seen!) {
      const l = scratch[t]!;
      scratch[t] = l > 0 ? l / this.penalty : l * this.penalty;
    }
    return scratch;
  }
}
