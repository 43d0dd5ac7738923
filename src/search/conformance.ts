import type { Domain } from '../core/domain.js';
import { Rng } from '../core/rng.js';
import { checkTreeInvariants, SearchTree } from '../core/tree.js';
import type { SearchAlgorithm } from './types.js';

/**
 * The contract every search algorithm meets, as data a test can run against any domain:
 * sound trees, budgets respected, identical results under the same seed, verified solutions,
 * lossless JSON. `conformance.test.ts` runs it for each algorithm on several domains.
 */
export interface ConformanceCase<P, S, A, O> {
  name: string;
  algorithm: SearchAlgorithm<O>;
  options: O;
  domain: Domain<P, S, A>;
  problems: P[];
}

export async function checkConformance<P, S, A, O>(c: ConformanceCase<P, S, A, O>): Promise<string[]> {
  const failures: string[] = [];
  const fail = (problem: number, msg: string) => failures.push(`${c.name} problem ${problem}: ${msg}`);
  for (const [k, problem] of c.problems.entries()) {
    const run = (seed: number, maxNodes?: number) =>
      c.algorithm.run({
        domain: c.domain,
        problem,
        options: c.options,
        rng: new Rng(seed),
        budget: maxNodes === undefined ? undefined : { maxNodes },
      });
    const a = await run(7);
    for (const v of checkTreeInvariants(a.tree)) fail(k, v);
    if (a.tree.events[0]?.kind !== 'visit' || a.tree.events[0].node !== 0)
      fail(k, 'the search must start by visiting the root');

    const b = await run(7);
    if (JSON.stringify(a.tree.toJSON()) !== JSON.stringify(b.tree.toJSON()))
      fail(k, 'not deterministic under a seed');

    const round = SearchTree.fromJSON(JSON.parse(JSON.stringify(a.tree.toJSON())));
    if (JSON.stringify(round.toJSON()) !== JSON.stringify(a.tree.toJSON()))
      fail(k, 'JSON round trip is lossy');

    if (a.stoppedBy === 'solved') {
      if (a.solution === null || a.solutionSteps === null) fail(k, 'solved without a solution');
      else {
        const node = a.tree.node(a.solution);
        if (!node.terminal || node.verified !== true) fail(k, 'solution node is not a verified terminal');
        const check = c.domain.verifySolution(problem, a.solutionSteps);
        if (!check.ok) fail(k, `solution does not verify: ${check.reason}`);
      }
    } else if (a.solution !== null) fail(k, `stopped by ${a.stoppedBy} but reports a solution`);

    for (const maxNodes of [1, 2, 5]) {
      const r = await run(7, maxNodes);
      if (r.tree.size > maxNodes) fail(k, `budget of ${maxNodes} nodes exceeded: ${r.tree.size}`);
      if (r.stoppedBy === 'exhausted' && a.stoppedBy !== 'exhausted')
        fail(k, 'a budget cut reported as exhausted');
    }
  }
  return failures;
}
