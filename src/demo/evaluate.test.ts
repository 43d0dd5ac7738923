import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COUNTDOWN_VOCAB_NUM_V1, Tokenizer } from '../countdown/tokenizer.js';
import type { GenerateRequest, Generation, Sampler } from '../engine/infer/sampler.js';
import { evaluateModel, readPredictions } from './evaluate.js';

const tmp = mkdtempSync(join(tmpdir(), 'metacot-evaluate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tok = new Tokenizer(COUNTDOWN_VOCAB_NUM_V1);

/**
 * A scripted "model" that writes the same trace for every prompt, with its arithmetic and goal check
 * wrong, and lets the request's tools overwrite any token (as the real Sampler does).
 */
function scriptedSampler(script: string): Sampler {
  const own = [...tok.encode(script), tok.vocab.eos];
  return {
    async generate(req: GenerateRequest): Promise<Generation[]> {
      return req.prompts.map((_, i) => {
        const tokens: number[] = [];
        const forced: boolean[] = [];
        for (const t of own) {
          const f = req.force?.(i, tokens);
          tokens.push(f ?? t);
          forced.push(f !== undefined);
        }
        return { tokens, finishReason: 'stop', ...(req.force ? { forced } : {}) };
      });
    },
  } as unknown as Sampler;
}

describe('evaluateModel with tools', () => {
  const problems = [
    { nums: [2, 13, 4], target: 11 },
    { nums: [2, 13, 4], target: 15 },
    { nums: [2, 13, 4], target: 19 },
  ];
  const sampler = scriptedSampler('try 2+13=99 [4 15]\ngo\ntry 15+4=20 [19] vs 20 goal\n');

  it("writes each step's result and each goal check against that problem's own target, across batches", async () => {
    const out = join(mkdtempSync(join(tmp, 'eval-')), 'p.jsonl');
    const summary = await evaluateModel({
      sampler,
      tokenizer: tok,
      problems,
      format: 'compact',
      maxNewTokens: 60,
      batch: 2, // the third problem is index 0 of the second batch: tools must still see target 19
      tools: ['calculator', 'goal-test'],
      out,
    });
    const preds = readPredictions(out);
    expect(preds.map((p) => p.output)).toEqual([
      'try 2+13=15 [4 15]\ngo\ntry 15+4=19 [19] vs 11 no\n',
      'try 2+13=15 [4 15]\ngo\ntry 15+4=19 [19] vs 15 no\n',
      'try 2+13=15 [4 15]\ngo\ntry 15+4=19 [19] vs 19 goal\n',
    ]);
    // Two results, then " vs ", the target and the verdict: 5 tool tokens.
    expect(preds.map((p) => p.tool_tokens)).toEqual([5, 5, 5]);
    // Only the problem whose target the search reached is solved; the others claim no solution.
    expect(preds.map((p) => p.solved)).toEqual([false, false, true]);
    expect(preds.map((p) => p.solution.length)).toEqual([0, 0, 2]);
    expect(summary.accuracy).toBeCloseTo(1 / 3, 12);
  });

  it('without tools the model writes every token, and predictions carry no tool count', async () => {
    const out = join(mkdtempSync(join(tmp, 'eval-')), 'p.jsonl');
    await evaluateModel({
      sampler,
      tokenizer: tok,
      problems,
      format: 'compact',
      maxNewTokens: 60,
      batch: 2,
      out,
    });
    const preds = readPredictions(out);
    expect(preds[0].output).toBe('try 2+13=99 [4 15]\ngo\ntry 15+4=20 [19] vs 20 goal\n');
    // The model's own (wrong) arithmetic is claimed as a solution, and the verifier rejects it.
    expect(preds.map((p) => p.solved)).toEqual([false, false, false]);
    expect(preds[0]).not.toHaveProperty('tool_tokens');
  });
});
