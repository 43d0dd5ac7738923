/**
 * One interface for every language-model engine that search, curation and scale-out talk to:
 * OpenAI-compatible HTTP servers (vLLM, SGLang, llama.cpp, Ollama, `metacot serve`), GGUF models
 * in-process through node-llama-cpp, and metacot's own engine. Text in, text out: each backend
 * owns its tokenizer, so callers never see token ids (token counts are reported for accounting).
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  /** Raw prompt (completion endpoints). Exactly one of `prompt` and `messages` is set. */
  prompt?: string;
  /** Chat messages (chat endpoints, or a backend's chat template). */
  messages?: ChatMessage[];
  maxTokens: number;
  /** Completions to sample for this prompt (1 by default). */
  n?: number;
  /** 1 by default; 0 means greedy. */
  temperature?: number;
  topP?: number;
  /** Sample only among the k most likely tokens (0 or absent: off). Only backends listing 'topK' in `knobs`. */
  topK?: number;
  /** Drop tokens less likely than minP × the most likely one (0 or absent: off). Only with 'minP' in `knobs`. */
  minP?: number;
  /**
   * Divide positive logits (multiply negative ones) of tokens already in the prompt or the completion by this
   * (1 or absent: off), as HF transformers and vLLM do. Only backends listing 'repetitionPenalty' in `knobs`.
   */
  repetitionPenalty?: number;
  /** Generation stops before any of these strings; the stop string is not part of the text. */
  stop?: string[];
  seed?: number;
  /** Also return the log-probability of each generated token. */
  logprobs?: boolean;
}

export interface Completion {
  text: string;
  finishReason: 'stop' | 'length';
  /** Tokens generated for this completion. */
  tokens: number;
  logprobs?: number[];
  /** With `logprobs`, where the backend knows them: the text of each generated token (OpenAI's `tokens`). */
  tokenTexts?: string[];
}

export interface CompletionResult {
  completions: Completion[];
  promptTokens: number;
  completionTokens: number;
}

export interface ScoreResult {
  /** log p(token | prompt, previous continuation tokens), one per continuation token. */
  logprobs: number[];
  total: number;
  /** Where the backend knows them: the text of each continuation token. */
  tokenTexts?: string[];
}

/** Sampling knobs beyond temperature and top-p, which not every backend can honour. */
export type SamplingKnob = 'topK' | 'minP' | 'repetitionPenalty';

export interface LMBackend {
  /** Human-readable identity for logs and reports, e.g. `openai:http://127.0.0.1:8000/v1 model=x`. */
  readonly name: string;
  /** The optional sampling knobs this backend honours; a request setting any other one is refused. */
  readonly knobs?: readonly SamplingKnob[];
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResult>;
  /** Teacher-forced log-probabilities of `continuation` after `prompt`, where the engine allows it. */
  score?(prompt: string, continuation: string, signal?: AbortSignal): Promise<ScoreResult>;
  close?(): Promise<void>;
}
