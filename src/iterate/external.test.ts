import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionRequest, LMBackend } from '../llm/backend.js';
import { type RunningLMServer, startLMServer } from '../llm/serve/listen.js';
import { ApplesLM, applesProblem } from '../reasoning/testing/apples-lm.js';
import { parseIterateConfig } from './config.js';
import { runIterate } from './run.js';

/**
 * `runIterate` with an external server (`server.url` + `server.reload.command`) and the chat export. The
 * model is the scripted ApplesLM (a fake: no real model runs in a unit test; test/cli-iterate.test.ts runs a
 * trained one) behind the real `metacot serve` HTTP handler. The "trainer" is a shell command that copies the
 * data into the checkpoint folder: this test is about the loop around it — placeholders, reloads, the
 * ready file, and an endpoint that goes away mid-round and comes back.
 */
const dir = mkdtempSync(join(tmpdir(), 'metacot-iterate-ext-'));
let server: RunningLMServer | undefined;
let port = 0;
let requests = 0;
/** Request number at which the server goes away for a moment. */
let outageAt = Number.POSITIVE_INFINITY;

async function listen(lm: LMBackend): Promise<void> {
  server = await startLMServer(lm, {
    modelId: 'apples',
    maxTokensLimit: 4096,
    maxN: 1000,
    maxBodyBytes: 1 << 20,
    port,
  });
  port = Number(new URL(server.url).port);
}

beforeAll(async () => {
  const apples = new ApplesLM();
  const lm: LMBackend = {
    name: 'apples',
    complete: async (req: CompletionRequest) => {
      if (++requests === outageAt) {
        // the server dies with this request in flight, and is back 300 ms later on the same port
        const s = server!;
        setImmediate(() => {
          s.server.closeAllConnections();
          void s.close().then(() => setTimeout(() => void listen(lm), 300));
        });
        await new Promise((r) => setTimeout(r, 50));
      }
      return apples.complete(req);
    },
  };
  await listen(lm);
  const lines = Array.from({ length: 6 }, (_, i) => {
    const p = applesProblem(`q${i}`, 20 + i, 5 + (i % 4), 3 + (i % 5));
    return JSON.stringify({ id: p.id, problem: p.problem, answer: p.gold });
  });
  writeFileSync(join(dir, 'problems.jsonl'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runIterate with an external server', () => {
  it('reloads each policy, exports chat data, and rides out an endpoint outage mid-round', async () => {
    const config = parseIterateConfig({
      problems: join(dir, 'problems.jsonl'),
      rounds: 2,
      policy: join(dir, 'base-policy'),
      search: { algorithm: 'mcts', rollouts: 5, branching: 3, maxNodes: 20, concurrency: 2 },
      export: { format: 'chat' },
      train: {
        command: 'mkdir -p {out} && cp {data} {out}/data.jsonl && echo {round} {init} > {out}/from.txt',
        shell: true,
        ready: '{out}/data.jsonl',
      },
      server: {
        url: `http://127.0.0.1:${port}/v1`,
        reload: { command: 'echo {checkpoint} >> {work}/reloads.txt', shell: true },
        retries: 0,
        retryDelay: 0.5,
      },
    });
    outageAt = 5;
    const lines: string[] = [];
    const work = join(dir, 'work');
    const metrics = await runIterate({ config, work, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/round 1: endpoint failed .*; recovering \(1\/3\)/);
    expect(metrics.map((m) => [m.round, m.problems, m.server_restarts])).toEqual([
      [1, 6, 1],
      [2, 6, 0],
    ]);
    // one SFT example per solved problem
    for (const m of metrics) expect(m.kept).toBe(m.solved);
    expect(metrics[0].solved).toBeGreaterThan(0);
    const ckpt1 = join(work, 'round-1', 'checkpoint');
    expect(readFileSync(join(work, 'reloads.txt'), 'utf8')).toBe(`${join(dir, 'base-policy')}\n${ckpt1}\n`);
    expect(readFileSync(join(ckpt1, 'from.txt'), 'utf8')).toBe(`1 ${join(dir, 'base-policy')}\n`);
    expect(metrics[1].policy).toBe(ckpt1);
    // the chat export: one {messages} line per kept example, the assistant turn being the linearized search
    const sft = readFileSync(join(work, 'round-1', 'sft.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(sft).toHaveLength(metrics[0].kept);
    const first = JSON.parse(sft[0]) as { messages: Array<{ role: string; content: string }> };
    expect(first.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(first.messages[1].content).toContain('\\boxed{');
    expect(existsSync(join(work, 'round-1', 'records.jsonl'))).toBe(true);
  }, 60_000);
});
