import { beam } from './beam.js';
import { bestFirst } from './best-first.js';
import { dfs } from './dfs.js';
import { mcts } from './mcts.js';

/** Every search algorithm by name; dispatch goes through here, never through string switches. */
export const SEARCHERS = { dfs, beam, 'best-first': bestFirst, mcts } as const;

export type SearcherName = keyof typeof SEARCHERS;
