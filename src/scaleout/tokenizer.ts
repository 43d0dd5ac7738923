/**
 * The trainer's own tokenizer, loaded from a Hugging Face `tokenizer.json` with @huggingface/tokenizers (the
 * pure-JS port maintained by Hugging Face, used by Transformers.js). NeoX trains on whatever ids we send, so
 * they must come from the same vocabulary the trainer's embedding was built for; a tokenizer that cannot be
 * loaded, or that turns a probe text into ids outside its own vocabulary, stops the server before any
 * connection is accepted.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../core/errors.js';
import { TOKENIZER_FILE, TOKENIZER_FORMAT } from '../llm/tokenizer-file.js';

export interface TrainerTokenizer {
  /** the file it came from */
  readonly source: string;
  /** largest id + 1 over the model vocabulary and added tokens */
  readonly vocabSize: number;
  /** the id appended to every completion that ended by itself, so the policy learns to stop */
  readonly eosId: number;
  readonly eosToken: string;
  /** ids of a prompt, with the special tokens the tokenizer's post-processor adds (BOS) */
  encodePrompt(text: string): number[];
  /** ids of generated text, with no special tokens added */
  encodeCompletion(text: string): number[];
  decode(ids: number[]): string;
}

/** End-of-turn / end-of-text tokens of common chat models, tried in order when no EOS is named. */
const EOS_CANDIDATES = ['<|eot_id|>', '<|im_end|>', '<|endoftext|>', '<|end_of_text|>', '</s>', '<eos>'];

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read ${what} (${(err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: ${what} is not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UserError(`${file}: ${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

export interface TokenizerLoadOptions {
  /** the EOS token's text (default: tokenizer_config.json's eos_token, else a common end-of-turn token) */
  eosToken?: string;
}

/**
 * Loads `path` (a tokenizer.json, or a folder holding one). A `tokenizer_config.json` beside it is read for
 * the EOS token and BOS settings, as transformers would.
 */
export function loadTrainerTokenizer(path: string, opts: TokenizerLoadOptions = {}): TrainerTokenizer {
  if (!existsSync(path)) throw new UserError(`${path}: no such tokenizer file`);
  const file = statSync(path).isDirectory() ? join(path, 'tokenizer.json') : path;
  if (!existsSync(file))
    throw new UserError(
      existsSync(join(path, TOKENIZER_FILE))
        ? `${path}: folder has no Hugging Face tokenizer.json, only ${TOKENIZER_FILE} (the vocabulary of a ` +
            "checkpoint of metacot's own engine): --tokenizer wants the trainer's Hugging Face tokenizer.json"
        : `${path}: folder has no tokenizer.json`,
    );
  const json = readJson(file, 'tokenizer.json');
  if (json.format === TOKENIZER_FORMAT)
    throw new UserError(
      `${file} is metacot's tokenizer record (the vocabulary '${String(json.id)}' of a checkpoint of our own ` +
        "engine), not a Hugging Face tokenizer.json: --tokenizer wants the trainer's Hugging Face tokenizer.json " +
        '(a "model" object with the vocabulary, as saved by transformers)',
    );
  const model = json.model as Record<string, unknown> | undefined;
  if (model === undefined || typeof model !== 'object')
    throw new UserError(
      `${file}: not a Hugging Face tokenizer.json: no "model" object (expected the trainer's tokenizer.json ` +
        'as transformers saves it)',
    );
  if (model.vocab === undefined)
    throw new UserError(`${file}: malformed tokenizer.json: "model" has no "vocab"`);
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = existsSync(configFile) ? readJson(configFile, 'tokenizer_config.json') : {};

  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json, config);
  } catch (err) {
    throw new UserError(`${file}: malformed tokenizer.json (${(err as Error).message})`);
  }
  const vocab = tok.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  if (vocabSize === 0) throw new UserError(`${file}: malformed tokenizer.json: empty vocabulary`);

  const named = opts.eosToken ?? tokenName(config.eos_token);
  const eosToken = named ?? EOS_CANDIDATES.find((t) => tok.token_to_id(t) !== undefined);
  if (eosToken === undefined)
    throw new UserError(
      `${file}: no EOS token found (tried ${EOS_CANDIDATES.join(', ')}); name one with --eos-token`,
    );
  const eosId = tok.token_to_id(eosToken);
  if (eosId === undefined)
    throw new UserError(`${file}: EOS token ${JSON.stringify(eosToken)} is not in the vocabulary`);

  const checked = (ids: number[], what: string): number[] => {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new UserError(
          `${file}: tokenizer produced id ${id} for ${what}, outside its vocabulary (0..${vocabSize - 1})`,
        );
    }
    return ids;
  };
  const encode = (text: string, special: boolean, what: string): number[] => {
    try {
      return checked(tok.encode(text, { add_special_tokens: special }).ids, what);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${file}: tokenizer failed on ${what} (${(err as Error).message})`);
    }
  };
  // a tokenizer whose merges or normalizer are broken usually fails here, before any trainer connects
  encode('The answer is \\boxed{42}.\n', true, 'a probe text');

  return {
    source: file,
    vocabSize,
    eosId,
    eosToken,
    encodePrompt: (text) => encode(text, true, 'a prompt'),
    encodeCompletion: (text) => encode(text, false, 'a completion'),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
  };
}
