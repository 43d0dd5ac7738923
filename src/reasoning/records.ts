import { SearchTree, type TreeJSON } from '../core/tree.js';
import { type LinearizeStyle, type SftRecord, sftRecord } from './linearize.js';
import type { LmState } from './lm-domain.js';
import type { MathProblem } from './problems.js';
import type { SearchRunConfig } from './run.js';
import { segmenter } from './segment.js';
import type { SearchStore } from './store.js';

/**
 * The linearized SFT record of every solved problem in a search store, in problem order (read by
 * `metacot search export` and `metacot iterate`). One tree at a time: a large run's trees need not fit
 * in memory together.
 */
export function* solvedRecords(
  store: SearchStore,
  o: { style: LinearizeStyle; values: boolean },
): Generator<SftRecord> {
  const config = store.config<SearchRunConfig>();
  const seg = segmenter(config.segmentation);
  for (const row of store.iterateResults()) {
    if (row.solution === null) continue;
    const tree = SearchTree.fromJSON(JSON.parse(row.tree) as TreeJSON<LmState, string, MathProblem>);
    yield sftRecord(tree, row.solution, {
      segmenter: seg,
      template: config.template,
      style: o.style,
      values: o.values,
      meta: {
        algorithm: config.algorithm,
        value: config.value.kind,
        nodes: row.nodes,
        tokens: row.prompt_tokens + row.completion_tokens,
        answer: row.answer,
      },
    });
  }
}
