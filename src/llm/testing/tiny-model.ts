/**
 * Test support: trains a tiny character-level model on natural-language arithmetic lines ("3 plus 4 is 7.")
 * with our engine, in a few seconds, and writes it as `metacot train` would (trainer.json + safetensors) plus
 * tokenizer.json. Real training, so the served model's outputs are learned text, not random characters.
 */
import type { Example } from '../../engine/batching.js';
import type { ModelConfig } from '../../engine/model-config.js';
import { train } from '../../engine/train.js';
import { AsciiTokenizer } from '../text-tokenizer.js';
import { writeTokenizerFile } from '../tokenizer-file.js';

export const TINY_CONFIG: ModelConfig = {
  vocabSize: 101,
  dModel: 48,
  nLayers: 1,
  nHeads: 4,
  dFF: 96,
  contextLength: 48,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

export function arithmeticLines(): string[] {
  const lines: string[] = [];
  for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) lines.push(`${a} plus ${b} is ${a + b}.`);
  return lines;
}

export async function trainTinyTextModel(
  dir: string,
  steps = 120,
): Promise<{ cfg: ModelConfig; loss: number }> {
  const tok = new AsciiTokenizer();
  const data: Example[] = arithmeticLines().map((line) => ({
    tokens: [tok.bos, ...tok.encode(line), tok.eos],
  }));
  const r = await train({
    cfg: TINY_CONFIG,
    data,
    steps,
    batchSize: 16,
    lr: 1e-2,
    warmup: 5,
    seed: 1,
    threads: 1,
    checkpointDir: dir,
  });
  writeTokenizerFile(dir, tok.id);
  return { cfg: TINY_CONFIG, loss: r.losses.at(-1)! };
}
