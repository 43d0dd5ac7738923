/**
 * The request fields `metacot serve` takes, checked one by one. Every field is honoured, refused with a 400 that
 * names it, or (a short list of OpenAI fields that change nothing about the sampled text) accepted and ignored:
 * a client never gets results that quietly differ from what it asked for.
 */
import type { ChatMessage, CompletionRequest, LMBackend, SamplingKnob } from '../backend.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export type Body = Record<string, unknown>;

/** Limits of this server, set on the command line. */
export interface FieldLimits {
  /** The id /v1/models lists and requests may name. */
  modelId: string;
  /** Largest `max_tokens` a request may ask for. */
  maxTokensLimit: number;
  /** Largest `n` (times the number of prompts) per request. */
  maxN: number;
}

/** Fields honoured by both endpoints. */
const SHARED = [
  'model',
  'max_tokens',
  'n',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'logprobs',
  'top_k',
  'min_p',
  'repetition_penalty',
];
/** Fields honoured by one endpoint only. */
const OWN = {
  completions: ['prompt', 'echo'],
  chat: ['messages', 'max_completion_tokens', 'top_logprobs'],
};
/**
 * OpenAI fields accepted only at a value that changes nothing (anything else is refused by `refuseUnhonoured`):
 * streaming, penalties, logit_bias, best_of, suffix, tools, response formats other than text.
 */
const NEUTRAL_ONLY = [
  'stream',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'best_of',
  'suffix',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'response_format',
  'modalities',
];
/**
 * OpenAI fields accepted and ignored, as they do not change the completion: bookkeeping (user, metadata, store,
 * service_tier) and options of features that are refused anyway (stream_options, parallel_tool_calls).
 */
export const IGNORED_FIELDS = [
  'user',
  'metadata',
  'store',
  'service_tier',
  'stream_options',
  'parallel_tool_calls',
];

/** vLLM's names for the sampling knobs beyond temperature and top-p. */
const KNOB_FIELDS: Record<string, SamplingKnob> = {
  top_k: 'topK',
  min_p: 'minP',
  repetition_penalty: 'repetitionPenalty',
};

const present = (v: unknown): boolean => v !== undefined && v !== null;

export function num(b: Body, k: string, lo: number, hi: number, int = false): number | undefined {
  const v = b[k];
  if (!present(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
    throw new ApiError(
      400,
      `'${k}' must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
      k,
    );
  return v;
}

/** Refuses a field this endpoint does not know, naming it and what it does take. */
function refuseUnknown(b: Body, endpoint: 'completions' | 'chat'): void {
  const known = new Set([...SHARED, ...OWN[endpoint], ...NEUTRAL_ONLY, ...IGNORED_FIELDS]);
  for (const k of Object.keys(b))
    if (!known.has(k))
      throw new ApiError(
        400,
        `unknown field '${k}' for /v1/${endpoint === 'chat' ? 'chat/completions' : 'completions'}; ` +
          `this server takes ${[...SHARED, ...OWN[endpoint]].join(', ')}`,
        k,
      );
}

/** Refuses OpenAI knobs we cannot honour, unless set to the value that means "off". */
function refuseUnhonoured(b: Body): void {
  for (const k of ['presence_penalty', 'frequency_penalty'])
    if (present(b[k]) && b[k] !== 0)
      throw new ApiError(400, `'${k}' is not supported (use 'repetition_penalty')`, k);
  if (present(b.logit_bias) && Object.keys(b.logit_bias as object).length > 0)
    throw new ApiError(400, "'logit_bias' is not supported", 'logit_bias');
  if (b.stream === true)
    throw new ApiError(400, 'streaming is not supported: send "stream": false', 'stream');
  if (present(b.best_of) && b.best_of !== 1 && b.best_of !== b.n)
    throw new ApiError(400, "'best_of' is not supported", 'best_of');
  if (present(b.suffix) && b.suffix !== '') throw new ApiError(400, "'suffix' is not supported", 'suffix');
  for (const k of ['tools', 'functions'])
    if (present(b[k]) && !(Array.isArray(b[k]) && (b[k] as unknown[]).length === 0))
      throw new ApiError(400, 'tool calls are not supported', k);
  for (const k of ['tool_choice', 'function_call'])
    if (present(b[k]) && b[k] !== 'none') throw new ApiError(400, 'tool calls are not supported', k);
  const format = b.response_format as { type?: unknown } | null | undefined;
  if (present(format) && format?.type !== 'text')
    throw new ApiError(
      400,
      '\'response_format\' other than {"type": "text"} is not supported',
      'response_format',
    );
  if (present(b.modalities) && JSON.stringify(b.modalities) !== '["text"]')
    throw new ApiError(400, '\'modalities\' other than ["text"] is not supported', 'modalities');
}

function stopOf(b: Body): string[] | undefined {
  const s = b.stop;
  if (!present(s)) return undefined;
  const list = typeof s === 'string' ? [s] : s;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '') || list.length > 16)
    throw new ApiError(400, "'stop' must be a non-empty string or an array of up to 16 of them", 'stop');
  return list as string[];
}

/** top_k, min_p, repetition_penalty: honoured where the backend can, refused (naming the field) where not. */
function knobsOf(b: Body, lm: LMBackend): Pick<CompletionRequest, SamplingKnob> {
  const topK = num(b, 'top_k', -1, Number.MAX_SAFE_INTEGER, true);
  const out: Pick<CompletionRequest, SamplingKnob> = {
    // vLLM's -1 and 0 both mean "all tokens"
    topK: topK === undefined || topK <= 0 ? undefined : topK,
    minP: num(b, 'min_p', 0, 1) || undefined,
    repetitionPenalty: (() => {
      const p = num(b, 'repetition_penalty', 0, 10);
      if (p === 0)
        throw new ApiError(400, "'repetition_penalty' must be > 0 (1 is off)", 'repetition_penalty');
      return p === 1 ? undefined : p;
    })(),
  };
  for (const [field, knob] of Object.entries(KNOB_FIELDS))
    if (out[knob] !== undefined && !(lm.knobs ?? []).includes(knob))
      throw new ApiError(400, `'${field}' is not supported by this model's backend (${lm.name})`, field);
  return out;
}

/** The sampling request both endpoints share (all but the prompt or messages). */
export function common(
  b: Body,
  endpoint: 'completions' | 'chat',
  lm: LMBackend,
  o: FieldLimits,
  maxTokensDefault: number,
): Omit<CompletionRequest, 'prompt' | 'messages'> {
  refuseUnknown(b, endpoint);
  refuseUnhonoured(b);
  if (b.model !== undefined && b.model !== o.modelId)
    throw new ApiError(
      404,
      `model '${String(b.model)}' does not exist; this server serves '${o.modelId}'`,
      'model',
      'invalid_request_error',
      'model_not_found',
    );
  const maxTokens =
    num(b, 'max_tokens', 0, o.maxTokensLimit, true) ??
    num(b, 'max_completion_tokens', 0, o.maxTokensLimit, true) ??
    Math.min(maxTokensDefault, o.maxTokensLimit);
  return {
    maxTokens,
    n: num(b, 'n', 1, o.maxN, true) ?? 1,
    temperature: num(b, 'temperature', 0, 2),
    topP: (() => {
      const p = num(b, 'top_p', 0, 1);
      if (p === 0) throw new ApiError(400, "'top_p' must be in (0, 1]", 'top_p');
      return p;
    })(),
    ...knobsOf(b, lm),
    stop: stopOf(b),
    seed: num(b, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
  };
}

export function messagesOf(b: Body): ChatMessage[] {
  const m = b.messages;
  if (!Array.isArray(m) || m.length === 0)
    throw new ApiError(400, "'messages' must be a non-empty array", 'messages');
  return m.map((x, i) => {
    const role = x?.role === 'developer' ? 'system' : x?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant')
      throw new ApiError(
        400,
        `messages[${i}].role must be system, developer, user or assistant`,
        `messages[${i}].role`,
      );
    let content = x.content;
    // content parts: only text parts can reach a text model
    if (Array.isArray(content)) {
      if (!content.every((p) => p?.type === 'text' && typeof p.text === 'string'))
        throw new ApiError(
          400,
          `messages[${i}].content: only text parts are supported`,
          `messages[${i}].content`,
        );
      content = content.map((p: { text: string }) => p.text).join('');
    }
    if (typeof content !== 'string')
      throw new ApiError(400, `messages[${i}].content must be a string`, `messages[${i}].content`);
    return { role, content };
  });
}
