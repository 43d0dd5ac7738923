/**
 * Concurrent requests to our engine become one Sampler batch: the Batcher gathers what arrives while a run
 * executes, and EngineBackend runs each gathered set through Sampler.generateMany with per-request options.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Sampler } from '../engine/infer/sampler.js';
import { randomWeights } from '../engine/reference.js';
import { Batcher } from './batcher.js';
import { EngineBackend } from './engine.js';
import { TINY_CONFIG } from './testing/tiny-model.js';
import { AsciiTokenizer } from './text-tokenizer.js';

describe('Batcher', () => {
  it('runs the first job at once, gathers the ones that arrive meanwhile, keeps exclusive jobs in place', async () => {
    const runs: number[][] = [];
    let release: () => void = () => {};
    const b = new Batcher<number, number>(
      async (jobs) => {
        runs.push(jobs);
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
        return jobs.map((j) => j * 10);
      },
      (j) => (j === 99 ? 5 : 1),
      3,
    );
    const first = b.submit(1);
    const later = [2, 3, 4, 5].map((j) => b.submit(j));
    const alone = b.exclusive(async () => 'scored');
    const after = b.submit(6);
    const big = b.submit(99);
    release();
    expect(await Promise.all([first, ...later, alone, after, big])).toEqual([
      10,
      20,
      30,
      40,
      50,
      'scored',
      60,
      990,
    ]);
    // at most 3 per run (one job larger than that runs alone); the exclusive job splits the line
    expect(runs).toEqual([[1], [2, 3, 4], [5], [6], [99]]);
  });

  it('drops a waiting job whose signal aborts, and fails only the job that fails', async () => {
    let release: () => void = () => {};
    const seen: number[][] = [];
    const b = new Batcher<number, number>(
      async (jobs) => {
        seen.push(jobs);
        if (seen.length === 1) await new Promise<void>((r) => (release = r));
        if (jobs.includes(13)) throw new Error('thirteen');
        return jobs;
      },
      () => 1,
      10,
    );
    const first = b.submit(1);
    const ctl = new AbortController();
    const dropped = b.submit(2, ctl.signal);
    const bad = b.submit(13);
    const good = b.submit(3);
    ctl.abort(new Error('client left'));
    await expect(dropped).rejects.toThrow('client left');
    release();
    expect(await first).toBe(1);
    await expect(bad).rejects.toThrow('thirteen');
    expect(await good).toBe(3);
    expect(seen).toEqual([[1], [13, 3], [13], [3]]);
  });
});

describe('EngineBackend batching', () => {
  let lm: EngineBackend;
  beforeAll(async () => {
    lm = await EngineBackend.create(TINY_CONFIG, randomWeights(TINY_CONFIG, 3), new AsciiTokenizer());
  });
  afterAll(async () => {
    await lm.close();
    vi.restoreAllMocks();
  });

  it('samples concurrent requests in one Sampler batch, each as it would be alone', async () => {
    const reqs = [1, 2, 3, 4, 5, 6].map((k) => ({
      prompt: `${k} plus`,
      maxTokens: 6 + k,
      n: k % 3 === 0 ? 3 : 1,
      temperature: k === 4 ? 0 : 0.5 + k / 10,
      topK: k === 5 ? 5 : undefined,
      seed: 100 + k,
      stop: k === 6 ? ['s'] : undefined,
      logprobs: k === 2,
    }));
    const alone = [];
    for (const r of reqs) alone.push(await lm.complete(r));
    const spy = vi.spyOn(Sampler.prototype, 'generateMany');
    const together = await Promise.all(reqs.map((r) => lm.complete(r)));
    // the first request starts a batch at once; the five that arrive while it runs form the next
    expect(spy.mock.calls.map(([batch]) => batch.length)).toEqual([1, 5]);
    expect(together).toEqual(alone);
  });

  it('refuses a request alone, without failing the batch it would have joined', async () => {
    const ok = lm.complete({ prompt: '1 plus', maxTokens: 5, seed: 1 });
    const tooLong = lm.complete({ prompt: 'x'.repeat(60), maxTokens: 5 });
    await expect(tooLong).rejects.toThrow(/exceed the context length 48/);
    expect((await ok).completions).toHaveLength(1);
  });
});
