/**
 * The Python shims in integrations/ against the real reward server: Debian's /usr/bin/python3 (stdlib only),
 * falling back to python3 on PATH. Also the OpenRLHF HTTP contract, the bearer token and the error paths.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type RunningServer, startRewardServer } from '../../src/server/node.js';
import type { RewardRequest, RewardResponse, VerifyResponse } from '../../src/server/protocol.js';
import type { VerifyResult } from '../../src/verify/verify.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPython = spawnSync(PYTHON, ['--version']).status === 0;
const TOKEN = 'test-token';

let server: RunningServer;
beforeAll(async () => {
  server = await startRewardServer({ port: 0, token: TOKEN, maxBodyBytes: 1 << 20, pool: { size: 2 } });
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: string, auth = true): Promise<Response> =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) },
  });

describe('reward server (OpenRLHF protocol)', () => {
  it('pins the wire types', () => {
    expectTypeOf<RewardRequest>().toEqualTypeOf<{ query: string[]; prompts?: string[]; labels: string[] }>();
    expectTypeOf<RewardResponse['rewards']>().toEqualTypeOf<number[]>();
    expectTypeOf<RewardResponse['scores']>().toEqualTypeOf<number[]>();
    expectTypeOf<VerifyResponse['results']>().toEqualTypeOf<VerifyResult[]>();
  });

  it('listens on loopback only by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('grades responses after their prompts and returns rewards, scores and extra_logs', async () => {
    const res = await post(
      '/get_reward',
      JSON.stringify({
        query: [
          '<|im_start|>user\nWhat is 1+1? Put it in \\boxed{}.<|im_end|>\n<|im_start|>assistant\n\\boxed{2}<|im_end|>',
          'Q: 3? A: nothing',
        ],
        prompts: [
          '<|im_start|>user\nWhat is 1+1? Put it in \\boxed{}.<|im_end|>\n<|im_start|>assistant\n',
          'Q: 3? A:',
        ],
        labels: ['2', '3'],
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as RewardResponse;
    expect(body.rewards).toEqual([1, 0]);
    expect(body.scores).toEqual([1, 0]);
    expect(body.extra_logs.correct).toEqual([1, 0]);
    expect(body.extra_logs.no_answer).toEqual([0, 1]);
  });

  it('rewards the last boxed answer, ignores placeholder boxes, and logs a spray of guesses as hedged', async () => {
    const spray = Array.from({ length: 9 }, (_, k) => `\\boxed{${k + 1}}`).join(' or ');
    const query = [
      'Fill in $\\boxed{\\phantom{2}}$: 2 + 2 = $\\boxed{4}$',
      'I first guessed \\boxed{4}, but 2 + 3 = \\boxed{5}',
      'I first guessed \\boxed{5}, but 2 + 3 = \\boxed{4}',
      spray,
    ];
    const res = await post('/get_reward', JSON.stringify({ query, labels: ['4', '5', '5', '9'] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as RewardResponse;
    expect(body.rewards).toEqual([1, 1, 0, 0]);
    expect(body.extra_logs.hedged).toEqual([0, 0, 0, 1]);
  });

  it('rejects bad requests with a message', async () => {
    let res = await post('/get_reward', '{not json');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/invalid JSON/);
    res = await post('/get_reward', JSON.stringify({ query: ['a'], labels: [] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/'labels' has 0 entries/);
    res = await post('/get_reward', JSON.stringify({ query: ['a'], labels: ['1'] }), false);
    expect(res.status).toBe(401);
    res = await post('/get_reward', JSON.stringify({ query: ['x'.repeat(2 << 20)], labels: ['1'] }));
    expect(res.status).toBe(413);
    res = await fetch(`${server.url}/health`);
    expect(await res.json()).toMatchObject({ ok: true, workers: 2 });
  });
});

describe.skipIf(!hasPython)(`Python shims (${PYTHON})`, () => {
  it('verl compute_score and TRL reward_func call the server', async () => {
    // async spawn: the server runs in this process and must keep answering while Python waits
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(PYTHON, [join(process.cwd(), 'integrations', 'test_shims.py')], {
        env: { ...process.env, METACOT_REWARD_URL: server.url, METACOT_REWARD_TOKEN: TOKEN },
        timeout: 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { verl: Array<Record<string, number>>; trl: number[] };
    expect(out.verl.map((v) => v.score)).toEqual([1, 0, 0, 1]);
    expect(out.verl[1]!.hedged).toBe(1);
    expect(out.verl[2]!.no_answer).toBe(1);
    expect(out.trl).toEqual([1, 1, 0]);
  });
});
if (!hasPython) console.warn('skipping Python shim test: no python3 found');
