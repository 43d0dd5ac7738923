/**
 * The `metacot-tokens` export: linearized SFT records as `{"tokens", "loss_mask"}` lines for `metacot train`,
 * tokenized with the served model's vocabulary. An example is `<bos> prompt completion <eos>` exactly as the
 * policy sees it when searching (a completion-mode prompt is followed directly by the steps; a chat-mode one
 * is rendered with the plain chat template our engine uses), with loss on the completion and `<eos>` only.
 */
import { plainChatPrompt } from '../llm/chat-template.js';
import { type TextTokenizer, textExample } from '../llm/text-tokenizer.js';
import type { SftRecord } from '../reasoning/linearize.js';
import type { PromptTemplate } from '../reasoning/template.js';

export interface TokenExample {
  tokens: number[];
  loss_mask: number[];
}

export function tokenExample(record: SftRecord, template: PromptTemplate, tok: TextTokenizer): TokenExample {
  const prompt =
    template.mode === 'completion'
      ? record.prompt
      : plainChatPrompt(record.messages.filter((m) => m.role !== 'assistant'));
  const e = textExample(tok, prompt, record.completion);
  return { tokens: e.tokens, loss_mask: e.lossMask };
}
