import type { CompletionResult } from '../llm/backend.js';

/**
 * Tokens and calls one search spent, over step sampling, rollouts and judging alike. The token
 * budget reads it, and stored results report it.
 */
export class Usage {
  calls = 0;
  promptTokens = 0;
  completionTokens = 0;

  add(r: CompletionResult): void {
    this.calls++;
    this.promptTokens += r.promptTokens;
    this.completionTokens += r.completionTokens;
  }

  get tokens(): number {
    return this.promptTokens + this.completionTokens;
  }
}
