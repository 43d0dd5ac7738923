import type { ChatMessage } from './backend.js';

const LABEL = { system: 'System', user: 'User', assistant: 'Assistant' } as const;

/**
 * The plain chat template for models that have none of their own (our engine's): one line block per
 * message, `User: ...\n`, then `Assistant:` for the model to continue. Small models trained here on raw
 * text should be called through completions; this exists so chat clients work at all.
 */
export function plainChatPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `${LABEL[m.role]}: ${m.content}\n`).join('')}Assistant:`;
}
