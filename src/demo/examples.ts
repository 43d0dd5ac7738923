import type { CountdownProblem } from '../countdown/arithmetic.js';
import { STYLES, type TraceFormat } from '../countdown/linearize/format.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import { type CountdownTool, countdownTools, type ForceHook } from '../countdown/tools.js';
import type { Example } from '../engine/batching.js';

/** The prompt a model sees: the trace's first line (target and numbers) and a newline. */
export function promptText(problem: CountdownProblem, format: TraceFormat): string {
  return `${STYLES[format].header(problem)}\n`;
}

/** <bos> prompt — the ids a model is conditioned on. */
export function promptTokens(tokenizer: Tokenizer, problem: CountdownProblem, format: TraceFormat): number[] {
  return [tokenizer.vocab.bos, ...tokenizer.encode(promptText(problem, format))];
}

/**
 * A training example from a full text (prompt line + the rest): <bos> text <eos>, learning only
 * what follows the prompt (the trace or path, and <eos>), never the prompt itself.
 */
export function textExample(tokenizer: Tokenizer, text: string): Example {
  const nl = text.indexOf('\n');
  const promptLen = 1 + tokenizer.encode(text.slice(0, nl + 1)).length;
  const tokens = [tokenizer.vocab.bos, ...tokenizer.encode(text), tokenizer.vocab.eos];
  // lossMask[i] weights the prediction of token i from tokens < i.
  const lossMask = tokens.map((_, i) => (i >= promptLen ? 1 : 0));
  return { tokens, lossMask };
}

/**
 * A continuation example: prompt ids then generated ids, the generated ones weighted by `weight`,
 * except those a tool wrote (`forced`, from `Generation.forced`): the environment's, not the model's.
 */
export function continuationExample(
  prompt: readonly number[],
  output: readonly number[],
  weight = 1,
  forced?: readonly boolean[],
): Example {
  const tokens = [...prompt, ...output];
  const learned = (i: number) => i >= prompt.length && !forced?.[i - prompt.length];
  return { tokens, lossMask: tokens.map((_, i) => (learned(i) ? weight : 0)) };
}

/** Each problem's prompt `k` times in a row, with the problem each copy belongs to (for grouped sampling). */
export function repeatedPrompts<P extends CountdownProblem>(
  tokenizer: Tokenizer,
  problems: readonly P[],
  k: number,
  format: TraceFormat,
): { prompts: number[][]; owners: P[] } {
  const prompts: number[][] = [];
  const owners: P[] = [];
  for (const p of problems) {
    const prompt = promptTokens(tokenizer, p, format);
    for (let s = 0; s < k; s++) {
      prompts.push(prompt);
      owners.push(p);
    }
  }
  return { prompts, owners };
}

/** The `force` field of a generate request for the run's tools, sequence i solving owners[i]; {} without tools. */
export function toolsFor(
  tokenizer: Tokenizer,
  cfg: { tools: readonly CountdownTool[]; data: { format: TraceFormat } },
  owners: readonly CountdownProblem[],
): { force?: ForceHook } {
  const force = countdownTools(tokenizer, cfg.tools, cfg.data.format, (i) => owners[i].target);
  return force ? { force } : {};
}
