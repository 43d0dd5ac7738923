import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { TraceFormat } from '../countdown/linearize/format.js';
import { parseTrace } from '../countdown/linearize/parse.js';
import { countdownTools } from '../countdown/tools.js';
import type { Generation } from '../engine/infer/sequence.js';
import {
  type EvalSummary,
  type EvaluateOptions,
  judge,
  type Prediction,
  resumablePredictions,
} from './evaluate.js';
import { promptTokens } from './examples.js';

/** One line of a resampled model's predictions: the attempt it answered with, and the tokens all attempts took. */
export interface ResampledPrediction extends Prediction {
  /** Attempts sampled, the answering one included. */
  attempts: number;
}

/**
 * Whether an attempt reached the goal by its own account: a step whose goal check says "goal" (the
 * goal test's verdict when the run has that tool, the model's own claim otherwise). The verifier is
 * never consulted, so resampling has no oracle: an attempt that calls a wrong path the goal still ends it.
 */
export function claimsGoal(output: string, format: TraceFormat): boolean {
  return parseTrace(output, format).some((l) => l.kind === 'try' && l.outcome === 'goal');
}

/**
 * Classical CoT given Meta-CoT's token budget: sample one solution path at a time, with the run's
 * tools, until an attempt claims the goal or the problem's budget of generated tokens (tool-written ones
 * included, as Meta-CoT's are) is spent. The answer is the last attempt. An attempt that would pass the
 * budget is cut where the budget ends, as a sampler with that many tokens left would stop it.
 * Resumable through `${out}.partial`, as `evaluateModel` is (`resumablePredictions`).
 */
export async function resampleModel(
  opts: EvaluateOptions & { budget: number; temperature: number },
): Promise<EvalSummary> {
  return resumablePredictions(opts, (chunk, start) =>
    resampleChunk(opts, chunk, (opts.seed ?? 0) * 1_000_003 + start),
  );
}

async function resampleChunk(
  opts: EvaluateOptions & { budget: number; temperature: number },
  chunk: CountdownProblem[],
  seed: number,
): Promise<ResampledPrediction[]> {
  const { sampler, tokenizer, format } = opts;
  const prompts = chunk.map((p) => promptTokens(tokenizer, p, format));
  const spent = chunk.map(() => 0);
  const toolTokens = chunk.map(() => 0);
  const attempts = chunk.map(() => 0);
  const last: Array<Generation | null> = chunk.map(() => null);
  let open = chunk.map((_, i) => i);
  for (let round = 0; open.length > 0; round++) {
    const left = (i: number) => opts.budget - spent[i];
    const now = open;
    const force = countdownTools(tokenizer, opts.tools ?? [], format, (k) => chunk[now[k]].target);
    const gens = await sampler.generate({
      prompts: now.map((i) => prompts[i]),
      maxNewTokens: Math.min(opts.maxNewTokens, Math.max(...now.map(left))),
      temperature: opts.temperature,
      stopTokens: [tokenizer.vocab.eos],
      seed: seed + round * 7919,
      ...(force ? { force } : {}),
    });
    const still: number[] = [];
    now.forEach((i, k) => {
      const g = gens[k];
      const cut = g.tokens.length > left(i);
      const tokens = cut ? g.tokens.slice(0, left(i)) : g.tokens;
      const forced = g.forced?.slice(0, tokens.length);
      spent[i] += tokens.length;
      toolTokens[i] += forced?.filter(Boolean).length ?? 0;
      attempts[i]++;
      last[i] = { tokens, finishReason: cut ? 'length' : g.finishReason, ...(forced ? { forced } : {}) };
      const accepted = claimsGoal(tokenizer.decode(tokens), format);
      if (!accepted && left(i) > 0 && tokens.length > 0) still.push(i);
    });
    open = still;
  }
  return chunk.map((p, i): ResampledPrediction => {
    const g = last[i]!;
    const output = tokenizer.decode(g.tokens);
    return {
      nums: p.nums,
      target: p.target,
      output,
      ...judge(p, tokenizer.decode(prompts[i]), output, format),
      output_tokens: spent[i],
      ...(g.forced ? { tool_tokens: toolTokens[i] } : {}),
      finish: g.finishReason,
      attempts: attempts[i],
    };
  });
}
