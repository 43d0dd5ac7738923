import { beam } from './beam.js';
import { bestFirst } from './best-first.js';
import { bestOfN } from './best-of-n.js';
import { dfs } from './dfs.js';
import { dvts } from './dvts.js';
import { mcts } from './mcts.js';
import { stepBeam } from './step-beam.js';

/** Every search algorithm by name; dispatch goes through here, never through string switches. */
export const SEARCHERS = {
  dfs,
  beam,
  'best-first': bestFirst,
  mcts,
  'step-beam': stepBeam,
  dvts,
  'best-of-n': bestOfN,
} as const;

export type SearcherName = keyof typeof SEARCHERS;
