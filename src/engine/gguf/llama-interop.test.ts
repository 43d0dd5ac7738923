/**
 * An exported GGUF, loaded by node-llama-cpp (llama.cpp's own forward pass), must give the same
 * log-probabilities as our reference and our sampler. The test skips, saying why, only when
 * node-llama-cpp itself cannot be loaded on this machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTDOWN_VOCAB_V1, Tokenizer } from '../../countdown/tokenizer.js';
import { Sampler } from '../infer/sampler.js';
import type { ModelConfig } from '../model-config.js';
import { logSoftmaxRows, randomWeights, referenceLogits } from '../reference.js';
import { exportGguf } from './gguf.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type Token = import('node-llama-cpp').Token;
const tok = (t: number) => t as Token;

// A Countdown-like domain vocabulary: control tokens, multi-character pieces, single characters.
const tokens = [
  '<pad>',
  '<bos>',
  '<eos>',
  'Goal',
  'Step',
  'Answer',
  ':',
  ' ',
  '\n',
  '+',
  '-',
  '*',
  '/',
  '=',
  '(',
  ')',
  ...'0123456789',
  '10',
  '100',
];
const cfg: ModelConfig = {
  vocabSize: tokens.length,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
  dFF: 64,
  contextLength: 64,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};
const weights = randomWeights(cfg, 21, { std: 0.25 });
const ids = [
  1, 3, 6, 7, 26, 17, 8, 4, 6, 7, 18, 9, 19, 13, 20, 8, 5, 6, 7, 14, 20, 11, 21, 15, 2, 0, 3, 27, 27,
];

let llama: Llama | undefined;
let nlc: NodeLlamaCpp | undefined;
let skipReason = '';
const dir = mkdtempSync(join(tmpdir(), 'metacot-interop-'));
const path = join(dir, 'model.gguf');

beforeAll(async () => {
  await exportGguf(cfg, weights, { tokens, bos: 1, eos: 2, pad: 0 }, path);
  try {
    nlc = await import('node-llama-cpp');
    llama = await nlc.getLlama({ gpu: false, build: 'never', logLevel: nlc.LlamaLogLevel.error });
  } catch (err) {
    skipReason = `node-llama-cpp cannot load here: ${(err as Error).message}`;
    console.warn(`skipping llama.cpp interop tests: ${skipReason}`);
  }
});
afterAll(async () => {
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('node-llama-cpp interop', () => {
  it('gives our log-probabilities (max abs diff <= 1e-4) at every position of a fixed sequence', async (ctx) => {
    if (llama === undefined) return ctx.skip(skipReason);
    const model = await llama.loadModel({ modelPath: path });
    // F32 KV cache, no flash attention, one thread: llama.cpp's exact path (see cpu-ml-feasibility note C).
    const context = await model.createContext({
      contextSize: 256,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    const out = await context
      .getSequence()
      .controlledEvaluate(
        ids.map((t) => [
          tok(t),
          { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } },
        ]),
      );
    const V = cfg.vocabSize;
    const ref = logSoftmaxRows(referenceLogits(cfg, weights, ids), V);
    let maxDiff = 0;
    out.forEach((r, t) => {
      const probs = r?.next.probabilities;
      expect(probs?.size).toBe(V);
      for (let v = 0; v < V; v++)
        maxDiff = Math.max(maxDiff, Math.abs(Math.log(probs!.get(tok(v))!) - ref[t * V + v]));
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);

    // ...and the same numbers as our own sampler's teacher-forced scoring.
    const sampler = await Sampler.create(cfg, weights);
    const [ours] = await sampler.score({ prompts: [ids.slice(0, 1)], continuations: [ids.slice(1)] });
    await sampler.dispose();
    ours.logprobs.forEach((lp, i) => {
      expect(Math.abs(Math.log(out[i]!.next.probabilities!.get(tok(ids[i + 1]))!) - lp)).toBeLessThanOrEqual(
        1e-4,
      );
    });
    await context.dispose();
    await model.dispose();
  });

  it('tokenizes and detokenizes text made of our tokens into our token ids', async (ctx) => {
    if (llama === undefined) return ctx.skip(skipReason);
    const model = await llama.loadModel({ modelPath: path });
    const text = 'Goal: 24\nStep: 3*8=24\nAnswer: (100-4)/4';
    const want = [
      3, 6, 7, 18, 20, 8, 4, 6, 7, 19, 11, 24, 13, 18, 20, 8, 5, 6, 7, 14, 27, 10, 20, 15, 12, 20,
    ];
    expect(model.tokenize(text)).toEqual(want);
    expect(model.detokenize(want.map(tok))).toBe(text);
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
    await model.dispose();
  });

  it("loads the project's Countdown vocabulary and detokenizes our ids as our tokenizer does", async (ctx) => {
    if (llama === undefined) return ctx.skip(skipReason);
    const v = COUNTDOWN_VOCAB_V1;
    const c = { ...cfg, vocabSize: v.pieces.length };
    const p = join(dir, 'countdown.gguf');
    await exportGguf(
      c,
      randomWeights(c, 3),
      { tokens: [...v.pieces], bos: v.bos, eos: v.eos, pad: v.pad, unk: v.unk },
      p,
    );
    const model = await llama.loadModel({ modelPath: p });
    const tok = new Tokenizer(v);
    const text =
      'Current State: 24:[6, 4], Operations: []\nExploring Operation: 6*4=24, Resulting Numbers: [24]\n';
    const ids = tok.encode(text);
    expect(model.detokenize(ids.map((t) => t as Token))).toBe(tok.decode(ids));
    expect(model.tokenize(text)).toEqual(ids);
    await model.dispose();
  });
});
