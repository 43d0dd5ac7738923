/**
 * How a checkpoint records its tokenizer: `tokenizer.json` next to trainer.json,
 *
 *   {"format": "metacot.tokenizer", "version": 1, "id": "text-ascii-v1"}
 *
 * naming one of TEXT_TOKENIZERS (versioned vocabularies are frozen, so the name is enough). `metacot train`
 * takes pre-tokenized data and so cannot know it: whoever tokenized the data writes the file
 * (writeTokenizerFile, or by hand). Checkpoints without the file (older `metacot run` models) are matched
 * by vocabulary size when exactly one known tokenizer has that size, with a warning.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { TEXT_TOKENIZERS, type TextTokenizer } from './text-tokenizer.js';

export const TOKENIZER_FILE = 'tokenizer.json';

export function tokenizerById(id: string): TextTokenizer {
  const make = TEXT_TOKENIZERS[id];
  if (!make)
    throw new UserError(`unknown tokenizer '${id}' (known: ${Object.keys(TEXT_TOKENIZERS).join(', ')})`);
  return make();
}

export function writeTokenizerFile(dir: string, id: string): void {
  tokenizerById(id); // refuse unknown names before writing
  const path = join(dir, TOKENIZER_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ format: 'metacot.tokenizer', version: 1, id })}\n`);
  renameSync(tmp, path);
}

/**
 * The tokenizer of the checkpoint in `dir`: `override` if given, else tokenizer.json, else the only known
 * tokenizer of `vocabSize` tokens. `warn` receives a line when the size fallback is used.
 */
export function resolveTokenizer(
  dir: string,
  vocabSize: number,
  override?: string,
  warn: (line: string) => void = () => {},
): TextTokenizer {
  let tok: TextTokenizer;
  const path = join(dir, TOKENIZER_FILE);
  if (override !== undefined) tok = tokenizerById(override);
  else if (existsSync(path)) {
    let meta: { format?: string; id?: unknown };
    try {
      meta = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new UserError(`${path}: not JSON`);
    }
    if (meta.format !== 'metacot.tokenizer' || typeof meta.id !== 'string')
      throw new UserError(`${path}: expected {"format": "metacot.tokenizer", "version": 1, "id": "<name>"}`);
    tok = tokenizerById(meta.id);
  } else {
    const bySize = Object.values(TEXT_TOKENIZERS)
      .map((make) => make())
      .filter((t) => t.pieces.length === vocabSize);
    if (bySize.length !== 1)
      throw new UserError(
        `${dir} has no ${TOKENIZER_FILE} and its vocabulary size ${vocabSize} matches ${bySize.length} known tokenizers; ` +
          `write ${path} (see docs/llm-backends.md) or name one (#tokenizer=ID / --tokenizer ID)`,
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
