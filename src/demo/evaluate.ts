import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CountdownProblem } from '../countdown/arithmetic.js';
import type { TraceFormat } from '../countdown/linearize/format.js';
import { extractSolution } from '../countdown/linearize/parse.js';
import type { Tokenizer } from '../countdown/tokenizer.js';
import { type CountdownTool, countdownTools } from '../countdown/tools.js';
import { verifyCountdown } from '../countdown/verify.js';
import type { Sampler } from '../engine/infer/sampler.js';
import { bootstrapCi95 } from '../eval/paired.js';
import { promptTokens } from './examples.js';
import { mean } from './metrics.js';

/** One line of predictions/<model>.jsonl: enough to recompute every reported number. */
export interface Prediction {
  nums: number[];
  target: number;
  /** The generated text after the prompt. */
  output: string;
  /** The operations the output claims, each "a op b=c"; empty when it claims none. */
  solution: string[];
  solved: boolean;
  output_tokens: number;
  /** Of output_tokens, how many a tool wrote (present when the run used tools). */
  tool_tokens?: number;
  finish: 'stop' | 'length';
}

export interface EvalSummary {
  accuracy: number;
  /** Percentile bootstrap over the prompts (each distinct: the test sets are drawn without repeats). */
  ci95: [number, number];
  mean_tokens: number;
  n_eval: number;
}

/** Scores a model output against its problem: what it claims, and whether that verifies. */
export function judge(problem: CountdownProblem, promptText: string, output: string, format: TraceFormat) {
  const solution = extractSolution(promptText + output, format) ?? [];
  const solved = solution.length > 0 && verifyCountdown(problem, solution).ok;
  return { solution, solved };
}

export interface EvaluateOptions {
  sampler: Sampler;
  tokenizer: Tokenizer;
  problems: CountdownProblem[];
  format: TraceFormat;
  maxNewTokens: number;
  /** Problems per sampler call; predictions are saved after each. */
  batch: number;
  /** predictions JSONL; a partial file from an interrupted run is continued, not redone. */
  out: string;
  temperature?: number;
  seed?: number;
  /** Tools that write some tokens in the model's place (countdown/tools.ts); none by default. */
  tools?: readonly CountdownTool[];
  onProgress?: (done: number, total: number) => void;
}

/** Greedy (or sampled) decoding on every problem, verified; resumable through `${out}.partial`. */
export async function evaluateModel(opts: EvaluateOptions): Promise<EvalSummary> {
  const { sampler, tokenizer, format } = opts;
  return resumablePredictions(opts, async (chunk, start) => {
    const prompts = chunk.map((p) => promptTokens(tokenizer, p, format));
    const force = countdownTools(tokenizer, opts.tools ?? [], format, (i) => chunk[i].target);
    const gens = await sampler.generate({
      prompts,
      maxNewTokens: opts.maxNewTokens,
      greedy: (opts.temperature ?? 0) === 0,
      temperature: opts.temperature ?? 0,
      stopTokens: [tokenizer.vocab.eos],
      seed: (opts.seed ?? 0) + start,
      ...(force ? { force } : {}),
    });
    return chunk.map((p, i): Prediction => {
      const output = tokenizer.decode(gens[i].tokens);
      const prompt = tokenizer.decode(prompts[i]);
      return {
        nums: p.nums,
        target: p.target,
        output,
        ...judge(p, prompt, output, format),
        output_tokens: gens[i].tokens.length,
        ...(gens[i].forced ? { tool_tokens: gens[i].forced!.filter(Boolean).length } : {}),
        finish: gens[i].finishReason,
      };
    });
  });
}

/**
 * Predictions for `opts.problems` into `opts.out`, `opts.batch` problems per `predict` call, each batch
 * appended to `${out}.partial` as it finishes: a killed run continues after the last whole line. A
 * finished file is read, not redone.
 */
export async function resumablePredictions<P extends Prediction>(
  opts: Pick<EvaluateOptions, 'problems' | 'batch' | 'out' | 'onProgress'>,
  predict: (chunk: CountdownProblem[], start: number) => Promise<P[]>,
): Promise<EvalSummary> {
  const { problems } = opts;
  if (existsSync(opts.out)) return summarize(readPredictions(opts.out));
  const partial = `${opts.out}.partial`;
  const done: Prediction[] = existsSync(partial) ? recoverPartial(partial) : [];
  if (done.length === 0) writeFileSync(partial, '');
  // the starting count first, so that progress rates count this run's work only (a resumed run's too)
  opts.onProgress?.(done.length, problems.length);
  for (let start = done.length; start < problems.length; start += opts.batch) {
    const lines = await predict(problems.slice(start, start + opts.batch), start);
    appendFileSync(partial, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    done.push(...lines);
    opts.onProgress?.(done.length, problems.length);
  }
  renameSync(partial, opts.out);
  return summarize(done);
}

/** Reads a partial predictions file after a kill: a torn last line is dropped (and redone), not fatal. */
function recoverPartial(file: string): Prediction[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const good: Prediction[] = [];
  for (const l of lines) {
    if (l.trim() === '') continue;
    try {
      good.push(JSON.parse(l) as Prediction);
    } catch {
      break;
    }
  }
  writeFileSync(file, good.map((p) => `${JSON.stringify(p)}\n`).join(''));
  return good;
}

export function readPredictions(file: string): Prediction[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Prediction);
}

/** Whether a prediction's claimed solution verifies: recomputed, never read from its `solved` field. */
export function verified(p: Prediction): boolean {
  return p.solution.length > 0 && verifyCountdown(p, p.solution).ok;
}

/** The reported numbers, from predictions alone (each solution re-verified, never trusted). */
export function summarize(preds: Prediction[]): EvalSummary {
  const outcomes = preds.map((p) => Number(verified(p)));
  const solved = outcomes.reduce((a, b) => a + b, 0);
  return {
    accuracy: preds.length ? solved / preds.length : 0,
    ci95: bootstrapCi95(outcomes),
    mean_tokens: mean(preds.map((p) => p.output_tokens)),
    n_eval: preds.length,
  };
}
