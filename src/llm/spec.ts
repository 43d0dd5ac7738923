/**
 * One string names any backend, so every CLI can take a single `--backend` option:
 *
 *   openai:http://127.0.0.1:8000/v1#model=qwen&mode=chat&concurrency=32
 *   openai:http://a:8000/v1,http://b:8000/v1#model=qwen          (load-balanced over both)
 *   gguf:models/tiny.gguf#threads=1&context=2048
 *   gguf:models/big.gguf#gpu=cuda
 *   engine:runs/x/models/metacot#tokenizer=text-ascii-v1
 *
 * A bare http(s) URL means `openai:`, a path ending in `.gguf` means `gguf:`, any other path `engine:`.
 * Options after `#` are `key=value` pairs joined by `&`; unknown keys are an error (a typo must not be
 * silently ignored). docs/llm-backends.md lists them.
 */
import { UserError } from '../core/errors.js';
import type { LMBackend } from './backend.js';
import { LLAMA_GPUS, type LlamaGpu } from './llama-gpu.js';

export type BackendKind = 'openai' | 'gguf' | 'engine';

export interface BackendSpec {
  kind: BackendKind;
  /** URLs (openai, comma-separated) or a path (gguf, engine). */
  location: string;
  options: Record<string, string>;
}

const KEYS: Record<BackendKind, readonly string[]> = {
  openai: ['model', 'mode', 'concurrency', 'timeout_ms', 'retries', 'key_env'],
  gguf: ['threads', 'context', 'sequences', 'chat', 'bos', 'gpu'],
  engine: ['threads', 'max_batch', 'tokenizer'],
};

export function parseBackendSpec(spec: string): BackendSpec {
  if (typeof spec !== 'string' || spec.trim() === '') throw new UserError('backend spec is empty');
  const hash = spec.indexOf('#');
  let head = hash < 0 ? spec : spec.slice(0, hash);
  const tail = hash < 0 ? '' : spec.slice(hash + 1);
  let kind: BackendKind;
  const m = /^(openai|gguf|engine):/.exec(head);
  if (m) {
    kind = m[1] as BackendKind;
    head = head.slice(m[0].length);
  } else if (/^https?:\/\//.test(head)) kind = 'openai';
  else if (/^[a-z][\w+.-]*:/i.test(head))
    throw new UserError(`backend spec ${JSON.stringify(spec)}: unknown kind (use openai:, gguf: or engine:)`);
  else kind = head.toLowerCase().endsWith('.gguf') ? 'gguf' : 'engine';
  if (head === '')
    throw new UserError(
      `backend spec ${JSON.stringify(spec)}: missing ${kind === 'openai' ? 'URL' : 'path'}`,
    );
  const options: Record<string, string> = {};
  for (const part of tail.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? 'true' : decodeURIComponent(part.slice(eq + 1));
    if (!KEYS[kind].includes(key))
      throw new UserError(
        `backend spec ${JSON.stringify(spec)}: unknown option '${key}' for ${kind} (known: ${KEYS[kind].join(', ')})`,
      );
    options[key] = value;
  }
  return { kind, location: head, options };
}

function intOpt(spec: BackendSpec, key: string, min: number): number | undefined {
  const v = spec.options[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`backend spec option ${key}=${v}: expected an integer >= ${min}`);
  return n;
}

function gpuOpt(v: string | undefined): LlamaGpu | false | undefined {
  if (v === undefined) return undefined;
  if (v === 'off' || v === 'false') return false;
  if ((LLAMA_GPUS as readonly string[]).includes(v)) return v as LlamaGpu;
  throw new UserError(`backend spec option gpu=${v}: expected off, ${LLAMA_GPUS.join(', ')}`);
}

/** Builds the backend a spec names. Heavy engines (onnxruntime, llama.cpp) are imported only when used. */
export async function backendFromSpec(spec: string | BackendSpec): Promise<LMBackend> {
  const s = typeof spec === 'string' ? parseBackendSpec(spec) : spec;
  if (s.kind === 'openai') {
    const { OpenAIBackend, listModels } = await import('./openai.js');
    const endpoints = s.location.split(',').filter((u) => u !== '');
    const keyEnv =
      s.options.key_env ??
      (endpoints.some((u) => u.includes('api.openai.com')) ? 'OPENAI_API_KEY' : undefined);
    const apiKey = keyEnv === undefined ? undefined : process.env[keyEnv];
    if (keyEnv !== undefined && s.options.key_env !== undefined && apiKey === undefined)
      throw new UserError(`backend spec: environment variable ${keyEnv} (key_env) is not set`);
    const mode = s.options.mode ?? 'completions';
    if (mode !== 'completions' && mode !== 'chat')
      throw new UserError(`backend spec option mode=${mode}: expected completions or chat`);
    const model = s.options.model ?? (await listModels(endpoints[0], apiKey))[0];
    if (model === undefined) throw new UserError(`${endpoints[0]}/models lists no model; give #model=NAME`);
    return new OpenAIBackend({
      endpoints,
      model,
      apiKey,
      mode,
      concurrency: intOpt(s, 'concurrency', 1),
      timeoutMs: intOpt(s, 'timeout_ms', 1),
      maxRetries: intOpt(s, 'retries', 0),
    });
  }
  if (s.kind === 'gguf') {
    const { LlamaCppBackend } = await import('./llama-cpp.js');
    return LlamaCppBackend.load(s.location, {
      threads: intOpt(s, 'threads', 1),
      contextSize: intOpt(s, 'context', 1),
      sequences: intOpt(s, 'sequences', 1),
      chat: s.options.chat === undefined ? undefined : s.options.chat !== 'false',
      addBos: s.options.bos === undefined ? undefined : s.options.bos !== 'false',
      gpu: gpuOpt(s.options.gpu),
    });
  }
  const { EngineBackend } = await import('./engine.js');
  return EngineBackend.load(s.location, {
    threads: intOpt(s, 'threads', 1),
    maxBatch: intOpt(s, 'max_batch', 1),
    tokenizer: s.options.tokenizer,
  });
}
