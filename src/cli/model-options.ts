import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../engine/model-config.js';

/** The model-shape flags shared by `train`, `bench train` and `bench sample`, as parsed by commander. */
export interface ModelFlags {
  dModel: number;
  layers: number;
  heads: number;
  ff: number;
  ctx: number;
  tied: boolean;
}

export function modelConfigFromFlags(o: ModelFlags, vocabSize: number): ModelConfig {
  return {
    ...DEFAULT_MODEL_CONFIG,
    vocabSize,
    dModel: o.dModel,
    nLayers: o.layers,
    nHeads: o.heads,
    dFF: o.ff,
    contextLength: o.ctx,
    tiedEmbeddings: o.tied,
  };
}
