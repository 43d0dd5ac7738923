/**
 * Tokenizers the served models use, behind one small interface, and `text-ascii-v1`: a character-level
 * vocabulary for natural-language text (the Countdown vocabularies only cover Countdown traces).
 *
 * text-ascii-v1 = <pad> <bos> <eos> <unk>, tab, newline, then the 95 printable ASCII characters (101 tokens).
 * Characters outside it (é, emoji, \r) encode to <unk>, which decodes to U+FFFD.
 * Why characters and not bytes: GGUF export (engine/gguf) writes each single-byte token as one GPT-2
 * byte character, and a lone byte 0x80-0xFF is not a valid UTF-8 token text; with ASCII-only tokens
 * the same checkpoint runs in our engine and, exported, in llama.cpp with identical token ids. A byte-level
 * vocabulary would need 256 byte tokens plus a different GGUF mapping; small models trained here see
 * ASCII text (arithmetic, English, LaTeX) anyway.
 */
import { COUNTDOWN_VOCAB_NUM_V1, COUNTDOWN_VOCAB_V1, Tokenizer } from '../countdown/tokenizer.js';

export interface TextTokenizer {
  /** Versioned vocabulary name recorded next to checkpoints (tokenizer.json). */
  readonly id: string;
  /** Text of each token by id (specials as `<bos>` etc.); the GGUF export uses these. */
  readonly pieces: readonly string[];
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  encode(text: string): number[];
  /** Specials other than <unk> decode to nothing. */
  decode(ids: readonly number[]): string;
}

const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'];
const ASCII = ['\t', '\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];

export class AsciiTokenizer implements TextTokenizer {
  readonly id = 'text-ascii-v1';
  readonly pieces: readonly string[] = [...SPECIALS, ...ASCII];
  readonly pad = 0;
  readonly bos = 1;
  readonly eos = 2;
  readonly unk = 3;
  /** char code → id for codes < 128; -1 where the character has no token. */
  readonly #ids = new Int16Array(128).fill(-1);

  constructor() {
    ASCII.forEach((c, i) => {
      this.#ids[c.charCodeAt(0)] = SPECIALS.length + i;
    });
  }

  encode(text: string): number[] {
    const out: number[] = [];
    // for..of walks code points, so a surrogate pair (emoji) is one <unk>, not two
    for (const ch of text) {
      const c = ch.charCodeAt(0);
      const id = ch.length === 1 && c < 128 ? this.#ids[c] : -1;
      out.push(id >= 0 ? id : this.unk);
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (id === this.unk) s += '\ufffd';
      else if (id >= SPECIALS.length && id < this.pieces.length) s += this.pieces[id];
    }
    return s;
  }
}

/** The Countdown tokenizers behind the same interface. */
class CountdownText implements TextTokenizer {
  readonly #tok: Tokenizer;
  constructor(tok: Tokenizer) {
    this.#tok = tok;
  }
  get id(): string {
    return this.#tok.vocab.id;
  }
  get pieces(): readonly string[] {
    return this.#tok.vocab.pieces;
  }
  get pad(): number {
    return this.#tok.vocab.pad;
  }
  get bos(): number {
    return this.#tok.vocab.bos;
  }
  get eos(): number {
    return this.#tok.vocab.eos;
  }
  get unk(): number {
    return this.#tok.vocab.unk;
  }
  encode(text: string): number[] {
    return this.#tok.encode(text);
  }
  decode(ids: readonly number[]): string {
    return this.#tok.decode(ids);
  }
}

/** Every tokenizer a served model may name, by id. */
export const TEXT_TOKENIZERS: Record<string, () => TextTokenizer> = {
  'text-ascii-v1': () => new AsciiTokenizer(),
  'countdown-v1': () => new CountdownText(new Tokenizer(COUNTDOWN_VOCAB_V1)),
  'countdown-num-v1': () => new CountdownText(new Tokenizer(COUNTDOWN_VOCAB_NUM_V1)),
};

/**
 * `<bos> prompt completion <eos>` as token ids with a loss mask that learns the completion and `<eos>` only
 * (the prompt is given, not learned); an empty prompt learns the whole text. The layout our engine samples
 * from: EngineBackend puts `<bos>` before every prompt and stops at `<eos>`.
 */
export function textExample(
  tok: TextTokenizer,
  prompt: string,
  completion: string,
): { tokens: number[]; lossMask: number[] } {
  const head = [tok.bos, ...tok.encode(prompt)];
  const tail = [...tok.encode(completion), tok.eos];
  return { tokens: [...head, ...tail], lossMask: [...head.map(() => 0), ...tail.map(() => 1)] };
}
