/**
 * How a checkpoint records its tokenizer: `metacot-tokenizer.json` next to trainer.json,
 *
 *   {"format": "metacot.tokenizer", "version": 1, "id": "text-ascii-v1"}
 *
 * naming one of TEXT_TOKENIZERS (versioned vocabularies are frozen, so the name is enough). `metacot train`
 * writes it (its --tokenizer, or the one text data was encoded with); so does `metacot iterate` for the
 * checkpoints it has trained. The name says whose file it is: Hugging Face's `tokenizer.json` (what
 * `serve-rollouts --tokenizer` reads) is another thing. Run folders from before the rename hold the record
 * as `tokenizer.json`, and it is still read there. Checkpoints without any record (older `metacot run`
 * models) are matched by vocabulary size when exactly one known tokenizer has that size, with a warning.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { TEXT_TOKENIZERS, type TextTokenizer } from './text-tokenizer.js';

export const TOKENIZER_FILE = 'metacot-tokenizer.json';
/** Where the record lived before it was renamed: read for older run folders, never written. */
export const LEGACY_TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_FORMAT = 'metacot.tokenizer';

export function tokenizerIds(): string[] {
  return Object.keys(TEXT_TOKENIZERS);
}

export function tokenizerById(id: string): TextTokenizer {
  const make = TEXT_TOKENIZERS[id];
  if (!make) throw new UserError(`unknown tokenizer '${id}' (known: ${tokenizerIds().join(', ')})`);
  return make();
}

export function writeTokenizerFile(dir: string, id: string): void {
  tokenizerById(id); // refuse unknown names before writing
  const path = join(dir, TOKENIZER_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ format: TOKENIZER_FORMAT, version: 1, id })}\n`);
  renameSync(tmp, path);
}

/** True for the JSON of a Hugging Face tokenizer.json (a "model" object with the vocabulary). */
export function isHuggingFaceTokenizer(json: unknown): boolean {
  const model = (json as { model?: unknown } | null)?.model;
  return model !== null && typeof model === 'object';
}

/** The id a metacot tokenizer record names; one line naming the file and what it got otherwise. */
function readRecord(path: string): string {
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path}: not JSON (expected metacot's tokenizer record)`);
  }
  if (isHuggingFaceTokenizer(meta))
    throw new UserError(
      `${path} is a Hugging Face tokenizer (it has a "model" object), not a record of which metacot vocabulary ` +
        `a checkpoint of our engine uses: put {"format": "${TOKENIZER_FORMAT}", "version": 1, "id": "<name>"} ` +
        `in ${TOKENIZER_FILE}, or name the vocabulary with --tokenizer ID (${tokenizerIds().join(', ')})`,
    );
  const m = meta as { format?: unknown; id?: unknown } | null;
  if (m === null || typeof m !== 'object' || m.format !== TOKENIZER_FORMAT || typeof m.id !== 'string')
    throw new UserError(`${path}: expected {"format": "${TOKENIZER_FORMAT}", "version": 1, "id": "<name>"}`);
  return m.id;
}

/** The tokenizer id recorded in checkpoint folder `dir` (new name first, then the old one), or undefined. */
export function recordedTokenizer(dir: string): string | undefined {
  for (const name of [TOKENIZER_FILE, LEGACY_TOKENIZER_FILE]) {
    const path = join(dir, name);
    if (existsSync(path)) return readRecord(path);
  }
  return undefined;
}

/**
 * The tokenizer of the checkpoint in `dir`: `override` if given, else the recorded one, else the only known
 * tokenizer of `vocabSize` tokens. `warn` receives a line when the size fallback is used.
 */
export function resolveTokenizer(
  dir: string,
  vocabSize: number,
  override?: string,
  warn: (line: string) => void = () => {},
): TextTokenizer {
  let tok: TextTokenizer;
  const recorded = override === undefined ? recordedTokenizer(dir) : undefined;
  if (override !== undefined) tok = tokenizerById(override);
  else if (recorded !== undefined) tok = tokenizerById(recorded);
  else {
    const bySize = Object.values(TEXT_TOKENIZERS)
      .map((make) => make())
      .filter((t) => t.pieces.length === vocabSize);
    if (bySize.length !== 1)
      throw new UserError(
        `${dir} has no ${TOKENIZER_FILE} and its vocabulary size ${vocabSize} matches ${bySize.length} known tokenizers; ` +
          `retrain with \`metacot train --tokenizer ID\`, write ${join(dir, TOKENIZER_FILE)} (see docs/llm-backends.md) ` +
          'or name one (#tokenizer=ID / --tokenizer ID)',
      );
    tok = bySize[0];
    warn(
      `${dir}: no ${TOKENIZER_FILE}; assuming '${tok.id}', the only known tokenizer with ${vocabSize} tokens`,
    );
  }
  if (tok.pieces.length > vocabSize)
    throw new UserError(
      `tokenizer '${tok.id}' has ${tok.pieces.length} tokens but the model in ${dir} only ${vocabSize}`,
    );
  return tok;
}
