/**
 * The NeoX online data server against a Python client that reproduces NeoX's framing and pickle.loads, with a
 * real OpenAIBackend talking HTTP to a stand-in policy server and the real verifier pool grading rewards.
 * Trainers that hang up or misbehave: neox-hangups.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PROBLEMS, problem, SEQ, TABLE, until, useNeoxFixture } from '../../test/scaleout/neox-fixture.js';
import { neoxFetch } from '../../test/scaleout/python.js';
import { renderPrompt, TEMPLATES } from '../export/prompt.js';
import { promptIds } from './groups.js';
import { type NeoxServerEvent, startNeoxServer } from './neox-server.js';

const fx = useNeoxFixture();
const options = fx.options;
const textOf = (ids: number[]) => fx.textOf(ids);

describe('NeoX online data server', () => {
  it('serves each data-parallel rank its own share, in the exact schema, with LOO-ready rewards', async () => {
    const server = await startNeoxServer(options({ ports: [0, 0] }));
    try {
      const [r0, r1] = await Promise.all([
        neoxFetch(server.ports[0]!, 'train', SEQ),
        neoxFetch(server.ports[1]!, 'train', SEQ),
      ]);
      for (const [rank, report] of [r0, r1].entries()) {
        expect(report.errors).toEqual([]);
        expect(report.groups).toHaveLength(2);
        for (const g of report.groups) {
          const prompt = textOf(g.prefix);
          const p = PROBLEMS.find((x) => prompt.includes(x.problem))!;
          // rank r takes problems r, r + 2
          expect(PROBLEMS.indexOf(p) % 2).toBe(rank);
          // the prefix is exactly the trainer tokenizer's ids of the prompt the policy was sent (BOS included)
          expect(g.prefix).toEqual(promptIds(fx.tokenizer, renderPrompt(TEMPLATES.plain, p.problem)));
          expect(g.prefix[0]).toBe(fx.tokenizer.encodePrompt('x')[0]);
          // completions are the sampled texts' ids plus EOS, in sampling order
          expect(g.completions).toEqual(
            TABLE[p.problem]!.map((t) => [...fx.tokenizer.encodeCompletion(t), fx.tokenizer.eosId]),
          );
          expect(g.rewards).toEqual([1, 0, 0]);
          expect(g.advantages).toEqual([1, -0.5, -0.5]);
        }
        for (const s of report.samples) expect(s.length).toBe(SEQ + 1);
      }
      // the policy was asked with the EOS as a stop string and generation capped by the trainer's context
      const req = fx.policy.requests.at(-1)!;
      expect(req.stop).toContain('<|eot_id|>');
      expect(req.n).toBe(3);
      expect(Number(req.max_tokens)).toBeLessThanOrEqual(64);
    } finally {
      await server.close();
    }
  });

  it('discounts correct answers by γ^|Z| when asked', async () => {
    const server = await startNeoxServer(options({ producer: { ...options().producer, gamma: 0.9 } }));
    try {
      const report = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(report.errors).toEqual([]);
      for (const g of report.groups) {
        expect(g.rewards[0]).toBeCloseTo(0.9 ** g.completions[0]!.length, 12);
        expect(g.rewards.slice(1)).toEqual([0, 0]);
      }
    } finally {
      await server.close();
    }
  });

  it('makes a trainer that connects before any rollout exists wait, then serves it', async () => {
    fx.policy.hold();
    const server = await startNeoxServer(options());
    try {
      let done = false;
      const fetching = neoxFetch(server.ports[0]!, 'train', SEQ).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(done).toBe(false); // connected and waiting, not failed
      fx.policy.release();
      const report = await fetching;
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(2);
    } finally {
      fx.policy.release();
      await server.close();
    }
  });

  it('retries an endpoint that dies mid-round and completes the round', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events }));
    try {
      // the first batch may already be building; the next batch's first requests die
      const first = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(first.errors).toEqual([]);
      fx.policy.dropNext(3);
      const second = await neoxFetch(server.ports[0]!, 'train', SEQ);
      const third = await neoxFetch(server.ports[0]!, 'train', SEQ);
      for (const r of [second, third]) {
        expect(r.errors).toEqual([]);
        expect(r.groups).toHaveLength(2);
      }
      expect(events.filter((e) => e.type === 'retry').length).toBeGreaterThanOrEqual(1);
      expect(events.some((e) => e.type === 'gave_up')).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('skips a prompt longer than the trainer context with a clear report, and never sends it', async () => {
    const events: NeoxServerEvent[] = [];
    const long = problem(9, `${'Consider the following long story. '.repeat(40)}What is 2 + 3?`, '5');
    const server = await startNeoxServer(
      options({
        events,
        problems: { train: [long, ...PROBLEMS.slice(1)] },
        producer: { ...options().producer, groupsPerBatch: 3 },
      }),
    );
    try {
      const report = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(3);
      for (const g of report.groups) expect(textOf(g.prefix)).not.toContain('long story');
      const skipped = events.filter((e) => e.type === 'skipped');
      expect(skipped.length).toBeGreaterThanOrEqual(1);
      expect(skipped[0]).toMatchObject({ reason: 'prompt_too_long' });
      expect((skipped[0] as { message: string }).message).toMatch(
        /problems\.jsonl:10 \(id p9\): prompt is \d+ tokens, but the trainer's seq_length \+ 1 = 97/,
      );
    } finally {
      await server.close();
    }
  });

  it('cuts completions to the context and grades them 0; never sends a sample over seq_length + 1', async () => {
    // prompts are 40 tokens, so 15 are left: the wrong answers (14 and 15 tokens with EOS) fit, the right one (16)
    // does not. The stand-in ignores max_tokens, like a re-tokenization that comes out longer than generated.
    const seq = 54;
    const server = await startNeoxServer(
      options({ producer: { ...options().producer, seqLength: seq, groupsPerBatch: 4 } }),
    );
    try {
      const report = await neoxFetch(server.ports[0]!, 'train', seq);
      expect(report.errors).toEqual([]);
      let rightButCut = 0;
      for (const g of report.groups) {
        for (const c of g.completions) expect(g.prefix.length + c.length).toBeLessThanOrEqual(seq + 1);
        const cut = g.completions.map((c) => c.at(-1) !== fx.tokenizer.eosId);
        const p = PROBLEMS.find((x) => textOf(g.prefix).includes(x.problem))!;
        const room = seq + 1 - g.prefix.length;
        const expectedCut = TABLE[p.problem]!.map((t) => fx.tokenizer.encodeCompletion(t).length + 1 > room);
        expect(cut).toEqual(expectedCut);
        g.completions.forEach((c, k) => {
          if (cut[k]) expect(c).toHaveLength(room);
        });
        // a cut completion has no final answer, so no reward, even the right one (index 0)
        expect(g.rewards).toEqual(cut.map((c, k) => (k === 0 && !c ? 1 : 0)));
        if (cut[0]) rightButCut++;
      }
      expect(rightButCut).toBeGreaterThan(0);
      expect(Number(fx.policy.requests.at(-1)!.max_tokens)).toBe(seq + 1 - 40 - 1);
    } finally {
      await server.close();
    }
  });

  it('serves train and valid concurrently on one port; prefetched batches go out without waiting', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events, prefetch: 2 }));
    try {
      const t0 = Date.now();
      while (server.ready(0, 'train') < 2 && Date.now() - t0 < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(server.ready(0, 'train')).toBe(2);
      const [train, valid] = await Promise.all([
        neoxFetch(server.ports[0]!, 'train', SEQ),
        neoxFetch(server.ports[0]!, 'valid', SEQ),
      ]);
      expect(train.errors).toEqual([]);
      expect(valid.errors).toEqual([]);
      // a batch counts as served once the trainer has read it and closed
      await until(() => events.filter((e) => e.type === 'served').length === 2);
      const servedTrain = events.find((e) => e.type === 'served' && e.split === 'train') as {
        waitedMs: number;
      };
      expect(servedTrain.waitedMs).toBeLessThan(100);
      expect(events.some((e) => e.type === 'served' && e.split === 'valid')).toBe(true);
      expect(server.served(0, 'train')).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('fails a split whose every prompt is too long, instead of spinning or sending an empty pickle', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(
      options({ events, producer: { ...options().producer, seqLength: 8 } }),
    );
    try {
      await expect(server.failure).rejects.toThrow(/no usable train problem for rank 0: all 4 were skipped/);
      const report = await neoxFetch(server.ports[0]!, 'train', 8);
      expect(report.errors[0]).toMatch(/pickle\.loads failed/); // connection closed with nothing sent
      expect(events.some((e) => e.type === 'fatal')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('skips a problem the policy server rejects (4xx) without retrying it', async () => {
    const events: NeoxServerEvent[] = [];
    const unknown = problem(7, 'A problem the stand-in has no answers for', '1');
    const server = await startNeoxServer(
      options({
        events,
        problems: { train: [unknown, ...PROBLEMS.slice(0, 2)] },
        producer: { ...options().producer, groupsPerBatch: 2 },
      }),
    );
    try {
      const report = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(2);
      const rejected = events.filter((e) => e.type === 'skipped' && e.reason === 'rejected');
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      expect((rejected[0] as { message: string }).message).toMatch(
        /problems\.jsonl:8 \(id p7\): the policy server rejected/,
      );
      expect(events.some((e) => e.type === 'retry')).toBe(false);
    } finally {
      await server.close();
    }
  });
});
