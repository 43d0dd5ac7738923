/**
 * The NeoX online data server against a Python client that reproduces NeoX's framing and pickle.loads, with a
 * real OpenAIBackend talking HTTP to a stand-in policy server and the real verifier pool grading rewards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neoxFetch, runPython } from '../../test/scaleout/python.js';
import { type StandInPolicy, startStandInPolicy } from '../../test/scaleout/stand-in-policy.js';
import { tinyTokenizerJson } from '../../test/scaleout/tiny-tokenizer.js';
import { dribble } from '../../test/servers/raw.js';
import { renderPrompt, TEMPLATES } from '../export/prompt.js';
import type { ProblemRow } from '../export/rows.js';
import { OpenAIBackend } from '../llm/openai.js';
import { VerifierPool } from '../verify/pool.js';
import { promptIds } from './groups.js';
import { type NeoxServerEvent, type NeoxServerOptions, startNeoxServer } from './neox-server.js';
import { ProblemCursor } from './producer.js';
import { loadTrainerTokenizer, type TrainerTokenizer } from './tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-neox-'));
const tokFile = join(dir, 'tokenizer.json');
writeFileSync(tokFile, JSON.stringify(tinyTokenizerJson()));

const problem = (k: number, text: string, answer: string): ProblemRow => ({
  problem: text,
  answer,
  id: `p${k}`,
  extra: {},
  where: { file: 'problems.jsonl', line: k + 1 },
});

// each problem's completions: one right, one wrong, one without an answer → rewards 1, 0, 0
const PROBLEMS = [
  problem(0, 'What is 2 + 3?', '5'),
  problem(1, 'What is 4 + 4?', '8'),
  problem(2, 'What is 9 - 2?', '7'),
  problem(3, 'What is 3 * 3?', '9'),
];
const TABLE: Record<string, string[]> = {
  'What is 2 + 3?': [' The sum is \\boxed{5}.', ' It is \\boxed{6}.', ' I am not sure.'],
  'What is 4 + 4?': [' The sum is \\boxed{8}.', ' It is \\boxed{9}.', ' I am not sure.'],
  'What is 9 - 2?': [' The answer is \\boxed{7}.', ' It is \\boxed{3}.', ' I am not sure.'],
  'What is 3 * 3?': [' The answer is \\boxed{9}.', ' It is \\boxed{6}.', ' I am not sure.'],
};
const SEQ = 96;

let policy: StandInPolicy;
let pool: VerifierPool;
let tokenizer: TrainerTokenizer;

beforeAll(async () => {
  policy = await startStandInPolicy({ table: TABLE });
  pool = new VerifierPool({ size: 1, symbolic: false, timeoutMs: 5000 });
  await pool.ready();
  tokenizer = loadTrainerTokenizer(tokFile);
});
afterAll(async () => {
  await policy.close();
  await pool.close();
});

function options(over: Partial<NeoxServerOptions> & { events?: NeoxServerEvent[] } = {}): NeoxServerOptions {
  const backend = new OpenAIBackend({
    endpoints: [policy.url],
    model: 'stand-in',
    maxRetries: 0, // the server's own round-level retry is under test, not the backend's
    backoff: { baseMs: 5, maxMs: 20 },
  });
  const events = over.events;
  return {
    ports: [0],
    problems: { train: PROBLEMS },
    prefetch: 1,
    deps: { backend, tokenizer, verify: (items) => pool.verifyBatch(items) },
    producer: {
      k: 3,
      seqLength: SEQ,
      maxTokens: 64,
      temperature: 1,
      groupsPerBatch: 2,
      template: TEMPLATES.plain,
      seed: 1,
      retry: { attempts: 4, baseMs: 10, maxMs: 50 },
    },
    onEvent: events ? (e) => events.push(e) : undefined,
    ...over,
  };
}

const textOf = (ids: number[]) => tokenizer.decode(ids);

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Python clients that send a split name and close at once, as the tester's did (`waitMs` 0), or close after the
 * batch has arrived without reading it (`waitMs` > 0: their kernel resets the connection).
 */
const quitters = (port: number, count: number, waitMs = 0) =>
  runPython([
    '-c',
    `import socket,time\nfor _ in range(${count}):\n  s=socket.create_connection(('127.0.0.1',${port}));s.sendall(b'train');time.sleep(${waitMs / 1000});s.close()`,
  ]);

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
          expect(g.prefix).toEqual(promptIds(tokenizer, renderPrompt(TEMPLATES.plain, p.problem)));
          expect(g.prefix[0]).toBe(tokenizer.encodePrompt('x')[0]);
          // completions are the sampled texts' ids plus EOS, in sampling order
          expect(g.completions).toEqual(
            TABLE[p.problem]!.map((t) => [...tokenizer.encodeCompletion(t), tokenizer.eosId]),
          );
          expect(g.rewards).toEqual([1, 0, 0]);
          expect(g.advantages).toEqual([1, -0.5, -0.5]);
        }
        for (const s of report.samples) expect(s.length).toBe(SEQ + 1);
      }
      // the policy was asked with the EOS as a stop string and generation capped by the trainer's context
      const req = policy.requests.at(-1)!;
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
    policy.hold();
    const server = await startNeoxServer(options());
    try {
      let done = false;
      const fetching = neoxFetch(server.ports[0]!, 'train', SEQ).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(done).toBe(false); // connected and waiting, not failed
      policy.release();
      const report = await fetching;
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(2);
    } finally {
      policy.release();
      await server.close();
    }
  });

  it('keeps the batch of a trainer that hangs up while waiting, for the next request', async () => {
    policy.hold();
    const events: NeoxServerEvent[] = [];
    const before = policy.requests.length;
    const server = await startNeoxServer(options({ events }));
    try {
      const quitter = connect(server.ports[0]!, '127.0.0.1');
      await new Promise<void>((resolve) => quitter.once('connect', () => resolve()));
      quitter.write('train');
      await new Promise((r) => setTimeout(r, 100));
      quitter.destroy();
      await new Promise((r) => setTimeout(r, 100));
      policy.release();
      const report = await neoxFetch(server.ports[0]!, 'train', SEQ);
      expect(report.errors).toEqual([]);
      expect(report.groups).toHaveLength(2);
      expect(events.some((e) => e.type === 'hung_up')).toBe(true);
      await until(() => server.served(0) === 1);
      expect(server.served(0)).toBe(1);
      // the groups served are the first batch built (the quitter's), not a rebuilt one
      const firstPrompts = policy.requests.slice(before, before + 2).map((r) => String(r.prompt));
      const served = report.groups.map((g) => textOf(g.prefix));
      expect(served.map((t) => firstPrompts.some((p) => t.endsWith(p)))).toEqual([true, true]);
    } finally {
      policy.release();
      await server.close();
    }
  });

  it('gives the batches of trainers that hung up at once to the next trainer, in order: none lost or repeated', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(
      options({ events, prefetch: 2, producer: { ...options().producer, groupsPerBatch: 1 } }),
    );
    try {
      const port = server.ports[0]!;
      await until(() => server.ready(0, 'train') === 2);
      // the first quitters find batches ready, the later ones wait for batches being built
      await quitters(port, 20);
      // these let the batch arrive, then close without reading it
      await quitters(port, 2, 300);
      const got: string[] = [];
      for (let k = 0; k < 8; k++) {
        const report = await neoxFetch(port, 'train', SEQ);
        expect(report.errors).toEqual([]);
        expect(report.groups).toHaveLength(1);
        got.push(PROBLEMS.find((p) => textOf(report.groups[0]!.prefix).includes(p.problem))!.problem);
      }
      // exactly the order the producer drew the problems in (train uses the seed as is)
      const cursor = new ProblemCursor(PROBLEMS, 0, 1, 1);
      expect(got).toEqual(Array.from({ length: 8 }, () => cursor.next().problem));
      const hungUp = events.filter((e) => e.type === 'hung_up');
      expect(hungUp.length).toBeGreaterThanOrEqual(20);
      expect(hungUp.filter((e) => e.sent)).toHaveLength(2);
      await until(() => server.served(0) === 8);
      expect(server.served(0)).toBe(8);
    } finally {
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
      policy.dropNext(3);
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
        const cut = g.completions.map((c) => c.at(-1) !== tokenizer.eosId);
        const p = PROBLEMS.find((x) => textOf(g.prefix).includes(x.problem))!;
        const room = seq + 1 - g.prefix.length;
        const expectedCut = TABLE[p.problem]!.map((t) => tokenizer.encodeCompletion(t).length + 1 > room);
        expect(cut).toEqual(expectedCut);
        g.completions.forEach((c, k) => {
          if (cut[k]) expect(c).toHaveLength(room);
        });
        // a cut completion has no final answer, so no reward, even the right one (index 0)
        expect(g.rewards).toEqual(cut.map((c, k) => (k === 0 && !c ? 1 : 0)));
        if (cut[0]) rightButCut++;
      }
      expect(rightButCut).toBeGreaterThan(0);
      expect(Number(policy.requests.at(-1)!.max_tokens)).toBe(seq + 1 - 40 - 1);
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

  it('cuts a client that never finishes its split name, and one that never closes after its batch', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events, requestTimeoutMs: 500 }));
    try {
      const port = server.ports[0]!;
      const slow = await dribble(port, 'trai', 300);
      expect(slow.cut).toBe(true);
      expect(slow.afterMs).toBeLessThan(3000);
      expect(events.find((e) => e.type === 'bad_request')).toMatchObject({
        detail: 'no split name within 500 ms',
      });
      // reads its batch, then keeps its side open: the server lets go after the same limit, counting it served
      const lingerer = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      let bytes = 0;
      lingerer.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      lingerer.write('train');
      await new Promise((r) => lingerer.once('end', r));
      expect(bytes).toBeGreaterThan(0);
      expect(server.served(0)).toBe(0); // not yet: the trainer has not closed
      const t0 = Date.now();
      await until(() => server.served(0) === 1);
      expect(server.served(0)).toBe(1);
      expect(Date.now() - t0).toBeLessThan(3000);
      lingerer.destroy();
    } finally {
      await server.close();
    }
  });

  it('drops a connection that sends something other than a split name', async () => {
    const events: NeoxServerEvent[] = [];
    const server = await startNeoxServer(options({ events }));
    try {
      const report = await neoxFetch(server.ports[0]!, 'GET / HTTP/1.1', SEQ);
      expect(report.errors[0]).toMatch(/pickle\.loads failed/);
      expect(events.find((e) => e.type === 'bad_request')).toMatchObject({
        detail: expect.stringContaining('GET /'),
      });
    } finally {
      await server.close();
    }
  });
});
