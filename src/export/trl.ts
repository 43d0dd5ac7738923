/**
 * TRL datasets (JSONL, loaded with `datasets.load_dataset("json", data_files=...)`), in TRL's documented
 * dataset types.
 *
 * RL (problems) for GRPOTrainer / RLOOTrainer: `prompt` plus an `answer` column. TRL passes every extra column
 * to reward functions as a keyword argument, so integrations/trl_reward.py finds the gold in `answer`.
 *   style `conversational` (default): `prompt: [{role, content}]`; style `standard`: `prompt: string`.
 * SFT (records) for SFTTrainer:
 *   style `conversational` (default): `{ prompt: [...], completion: [{role: assistant}] }` (prompt-completion,
 *     loss on the completion only); style `standard`: `{ prompt: string, completion: string }`;
 *   style `messages`: `{ messages: [...] }` (language modeling; loss on every token unless
 *     `assistant_only_loss`).
 */
import { type ExportOptions, pickStyle, problemPrompt, problemTurns } from './options.js';
import { type AnyRows, sftMessages } from './rows.js';

export const TRL_RL_STYLES = ['conversational', 'standard'] as const;
export const TRL_SFT_STYLES = ['conversational', 'standard', 'messages'] as const;

export function* trlRecords(input: AnyRows, o: ExportOptions): Generator<Record<string, unknown>> {
  if (input.kind === 'problems') {
    const style = pickStyle('trl', o.style, TRL_RL_STYLES);
    for (const p of input.rows)
      yield {
        prompt: style === 'conversational' ? problemTurns(p, o) : problemPrompt(p, o),
        answer: p.answer,
        ...(p.id !== undefined ? { id: p.id } : {}),
      };
    return;
  }
  const style = pickStyle('trl', o.style, TRL_SFT_STYLES);
  for (const r of input.rows) {
    if (style === 'messages') {
      yield { messages: sftMessages(r, o.system) };
      continue;
    }
    if (style === 'standard') {
      yield { prompt: r.prompt, completion: r.completion };
      continue;
    }
    const turns = sftMessages(r, o.system);
    // the last assistant turn is the completion; everything before it is the prompt
    yield { prompt: turns.slice(0, -1), completion: turns.slice(-1) };
  }
}
