import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COUNTDOWN_VOCAB_NUM_V1, Tokenizer } from '../countdown/tokenizer.js';
import type { GenerateRequest, Generation, Sampler } from '../engine/infer/sampler.js';
import { readPredictions } from './evaluate.js';
import { chooseRl, comparisons } from './evidence.js';
import { claimsGoal, type ResampledPrediction, resampleModel } from './resample.js';
import { predictionFile } from './stages.js';

const tmp = mkdtempSync(join(tmpdir(), 'metacot-resample-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const tok = new Tokenizer(COUNTDOWN_VOCAB_NUM_V1);

/** A scripted "model": call k writes scripts[k] (the last one from then on), the tools overwriting tokens as the Sampler's do. */
function attemptsSampler(scripts: string[]): Sampler & { calls: GenerateRequest[] } {
  const calls: GenerateRequest[] = [];
  return {
    calls,
    async generate(req: GenerateRequest): Promise<Generation[]> {
      const own = [...tok.encode(scripts[Math.min(calls.length, scripts.length - 1)]), tok.vocab.eos];
      calls.push(req);
      return req.prompts.map((_, i) => {
        const tokens: number[] = [];
        const forced: boolean[] = [];
        for (const t of own.slice(0, req.maxNewTokens)) {
          const f = req.force?.(i, tokens);
          tokens.push(f ?? t);
          forced.push(f !== undefined);
        }
        const finishReason = tokens.length < own.length ? 'length' : 'stop';
        return { tokens, finishReason, ...(req.force ? { forced } : {}) };
      });
    },
  } as unknown as Sampler & { calls: GenerateRequest[] };
}

const wrong = 'try 2+13=15 [4 15]\ngo\ntry 15*4=60 [60] vs 60 goal\n';
const right = 'try 2+13=15 [4 15]\ngo\ntry 15+4=19 [19] vs 19 goal\n';
const problem = { nums: [2, 13, 4], target: 19 };
const opts = {
  tokenizer: tok,
  problems: [problem],
  format: 'compact' as const,
  maxNewTokens: 100,
  batch: 8,
  temperature: 1,
  tools: ['calculator', 'goal-test'] as const,
};

describe('CoT resampled to a token budget', () => {
  it('reads the goal check a trace writes, never the verifier', () => {
    expect(claimsGoal(right, 'compact')).toBe(true);
    expect(claimsGoal('try 2+13=15 [4 15]\ngo\ntry 15*4=60 [60] vs 19 no\n', 'compact')).toBe(false);
    // A wrong path that calls itself the goal still ends the resampling: there is no oracle.
    expect(claimsGoal('try 2+2=5 [5] vs 5 goal\n', 'compact')).toBe(true);
  });

  it('samples until the goal test accepts, counting every attempt’s tokens', async () => {
    const sampler = attemptsSampler([wrong, right]);
    const out = join(tmp, 'a.jsonl');
    const summary = await resampleModel({ ...opts, sampler, tools: [...opts.tools], budget: 250, out });
    const [p] = readPredictions(out) as ResampledPrediction[];
    // The goal test rejects 60 for target 19, so a second attempt is drawn, and it reaches 19.
    expect(p.attempts).toBe(2);
    expect(p.output).toBe(right);
    expect(p.solved).toBe(true);
    const perAttempt = tok.encode(right).length + 1; // with <eos>
    expect(p.output_tokens).toBe(tok.encode(wrong.replace('vs 60 goal', 'vs 19 no')).length + 1 + perAttempt);
    expect(summary.accuracy).toBe(1);
    expect(sampler.calls[1].seed).not.toBe(sampler.calls[0].seed); // each round draws afresh
  });

  it('cuts the attempt that reaches the budget, and answers with it', async () => {
    const sampler = attemptsSampler([wrong, right]);
    const out = join(tmp, 'b.jsonl');
    const first = tok.encode(wrong.replace('vs 60 goal', 'vs 19 no')).length + 1;
    await resampleModel({ ...opts, sampler, tools: [...opts.tools], budget: first + 5, out });
    const [p] = readPredictions(out) as ResampledPrediction[];
    expect(p.attempts).toBe(2);
    expect(p.output_tokens).toBe(first + 5);
    expect(p.finish).toBe('length');
    expect(p.solved).toBe(false);
  });
});

describe('resumable predictions', () => {
  it('continues a killed run after its last whole line: a torn one is redone, finished ones are not', async () => {
    const sampler = attemptsSampler([right]);
    const out = join(tmp, 'resumed.jsonl');
    const first = JSON.stringify({
      nums: [2, 13, 4],
      target: 19,
      output: right,
      solution: ['2+13=15', '15+4=19'],
      solved: true,
      output_tokens: 9,
      finish: 'stop',
      attempts: 1,
    });
    writeFileSync(`${out}.partial`, `${first}\n{"nums": [4, 13`);
    const two = [problem, { nums: [4, 13, 2], target: 19 }];
    const summary = await resampleModel({
      ...opts,
      problems: two,
      batch: 1,
      sampler,
      tools: [...opts.tools],
      budget: 250,
      out,
    });
    const preds = readPredictions(out) as ResampledPrediction[];
    expect(preds).toHaveLength(2);
    expect(JSON.stringify(preds[0])).toBe(first);
    expect(preds[1].nums).toEqual([4, 13, 2]);
    expect(sampler.calls).toHaveLength(1); // only the torn problem was sampled
    expect(summary.n_eval).toBe(2);
  });
});

describe('paired evidence from predictions', () => {
  const line = (nums: number[], target: number, solution: string[]) =>
    JSON.stringify({ nums, target, output: '', solution, solved: false, output_tokens: 1, finish: 'stop' });
  const write = (dir: string, key: string, set: 'valid' | 'targets', rows: string[]) => {
    const file = join(dir, predictionFile(key, set));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `${rows.join('\n')}\n`);
  };
  const ok = ['2+13=15', '15+4=19'];
  const bad = ['2+13=15', '15*4=60'];

  it('tests a claim on the same prompts, re-verifying every solution, and refuses misaligned files', () => {
    const dir = mkdtempSync(join(tmp, 'ev-'));
    write(dir, 'metacot', 'targets', [
      line([2, 13, 4], 19, ok),
      line([4, 13, 2], 19, ok),
      line([1, 1, 1], 3, []),
    ]);
    write(dir, 'cot', 'targets', [
      line([2, 13, 4], 19, bad),
      line([2, 4, 13], 19, ok),
      line([1, 1, 1], 3, []),
    ]);
    const [c] = comparisons(dir, ['targets']);
    expect(c).toMatchObject({ set: 'targets', a: 'metacot', b: 'cot', n: 3, a_only: 1, b_only: 0 });
    expect(c.p_mcnemar).toBe(1); // one discordant prompt is no evidence
    write(dir, 'cot', 'targets', [
      line([2, 13, 5], 19, bad),
      line([4, 13, 2], 19, ok),
      line([1, 1, 1], 3, []),
    ]);
    expect(() => comparisons(dir, ['targets'])).toThrowError(/metacot and cot differ at line 1/);
  });

  it('chooses the meta-RL model on validation alone', () => {
    const dir = mkdtempSync(join(tmp, 'ev-'));
    write(dir, 'metacot_rl', 'valid', [line([2, 13, 4], 19, bad)]);
    write(dir, 'metacot_star', 'valid', [line([2, 13, 4], 19, ok)]);
    // The test set says the opposite: it plays no part.
    write(dir, 'metacot_rl', 'targets', [line([2, 13, 4], 19, ok)]);
    write(dir, 'metacot_star', 'targets', [line([2, 13, 4], 19, bad)]);
    expect(chooseRl(dir)).toEqual({ choice: 'metacot_star', validation: { metacot_rl: 0, metacot_star: 1 } });
    // A run with one of them only (STaR off): that one, and no made-up accuracy for the other.
    rmSync(join(dir, predictionFile('metacot_star', 'valid')));
    expect(chooseRl(dir)).toEqual({ choice: 'metacot_rl', validation: { metacot_rl: 0 } });
  });
});
