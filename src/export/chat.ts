/**
 * Plain chat JSONL, the lowest common denominator (`{ messages: [{role, content}, ...] }` per line), read by
 * most fine-tuning tools, OpenAI-style fine-tuning APIs and `datasets`. Problems become one user turn with the
 * gold kept beside it as `answer`; SFT records become their conversation.
 */
import { type ExportOptions, problemTurns } from './options.js';
import { type AnyRows, sftMessages } from './rows.js';

export function* chatRecords(input: AnyRows, o: ExportOptions): Generator<Record<string, unknown>> {
  if (input.kind === 'problems') {
    for (const p of input.rows) yield { messages: problemTurns(p, o), answer: p.answer };
    return;
  }
  for (const r of input.rows) yield { messages: sftMessages(r, o.system) };
}
