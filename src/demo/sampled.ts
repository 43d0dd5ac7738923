import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { Tokenizer, VOCABULARIES } from '../countdown/tokenizer.js';
import { Sampler } from '../engine/infer/sampler.js';
import { passAtK } from '../eval/pass-at-k.js';
import { parseRunConfig } from './config.js';
import { loadData, type TestProblem } from './data.js';
import { judge } from './evaluate.js';
import { repeatedPrompts, toolsFor } from './examples.js';
import { mean } from './metrics.js';
import { evalTokenLimit, loadWeights, modelConfig } from './sft.js';
import { writeJsonAtomic } from './state.js';

/** One model's sampled accuracy on one test set: unbiased pass@k for k = 1..samples. */
export interface SampledResult {
  set: 'held-out targets' | 'held-out inputs';
  problems: number;
  samples: number;
  temperature: number;
  /** pass_at_k[k − 1]: the chance that at least one of k samples verifies (Chen et al. 2021, unbiased). */
  pass_at_k: number[];
  /** Generated tokens per sample (tool-written ones included). */
  mean_tokens: number;
}

export interface SampledOptions {
  /** A finished `metacot run` folder. */
  dir: string;
  /** A model folder under `<dir>/models/` (cot, metacot, star_1, rl_2, ...). */
  model: string;
  samples: number;
  temperature: number;
  seed?: number;
  threads?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Samples a run's model several times per test problem, with the run's tools, and scores pass@k: how
 * a model that writes one path does when an oracle may pick among k of them — the baseline that a
 * single Meta-CoT search, spending as many tokens, has to beat. Writes `<dir>/sampled/<model>-n<N>-t<T>.json`.
 */
export async function sampledPassAtK(o: SampledOptions): Promise<{ results: SampledResult[]; file: string }> {
  const configFile = join(o.dir, 'config.json');
  if (!existsSync(configFile)) throw new UserError(`${o.dir}: not a run folder (no config.json)`);
  const modelDir = join(o.dir, 'models', o.model);
  if (!existsSync(modelDir)) {
    const have = existsSync(join(o.dir, 'models')) ? readdirSync(join(o.dir, 'models')).join(', ') : 'none';
    throw new UserError(`${o.dir}: no model '${o.model}' (models: ${have})`);
  }
  if (!(Number.isInteger(o.samples) && o.samples >= 1))
    throw new UserError('samples must be an integer >= 1');
  if (!(o.temperature > 0)) throw new UserError('temperature must be > 0 (greedy samples are all the same)');
  const cfg = parseRunConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
  const tokenizer = new Tokenizer(VOCABULARIES[cfg.data.vocab]);
  const model = modelConfig(cfg, tokenizer.size);
  const data = await loadData(join(o.dir, 'data'));
  const sets: Array<[SampledResult['set'], TestProblem[]]> = [['held-out targets', data.test]];
  if (data.testInputs.length > 0) sets.push(['held-out inputs', data.testInputs]);
  const total = sets.reduce((a, [, p]) => a + p.length, 0);
  let done = 0;
  const sampler = await Sampler.create(model, loadWeights(modelDir, model), {
    threads: o.threads ?? cfg.threads,
  });
  const results: SampledResult[] = [];
  try {
    for (const [set, problems] of sets) {
      const solved: number[] = [];
      const tokens: number[] = [];
      // Problems in chunks of ~250 sequences, so progress shows; each chunk draws from its own seed.
      const per = Math.max(1, Math.floor(250 / o.samples));
      for (let start = 0; start < problems.length; start += per) {
        const chunk = problems.slice(start, start + per);
        const { prompts, owners } = repeatedPrompts(tokenizer, chunk, o.samples, cfg.data.format);
        const gens = await sampler.generate({
          prompts,
          maxNewTokens: evalTokenLimit(cfg, model),
          temperature: o.temperature,
          stopTokens: [tokenizer.vocab.eos],
          seed: (o.seed ?? 0) * 1_000_003 + start,
          ...toolsFor(tokenizer, cfg, owners),
        });
        chunk.forEach((_, p) => {
          let c = 0;
          for (let s = 0; s < o.samples; s++) {
            const i = p * o.samples + s;
            const output = tokenizer.decode(gens[i].tokens);
            if (judge(owners[i], tokenizer.decode(prompts[i]), output, cfg.data.format).solved) c++;
            tokens.push(gens[i].tokens.length);
          }
          solved.push(c);
        });
        done += chunk.length;
        o.onProgress?.(done, total);
      }
      results.push({
        set,
        problems: problems.length,
        samples: o.samples,
        temperature: o.temperature,
        pass_at_k: Array.from({ length: o.samples }, (_, k) =>
          mean(solved.map((c) => passAtK(o.samples, c, k + 1))),
        ),
        mean_tokens: mean(tokens),
      });
    }
  } finally {
    await sampler.dispose();
  }
  mkdirSync(join(o.dir, 'sampled'), { recursive: true });
  const file = join(o.dir, 'sampled', `${o.model}-n${o.samples}-t${o.temperature}.json`);
  writeJsonAtomic(file, { model: o.model, tools: cfg.tools, seed: o.seed ?? 0, results });
  return { results, file };
}
