/**
 * Test support: the small random-weight model the sampler tests share. Large weights make its distributions
 * peaked, so a wrong position or mask shows up clearly in the tokens it picks.
 */
import type { ModelConfig } from '../../model-config.js';
import { randomWeights } from '../../reference.js';

export const PEAKED_CONFIG: ModelConfig = {
  vocabSize: 19,
  dModel: 16,
  nLayers: 2,
  nHeads: 2,
  dFF: 40,
  contextLength: 80,
  tiedEmbeddings: false,
  ropeTheta: 10000,
  normEps: 1e-5,
};

export const PEAKED_WEIGHTS = randomWeights(PEAKED_CONFIG, 11, { std: 0.35 });
