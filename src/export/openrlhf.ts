/**
 * OpenRLHF datasets (JSONL; keys are configurable because OpenRLHF reads them from flags).
 *
 * RL (problems): `{ <inputKey>: prompt text, <labelKey>: gold answer }` for
 *   `--data.prompt_dataset FILE --data.input_key <inputKey> --data.label_key <labelKey> --data.apply_chat_template`
 *   (flat flags before v0.11: `--prompt_data --input_key --label_key --apply_chat_template`). OpenRLHF sends the
 *   label to the remote reward server as `labels`, which `metacot serve-reward` grades against. With a system
 *   message the input is a message list instead, which `--data.apply_chat_template` also accepts.
 * SFT (records), style `pair` (default): `{ <inputKey>: prompt, <outputKey>: completion }` for
 *   `openrlhf.cli.train_sft --data.input_key <inputKey> --data.output_key <outputKey>`;
 *   style `messages`: `{ messages: [...] }` for `--data.input_key messages --data.apply_chat_template`.
 */
import { type ExportOptions, pickStyle, problemPrompt, problemTurns } from './options.js';
import { type AnyRows, sftMessages } from './rows.js';

export const OPENRLHF_SFT_STYLES = ['pair', 'messages'] as const;

export function* openrlhfRecords(input: AnyRows, o: ExportOptions): Generator<Record<string, unknown>> {
  if (input.kind === 'problems') {
    for (const p of input.rows)
      yield {
        [o.inputKey]: o.system !== undefined ? problemTurns(p, o) : problemPrompt(p, o),
        [o.labelKey]: p.answer,
      };
    return;
  }
  const style = pickStyle('openrlhf', o.style, OPENRLHF_SFT_STYLES);
  for (const r of input.rows) {
    if (style === 'messages') yield { messages: sftMessages(r, o.system) };
    else yield { [o.inputKey]: r.prompt, [o.outputKey]: r.completion };
  }
}
