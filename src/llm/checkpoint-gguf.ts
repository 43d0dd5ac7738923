/**
 * A checkpoint of our engine (`metacot train --out DIR`) as a GGUF file for llama.cpp / node-llama-cpp: the
 * weights as they are (engine/gguf), the vocabulary from the checkpoint's tokenizer record.
 *
 * ```ts
 * await exportCheckpointGguf('runs/m', 'm.gguf'); // then backendFromSpec('gguf:m.gguf')
 * ```
 */
import { loadCheckpoint } from '../engine/checkpoint.js';
import { encodeGguf, type GgufVocab } from '../engine/gguf/gguf.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import type { TextTokenizer } from './text-tokenizer.js';
import { resolveTokenizer } from './tokenizer-file.js';

/**
 * The GGUF vocabulary of a tokenizer in a model of `vocabSize` tokens. A model may have more rows than its
 * tokenizer has tokens (checkpoints sized by their largest id before train took a tokenizer); those rows
 * can never be sampled from text, so they become control tokens `<unused-N>`.
 */
export function ggufVocab(tok: TextTokenizer, vocabSize: number): GgufVocab {
  const tokens = [...tok.pieces];
  const special: number[] = [];
  for (let id = tokens.length; id < vocabSize; id++) {
    tokens.push(`<unused-${id}>`);
    special.push(id);
  }
  return { tokens, bos: tok.bos, eos: tok.eos, pad: tok.pad, unk: tok.unk, special };
}

export interface CheckpointGgufResult {
  path: string;
  bytes: number;
  tokenizer: string;
  vocabSize: number;
  step: number;
}

/** Writes the latest checkpoint in `dir` to `path` (atomically: a temp file, then rename). */
export async function exportCheckpointGguf(
  dir: string,
  path: string,
  o: { tokenizer?: string; warn?: (line: string) => void } = {},
): Promise<CheckpointGgufResult> {
  const ckpt = loadCheckpoint(dir);
  const tok = resolveTokenizer(dir, ckpt.cfg.vocabSize, o.tokenizer, o.warn);
  const bytes = encodeGguf(ckpt.cfg, ckpt.weights, ggufVocab(tok, ckpt.cfg.vocabSize));
  writeFileAtomic(path, bytes);
  return {
    path,
    bytes: bytes.length,
    tokenizer: tok.id,
    vocabSize: ckpt.cfg.vocabSize,
    step: ckpt.optimizer.step,
  };
}
