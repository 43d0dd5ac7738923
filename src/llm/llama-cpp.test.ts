/**
 * LlamaCppBackend on a GGUF exported from a model our engine trained here (text-ascii-v1 vocabulary): llama.cpp
 * must reproduce our engine's greedy text and log-probabilities, and honour n, seeds, stop strings and max tokens.
 * Skips, saying why, only when node-llama-cpp itself cannot load on this machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../engine/checkpoint.js';
import { exportGguf } from '../engine/gguf/gguf.js';
import { EngineBackend } from './engine.js';
import { LlamaCppBackend } from './llama-cpp.js';
import { backendFromSpec } from './spec.js';
import { trainTinyTextModel } from './testing/tiny-model.js';
import { AsciiTokenizer } from './text-tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-llama-backend-'));
const path = join(dir, 'arith.gguf');
let engine: EngineBackend;
let lm: LlamaCppBackend | undefined;
let skipReason = '';

beforeAll(async () => {
  await trainTinyTextModel(dir);
  const ck = loadCheckpoint(dir);
  const tok = new AsciiTokenizer();
  await exportGguf(
    ck.cfg,
    ck.weights,
    { tokens: [...tok.pieces], bos: tok.bos, eos: tok.eos, pad: tok.pad, unk: tok.unk },
    path,
  );
  engine = await EngineBackend.load(dir);
  try {
    await import('node-llama-cpp');
  } catch (err) {
    skipReason = `node-llama-cpp cannot load here: ${(err as Error).message}`;
    console.warn(`skipping: ${skipReason}`);
    return;
  }
  lm = await LlamaCppBackend.load(path, { sequences: 3 });
}, 60_000);

afterAll(async () => {
  await lm?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LlamaCppBackend', () => {
  it('tokenizes like our tokenizer and decodes greedily to the same text as our engine', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    const tok = new AsciiTokenizer();
    expect(lm.promptTokens({ prompt: '7 plus 2 is' })).toEqual([tok.bos, ...tok.encode('7 plus 2 is')]);
    for (const prompt of ['7 plus 2 is', '0 plus 5 is', '9 plus']) {
      const req = { prompt, maxTokens: 12, temperature: 0, logprobs: true };
      const [ours, theirs] = [await engine.complete(req), await lm.complete(req)];
      expect(theirs.completions[0].text).toBe(ours.completions[0].text);
      expect(theirs.completions[0].tokens).toBe(ours.completions[0].tokens);
      expect(theirs.completions[0].finishReason).toBe('stop');
      expect(theirs.promptTokens).toBe(ours.promptTokens);
    }
  });

  it('reports temperature-1 log-probabilities and scores that match our engine within 1e-4', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    const r = await lm.complete({
      prompt: '4 plus 3 is',
      maxTokens: 10,
      temperature: 1,
      seed: 3,
      logprobs: true,
    });
    const c = r.completions[0];
    expect(c.logprobs).toHaveLength(c.tokens);
    const ours = await engine.score('4 plus 3 is', c.text);
    ours.logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - c.logprobs![i])).toBeLessThan(1e-4);
    });
    const theirs = await lm.score('4 plus 3 is', ' 7.');
    const mine = await engine.score('4 plus 3 is', ' 7.');
    expect(theirs.logprobs).toHaveLength(3);
    theirs.logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - mine.logprobs[i])).toBeLessThan(1e-4);
    });
    expect(Math.abs(theirs.total - mine.total)).toBeLessThan(1e-3);
  });

  it('samples n completions in parallel, reproducibly for a seed', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    const req = { prompt: '1', maxTokens: 16, n: 5, temperature: 1, seed: 11 };
    const a = await lm.complete(req);
    const b = await lm.complete(req);
    const c = await lm.complete({ ...req, seed: 12 });
    expect(a.completions).toHaveLength(5);
    expect(b.completions.map((x) => x.text)).toEqual(a.completions.map((x) => x.text));
    expect(c.completions.map((x) => x.text)).not.toEqual(a.completions.map((x) => x.text));
    // distinct samples within one request (sample i uses seed + i)
    expect(new Set(a.completions.map((x) => x.text)).size).toBeGreaterThan(1);
    expect(a.completionTokens).toBe(a.completions.reduce((s, x) => s + x.tokens, 0));
  });

  it('stops before stop strings and at max tokens', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    const r = await lm.complete({
      prompt: '8 plus',
      maxTokens: 20,
      n: 2,
      temperature: 0.8,
      seed: 2,
      stop: [' is'],
    });
    for (const c of r.completions) {
      expect(c.text).toMatch(/^ \d+$/);
      expect(c.finishReason).toBe('stop');
    }
    const short = await lm.complete({ prompt: '8 plus', maxTokens: 3, temperature: 0 });
    expect(short.completions[0]).toMatchObject({ tokens: 3, finishReason: 'length' });
    await expect(lm.complete({ prompt: 'x'.repeat(60), maxTokens: 3 })).rejects.toThrow(
      /does not fit the context of 48/,
    );
  });

  it('is what backendFromSpec builds for a gguf: spec, with chat through the plain template', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    const spec = await backendFromSpec(`gguf:${path}#threads=1&sequences=2`);
    try {
      expect(spec.name).toBe(`gguf:${path}`);
      const chat = await spec.complete({
        messages: [{ role: 'user', content: '2 plus 2' }],
        maxTokens: 10,
        temperature: 0,
      });
      const plain = await engine.complete({
        prompt: 'User: 2 plus 2\nAssistant:',
        maxTokens: 10,
        temperature: 0,
      });
      expect(chat.completions[0].text).toBe(plain.completions[0].text);
    } finally {
      await spec.close?.();
    }
    writeFileSync(join(dir, 'broken.gguf'), 'not a gguf');
    await expect(LlamaCppBackend.load(join(dir, 'broken.gguf'))).rejects.toThrow(
      /llama.cpp cannot load this model/,
    );
  });

  it('runs on the CPU unless a GPU is asked for, and names the way to install one that is missing', async (ctx) => {
    if (!lm) return ctx.skip(skipReason);
    await expect(backendFromSpec(`gguf:${path}#gpu=warp`)).rejects.toThrow(
      /gpu=warp: expected off, auto, cuda, vulkan, metal/,
    );
    // Metal exists only on macOS; elsewhere no build of it can be installed, so the error is certain.
    if (process.platform === 'darwin') return;
    await expect(backendFromSpec(`gguf:${path}#gpu=metal`)).rejects.toThrow(
      /no usable metal build here .*docs\/install\.md, section 'GPU builds of llama\.cpp'/,
    );
    const off = await backendFromSpec(`gguf:${path}#gpu=off&sequences=1`);
    try {
      const r = await off.complete({ prompt: '2 plus 2', maxTokens: 4, temperature: 0 });
      const ref = await engine.complete({ prompt: '2 plus 2', maxTokens: 4, temperature: 0 });
      expect(r.completions[0].text).toBe(ref.completions[0].text);
    } finally {
      await off.close?.();
    }
  });
});
