import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { lmDomain } from './lm-domain.js';
import { segmenter } from './segment.js';
import { TEMPLATES } from './template.js';
import { ApplesLM, applesProblem, applesValue } from './testing/apples-lm.js';
import { cachedValue, judgeValue, prmValue, rolloutValue } from './value.js';

const seg = segmenter({ kind: 'blank-line' });
const problem = applesProblem('p', 5, 3, 2);
const setup = () => {
  const lm = new ApplesLM();
  const domain = lmDomain({ backend: lm, template: TEMPLATES.math, segmenter: seg, samples: 5 });
  return { lm, domain };
};

/** Every state of the problem up to depth 2, reached through the model's own steps. */
async function states(domain: ReturnType<typeof setup>['domain']) {
  const out = [{ steps: [] as string[] }];
  for (let k = 0; k < out.length; k++) {
    if (out[k].steps.length >= 2) continue;
    for (const step of await domain.steps(out[k], { problem, rng: new Rng(k) }))
      out.push(domain.apply(out[k], step, problem));
  }
  return out;
}

describe('rollout values', () => {
  it('equal the known value of every state (K = 125 enumerates each continuation)', async () => {
    const { lm, domain } = setup();
    const all = await states(domain);
    expect(all.length).toBeGreaterThan(20);
    const value = rolloutValue({ domain, backend: lm, template: TEMPLATES.math, rollouts: 125 });
    const before = lm.requests;
    for (const s of all)
      expect(await value(s, problem, new Rng(9))).toBeCloseTo(applesValue(problem.problem, s.steps), 12);
    // one batched call per state, none for terminal states
    expect(lm.requests - before).toBe(all.length);
    expect(
      await value({ steps: all.at(-1)!.steps.concat('the answer is \\boxed{6}') }, problem, new Rng(1)),
    ).toBe(1);
  });

  it('with fewer rollouts, estimate the value and are cached per state', async () => {
    const { lm, domain } = setup();
    const value = cachedValue(rolloutValue({ domain, backend: lm, template: TEMPLATES.math, rollouts: 8 }));
    const v = await value({ steps: [] }, problem, new Rng(3));
    expect(v * 8).toBe(Math.round(v * 8));
    const calls = lm.requests;
    expect(await value({ steps: [] }, problem, new Rng(4))).toBe(v);
    expect(lm.requests).toBe(calls);
    expect(domain.usage.completionTokens).toBeGreaterThan(0);
  });
});

describe('process reward model over HTTP', () => {
  let server: Server;
  let url: string;
  const seen: unknown[] = [];
  beforeAll(async () => {
    // A real HTTP server playing the PRM: it answers the exact value, so the client's result is checkable.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const input = JSON.parse(body) as { problem: string; steps: string[] };
        seen.push(input);
        if (req.url === '/broken') {
          res.writeHead(500).end('model crashed');
          return;
        }
        if (req.url === '/bad') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"value": 7}');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ value: applesValue(input.problem, input.steps) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts {problem, steps} and reads {value}', async () => {
    const { domain } = setup();
    const all = await states(domain);
    const value = prmValue(`${url}/value`);
    for (const s of all.slice(0, 8))
      expect(await value(s, problem, new Rng(0))).toBe(applesValue(problem.problem, s.steps));
    expect(seen[0]).toEqual({ problem: problem.problem, steps: [] });
  });

  it('reports server errors and out-of-range values', async () => {
    await expect(prmValue(`${url}/broken`)({ steps: [] }, problem, new Rng(0))).rejects.toThrow(
      /HTTP 500: model crashed/,
    );
    await expect(prmValue(`${url}/bad`)({ steps: [] }, problem, new Rng(0))).rejects.toThrow(
      /number in \[0, 1\]/,
    );
    await expect(prmValue('http://127.0.0.1:1/x')({ steps: [] }, problem, new Rng(0))).rejects.toThrow(/PRM/);
  });
});

describe('LLM judge', () => {
  it('is the share of yes verdicts, in one call per state', async () => {
    const { lm, domain } = setup();
    const value = judgeValue({ domain, backend: lm, samples: 4 });
    const all = await states(domain);
    const calls = lm.requests;
    for (const s of all)
      expect(await value(s, problem, new Rng(0))).toBe(applesValue(problem.problem, s.steps) > 0 ? 1 : 0);
    expect(lm.requests - calls).toBe(all.length);
  });
});
