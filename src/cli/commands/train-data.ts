/**
 * What `metacot train --data` reads, one JSON object per line, in either form:
 *
 * - token ids: `{"tokens": [...], "loss_mask": [...]}` (loss_mask optional, 1 = learn this token), in the
 *   vocabulary that --tokenizer names;
 * - text: `{"text": "..."}` (all of it learned) or `{"prompt": "...", "completion": "..."}` (the completion
 *   learned), encoded with the tokenizer as `<bos> text <eos>`, the layout `metacot serve` samples from.
 */
import { located, UserError } from '../../core/errors.js';
import type { Example } from '../../engine/batching.js';
import { readJsonl } from '../../io/jsonl.js';
import { type TextTokenizer, textExample } from '../../llm/text-tokenizer.js';

type Where = { file: string; line: number };
type Line =
  | { kind: 'tokens'; example: Example; where: Where }
  | { kind: 'text'; prompt: string; completion: string; where: Where };

export interface TrainLines {
  lines: Line[];
  /** true when some line is text, which needs a tokenizer to become ids */
  hasText: boolean;
}

function parseLine(value: Record<string, unknown>, file: string, line: number): Line {
  const where = { file, line };
  if (value.tokens !== undefined) {
    const tokens = value.tokens;
    const mask = value.loss_mask ?? value.lossMask;
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && t >= 0))
      throw new UserError(
        located({ ...where, field: 'tokens' }, 'expected an array of non-negative integers'),
      );
    if (
      mask !== undefined &&
      (!Array.isArray(mask) || mask.length !== tokens.length || !mask.every((m) => typeof m === 'number'))
    )
      throw new UserError(
        located({ ...where, field: 'loss_mask' }, 'expected an array of numbers as long as tokens'),
      );
    return { kind: 'tokens', example: { tokens, lossMask: mask as number[] | undefined }, where };
  }
  if (value.text !== undefined) {
    if (typeof value.text !== 'string' || value.text === '')
      throw new UserError(located({ ...where, field: 'text' }, 'expected a non-empty string'));
    return { kind: 'text', prompt: '', completion: value.text, where };
  }
  if (value.completion !== undefined) {
    const prompt = value.prompt ?? '';
    if (typeof prompt !== 'string')
      throw new UserError(located({ ...where, field: 'prompt' }, 'expected a string'));
    if (typeof value.completion !== 'string' || value.completion === '')
      throw new UserError(located({ ...where, field: 'completion' }, 'expected a non-empty string'));
    return { kind: 'text', prompt, completion: value.completion, where };
  }
  throw new UserError(
    located(where, 'expected {"tokens": [...]}, {"text": "..."} or {"prompt": "...", "completion": "..."}'),
  );
}

export async function readTrainLines(file: string): Promise<TrainLines> {
  const lines: Line[] = [];
  for await (const { line, value } of readJsonl(file)) lines.push(parseLine(value, file, line));
  if (lines.length === 0) throw new UserError(`${file}: no examples`);
  return { lines, hasText: lines.some((l) => l.kind === 'text') };
}

/**
 * The lines as examples: text encoded with `tok`, token ids checked against `vocabSize` (naming the line).
 * `unknown` counts characters the tokenizer has no token for (they became <unk>).
 */
export function toExamples(
  data: TrainLines,
  tok: TextTokenizer | undefined,
  vocabSize: number,
): { examples: Example[]; unknown: number } {
  let unknown = 0;
  const examples = data.lines.map((l): Example => {
    if (l.kind === 'tokens') return l.example;
    if (tok === undefined) throw new Error('text lines need a tokenizer'); // the caller picks one first
    const e = textExample(tok, l.prompt, l.completion);
    for (const t of e.tokens) if (t === tok.unk) unknown++;
    return e;
  });
  for (const l of data.lines) {
    if (l.kind !== 'tokens') continue;
    const bad = l.example.tokens.find((t) => t >= vocabSize);
    if (bad !== undefined)
      throw new UserError(
        located(
          { ...l.where, field: 'tokens' },
          `token id ${bad} is outside the vocabulary of ${vocabSize}` +
            (tok ? ` (tokenizer '${tok.id}')` : ' (--vocab)'),
        ),
      );
  }
  return { examples, unknown };
}
