/**
 * Countdown's compact, versioned tokenizer: digits and operators one token each, and every fixed
 * phrase of the trace formats (compact, SoS, A*) one token, so a trace costs a few tokens per line.
 * The vocabulary is frozen per version: checkpoints record `id`, and a new piece means a new version.
 */

export interface Vocabulary {
  id: string;
  pieces: readonly string[];
  pad: number;
  bos: number;
  eos: number;
  unk: number;
  /** Integers 0..wholeNumbers are single tokens (as most are in GPT-2's BPE, which SoS used); larger ones are spelled digit by digit. 9 = digits only. */
  wholeNumbers?: number;
}

const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'];
const CHARS = [...'0123456789', '+', '-', '*', '/', '=', ' ', ',', '[', ']', '\n', ':', "'", '.', '#'];
const COMPACT = ['target ', 'try ', 'go', 'back ', ' vs ', ' no', ' goal', 'fail'];
const ASTAR = ['create ', 'close ', 'plan '];
const SOS = [
  'Current State: ',
  ', Operations: ',
  'Exploring Operation: ',
  ', Resulting Numbers: ',
  'Generated Node #',
  'Moving to Node #',
  ' equal: Goal Reached',
  ' unequal: No Solution',
  'No solution found.',
  ' Operation: ',
  ', ',
];

export const COUNTDOWN_VOCAB_V1: Vocabulary = {
  id: 'countdown-v1',
  pieces: [...SPECIALS, ...CHARS, ...COMPACT, ...ASTAR, ...SOS],
  pad: 0,
  bos: 1,
  eos: 2,
  unk: 3,
};

/**
 * v1 plus every integer 10..999 as one token: arithmetic on small numbers becomes a lookup a small
 * model learns quickly, instead of digit-by-digit carries.
 */
export const COUNTDOWN_VOCAB_NUM_V1: Vocabulary = {
  ...COUNTDOWN_VOCAB_V1,
  id: 'countdown-num-v1',
  pieces: [...COUNTDOWN_VOCAB_V1.pieces, ...Array.from({ length: 990 }, (_, i) => String(i + 10))],
  wholeNumbers: 999,
};

export const VOCABULARIES: Record<string, Vocabulary> = {
  [COUNTDOWN_VOCAB_V1.id]: COUNTDOWN_VOCAB_V1,
  [COUNTDOWN_VOCAB_NUM_V1.id]: COUNTDOWN_VOCAB_NUM_V1,
};

export class Tokenizer {
  readonly vocab: Vocabulary;
  /** Multi-character pieces by their first two characters, longest first; single characters by code. */
  readonly #byPrefix = new Map<string, Array<{ piece: string; id: number }>>();
  readonly #byChar = new Map<string, number>();
  readonly #byNumber = new Map<string, number>();

  constructor(vocab: Vocabulary = COUNTDOWN_VOCAB_V1) {
    this.vocab = vocab;
    vocab.pieces.forEach((piece, id) => {
      if (id === vocab.pad || id === vocab.bos || id === vocab.eos || id === vocab.unk) return;
      if (/^\d+$/.test(piece)) this.#byNumber.set(piece, id);
      if (piece.length === 1) {
        this.#byChar.set(piece, id);
        return;
      }
      if (/^\d+$/.test(piece)) return;
      const key = piece.slice(0, 2);
      const list = this.#byPrefix.get(key) ?? [];
      list.push({ piece, id });
      this.#byPrefix.set(key, list);
    });
    for (const list of this.#byPrefix.values()) list.sort((a, b) => b.piece.length - a.piece.length);
  }

  get size(): number {
    return this.vocab.pieces.length;
  }

  /** Greedy longest match; characters outside the vocabulary become <unk>. */
  encode(text: string): number[] {
    const out: number[] = [];
    const whole = this.vocab.wholeNumbers ?? 9;
    let i = 0;
    outer: while (i < text.length) {
      if (whole > 9 && isDigit(text.charCodeAt(i))) {
        // A whole run of digits: one token when it is a small number without leading zeros.
        let j = i + 1;
        while (j < text.length && isDigit(text.charCodeAt(j))) j++;
        const run = text.slice(i, j);
        if (Number(run) <= whole && (run.length === 1 || run[0] !== '0')) out.push(this.#byNumber.get(run)!);
        else for (const d of run) out.push(this.#byChar.get(d)!);
        i = j;
        continue;
      }
      const cands = this.#byPrefix.get(text.slice(i, i + 2));
      if (cands) {
        for (const { piece, id } of cands) {
          if (text.startsWith(piece, i)) {
            out.push(id);
            i += piece.length;
            continue outer;
          }
        }
      }
      out.push(this.#byChar.get(text[i]) ?? this.vocab.unk);
      i++;
    }
    return out;
  }

  /** Decodes ids to text; specials other than <unk> are dropped. */
  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (id === this.vocab.pad || id === this.vocab.bos || id === this.vocab.eos) continue;
      s += this.vocab.pieces[id] ?? '';
    }
    return s;
  }

  countTokens(text: string): number {
    return this.encode(text).length;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
