/**
 * Head-of-line blocking in the reward server, over real HTTP: while one client's 20,000-item /verify runs, another
 * client's one-item request must be answered in under 2 s (the verifier pool interleaves requests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startRewardServer } from '../../src/server/node.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startRewardServer({ port: 0, maxBodyBytes: 64 << 20, pool: { size: 2 } });
});
afterAll(async () => {
  await server?.close();
});

/** Responses of the kinds a reward run grades: boxed integers, fractions, decimals, some wrong. */
function bigBody(n: number): string {
  const items = Array.from({ length: n }, (_, k) => {
    const kind = k % 4;
    if (kind === 0) return { gold: String(k), response: `Adding up, we get \\boxed{${k}}.` };
    if (kind === 1)
      return { gold: `\\frac{${k}}{${k + 1}}`, response: `So the ratio is \\boxed{${k}/${k + 1}}` };
    if (kind === 2) return { gold: `${k}.5`, response: `The answer is \\boxed{\\frac{${2 * k + 1}}{2}}.` };
    return { gold: String(k), response: `Therefore the answer is \\boxed{${k + 1}}.` };
  });
  return JSON.stringify({ items });
}

const post = (body: string) =>
  fetch(`${server.url}/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('reward server fairness', () => {
  it('answers a one-item request in under 2 s while a 20,000-item request runs', async () => {
    let bigDone = 0;
    const big = post(bigBody(20_000)).then(async (r) => {
      bigDone = Date.now();
      return (await r.json()) as { results: { correct: boolean }[] };
    });
    // wait until the big request is in the pool (GET /health counts the checks waiting or running)
    for (;;) {
      const health = (await (await fetch(`${server.url}/health`)).json()) as { pending: number };
      if (health.pending > 0 || bigDone > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const t0 = Date.now();
    const small = await post(JSON.stringify({ items: [{ gold: '42', response: 'It is \\boxed{42}.' }] }));
    const smallMs = Date.now() - t0;
    expect(small.status).toBe(200);
    expect(((await small.json()) as { results: { correct: boolean }[] }).results[0]!.correct).toBe(true);
    // the big request was still running when the small one was answered: the situation under test
    expect(bigDone).toBe(0);
    console.log(`one-item request answered in ${smallMs} ms while the 20,000-item request ran`);
    expect(smallMs).toBeLessThan(2000);
    const results = (await big).results;
    expect(results).toHaveLength(20_000);
    // verdicts in input order: the kinds alternate correct, correct, correct, wrong
    expect(results.slice(0, 8).map((r) => r.correct)).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
  }, 180_000);
});
