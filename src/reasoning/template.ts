import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { parseConfig } from '../io/config-file.js';
import type { ChatMessage } from '../llm/backend.js';
import type { Segmenter } from './segment.js';

/**
 * How a problem and a partial solution become a request. `completion` renders one raw prompt and the
 * steps so far follow it directly: the robust choice for step search, since every engine continues a
 * raw prompt. `chat` puts the problem in a user turn and the steps so far in a final assistant turn,
 * which the server must continue rather than answer (vLLM: `continue_final_message`); use it only
 * with such a server.
 */
export interface PromptTemplate {
  mode: 'completion' | 'chat';
  system?: string;
  /** The problem as the model sees it; `{problem}` is replaced by the problem text. */
  prompt: string;
}

export const TEMPLATES: Record<string, PromptTemplate> = {
  math: {
    mode: 'completion',
    prompt:
      'Solve the following problem. Reason step by step and put the final answer in \\boxed{}.\n\n' +
      'Problem: {problem}\n\nSolution:\n',
  },
  'math-chat': {
    mode: 'chat',
    system: 'You are a careful mathematician. Reason step by step and put the final answer in \\boxed{}.',
    prompt: '{problem}',
  },
};

const templateSchema = z.strictObject({
  mode: z.enum(['completion', 'chat']),
  system: z.string().optional(),
  prompt: z.string().refine((s) => s.includes('{problem}'), 'must contain {problem}'),
});

/** A built-in template by name, or a JSON file with `mode`, `prompt` and optional `system`. */
export function loadTemplate(nameOrFile: string): PromptTemplate {
  const builtIn = TEMPLATES[nameOrFile];
  if (builtIn) return builtIn;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrFile, 'utf8'));
  } catch (err) {
    throw new UserError(
      `--template ${nameOrFile}: not a built-in template (${Object.keys(TEMPLATES).join(', ')}) nor a readable JSON file (${(err as Error).message})`,
    );
  }
  return parseConfig(templateSchema, raw, nameOrFile);
}

/** The problem statement as the model sees it (the SFT prompt, the user turn). */
export function problemPrompt(template: PromptTemplate, problem: string): string {
  return template.prompt.split('{problem}').join(problem);
}

/** The request fields (`prompt` or `messages`) that ask for the continuation of `steps`. */
export function renderRequest(
  template: PromptTemplate,
  problem: string,
  steps: readonly string[],
  seg: Segmenter,
): { prompt: string } | { messages: ChatMessage[] } {
  const head = problemPrompt(template, problem);
  if (template.mode === 'completion') return { prompt: head + seg.join(steps) };
  const messages: ChatMessage[] = [];
  if (template.system !== undefined) messages.push({ role: 'system', content: template.system });
  messages.push({ role: 'user', content: head });
  if (steps.length > 0) messages.push({ role: 'assistant', content: seg.join(steps) });
  return { messages };
}
