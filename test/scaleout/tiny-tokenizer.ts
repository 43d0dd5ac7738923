/**
 * A small but real byte-level BPE tokenizer.json (the GPT-2 / Llama-3 family layout: ByteLevel pre-tokenizer
 * and decoder, BPE model with merges, a TemplateProcessing post-processor that prepends BOS, added special
 * tokens), trained here by plain pair counting on a few sentences. No tokenizer can be downloaded in tests,
 * and a hand-written file exercises the same loading path as a real model's.
 */

/** GPT-2's reversible byte → printable-character map (bytes that print as themselves keep their char). */
function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return map;
}

export const BOS = '<|begin_of_text|>';
export const EOS = '<|eot_id|>';

const CORPUS = [
  'The answer is \\boxed{42}.',
  'Let us think step by step. First we add the numbers, then we check the answer.',
  'Solve the problem and put the final answer in \\boxed{}.',
  'What is 2 + 3? The sum of the numbers is 5, so the answer is \\boxed{5}.',
];

/** Builds tokenizer.json with `merges` BPE merges learned from a fixed corpus. */
export function tinyTokenizerJson(merges = 60): Record<string, unknown> {
  const b2u = bytesToUnicode();
  const vocab: Record<string, number> = {};
  b2u.forEach((ch, k) => {
    vocab[ch] = k;
  });
  // pre-tokenize roughly as ByteLevel does (split before spaces), map bytes to chars, then merge greedily
  let words: string[][] = CORPUS.flatMap((s) => s.split(/(?= )/)).map((w) =>
    [...Buffer.from(w, 'utf8')].map((b) => b2u[b]!),
  );
  const learned: [string, string][] = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const w of words)
      for (let k = 0; k + 1 < w.length; k++) {
        const key = `${w[k]}\u0000${w[k + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, c] of counts)
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        if (c > 1) {
          best = key;
          bestCount = c;
        }
      }
    if (best === undefined) break;
    const [a, b] = best.split('\u0000') as [string, string];
    learned.push([a, b]);
    vocab[a + b] = Object.keys(vocab).length;
    words = words.map((w) => {
      const out: string[] = [];
      for (let k = 0; k < w.length; k++) {
        if (k + 1 < w.length && w[k] === a && w[k + 1] === b) {
          out.push(a + b);
          k++;
        } else out.push(w[k]!);
      }
      return out;
    });
  }
  const bosId = Object.keys(vocab).length;
  const eosId = bosId + 1;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(bosId, BOS), special(eosId, EOS)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: BOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: BOS, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [BOS]: { id: BOS, ids: [bosId], tokens: [BOS] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: learned,
    },
  };
}

export const TINY_BOS_ID = (json: Record<string, unknown>): number =>
  (json.added_tokens as { id: number; content: string }[]).find((t) => t.content === BOS)!.id;
export const TINY_EOS_ID = (json: Record<string, unknown>): number =>
  (json.added_tokens as { id: number; content: string }[]).find((t) => t.content === EOS)!.id;
