/**
 * Every metacot server (`serve`, `serve-reward`, `serve-rollouts`), started from the built CLI as a user starts it,
 * against raw TCP clients that misbehave: hang up mid-body or mid-headers, send garbage, declare 60 MB uploads
 * without a token, grow a chunked body past the limit. No request may stop a server, and refusals must arrive
 * before the body is read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainTinyTextModel } from '../../src/llm/testing/tiny-model.js';
import { neoxFetch } from '../scaleout/python.js';
import { type StandInPolicy, startStandInPolicy } from '../scaleout/stand-in-policy.js';
import { tinyTokenizerJson } from '../scaleout/tiny-tokenizer.js';
import { type CliServer, portIn, rawSend, startCli } from './raw.js';

const TOKEN = 'hardening-token';
const dir = mkdtempSync(join(tmpdir(), 'metacot-bad-clients-'));
let serve: CliServer;
let reward: CliServer;
let rollouts: CliServer;
let policy: StandInPolicy;
let servePort = 0;
let rewardPort = 0;
let rolloutPort = 0;

beforeAll(async () => {
  const model = join(dir, 'model');
  await trainTinyTextModel(model, 20);
  const problems = join(dir, 'problems.jsonl');
  writeFileSync(problems, `${JSON.stringify({ problem: 'What is 2 + 3?', answer: '5' })}\n`);
  const tokenizer = join(dir, 'tokenizer.json');
  writeFileSync(tokenizer, JSON.stringify(tinyTokenizerJson()));
  policy = await startStandInPolicy({ table: { 'What is 2 + 3?': [' So \\boxed{5}.', ' So \\boxed{4}.'] } });
  [serve, reward, rollouts] = await Promise.all([
    startCli(
      ['serve', '--model', model, '--port', '0', '--token', TOKEN, '--max-body-bytes', '65536'],
      /metacot serve: http/,
    ),
    startCli(['serve-reward', '--port', '0', '--token', TOKEN, '--workers', '1'], /reward server on/),
    startCli(
      [
        'serve-rollouts',
        ...['--backend', `openai:${policy.url}#model=stand-in`, '--tokenizer', tokenizer],
        ...['--train', problems, '--seq-length', '128', '--k', '2', '--groups', '1', '--ports', '0'],
        ...['--verify-workers', '1'],
      ],
      /rank 0 → /,
    ),
  ]);
  servePort = portIn(serve.stdout());
  rewardPort = portIn(reward.stdout());
  rolloutPort = portIn(rollouts.stdout());
}, 120_000);

afterAll(async () => {
  await Promise.all([serve?.stop(), reward?.stop(), rollouts?.stop()]);
  await policy?.close();
  rmSync(dir, { recursive: true, force: true });
});

const head = (method: string, path: string, headers: Record<string, string | number> = {}): string =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

/** The ways a client can break a request off or garble it. */
const abuses = (path: string): string[] => [
  // the tester's repro: a body promised, one byte sent, then gone
  `${head('POST', path, { 'content-length': 100 })}{`,
  // headers cut off mid-line
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Le`,
  // a chunked body cut off mid-chunk
  `${head('POST', path, { 'transfer-encoding': 'chunked', authorization: `Bearer ${TOKEN}` })}10\r\n{"items":`,
  // an authenticated body cut off
  `${head('POST', path, { 'content-length': 5000, authorization: `Bearer ${TOKEN}` })}{"prompt": "1 plus`,
  // not HTTP at all
  '\x00\x01\x02 GARBAGE \xff\xfe\r\n\r\n',
  // a malformed chunk size
  `${head('POST', path, { 'transfer-encoding': 'chunked', authorization: `Bearer ${TOKEN}` })}zz\r\n{}\r\n0\r\n\r\n`,
];

async function expectHealthy(port: number, server: CliServer): Promise<void> {
  const r = await rawSend(port, head('GET', '/health'), { waitMs: 3000 });
  expect(r.status, `stderr: ${server.stderr()}`).toBe(200);
  expect(server.child.exitCode).toBeNull();
}

describe('no request stops a server', () => {
  it('metacot serve survives clients that hang up mid-body, mid-headers or mid-answer, and garbage', async () => {
    for (const bytes of abuses('/v1/completions')) {
      await rawSend(servePort, bytes, { hangUp: true });
      await rawSend(servePort, bytes, { waitMs: 300 });
    }
    // a valid request whose client leaves before the answer: its generation is abandoned, nothing else
    const body = JSON.stringify({ prompt: '1 plus', max_tokens: 30, n: 8 });
    await rawSend(
      servePort,
      `${head('POST', '/v1/completions', { 'content-length': body.length, authorization: `Bearer ${TOKEN}` })}${body}`,
      { hangUp: true },
    );
    await new Promise((r) => setTimeout(r, 300));
    await expectHealthy(servePort, serve);
    expect(serve.stderr()).not.toMatch(/Error|aborted/);
  });

  it('metacot serve-reward survives the same clients', async () => {
    for (const bytes of abuses('/verify')) {
      await rawSend(rewardPort, bytes, { hangUp: true });
      await rawSend(rewardPort, bytes, { waitMs: 300 });
    }
    await expectHealthy(rewardPort, reward);
    expect(reward.stderr()).not.toMatch(/Error|aborted/);
  });

  it('metacot serve-rollouts survives clients that hang up, dribble or send garbage, and still serves', async () => {
    for (const bytes of ['', 'tr', 'train', 'GET / HTTP/1.1\r\n\r\n', '\x00\xff']) {
      await rawSend(rolloutPort, bytes, { hangUp: true });
      await rawSend(rolloutPort, bytes, { waitMs: 200 });
    }
    const report = await neoxFetch(rolloutPort, 'train', 128);
    expect(report.errors).toEqual([]);
    expect(report.groups).toHaveLength(1);
    expect(rollouts.child.exitCode).toBeNull();
  });
});

describe('refusals come before the body is read', () => {
  it('serve-reward answers an unauthenticated 60 MB upload with 401 at once, and closes', async () => {
    const r = await rawSend(
      rewardPort,
      `${head('POST', '/verify', { 'content-length': 60_000_000, 'content-type': 'application/json' })}{"items":[`,
      { waitMs: 5000 },
    );
    expect(r.status).toBe(401);
    expect(r.closed).toBe(true);
    expect(r.firstByteMs).toBeLessThan(3000);
  });

  it('serve-reward answers an authenticated upload declared over the limit with 413 at once', async () => {
    const r = await rawSend(
      rewardPort,
      `${head('POST', '/get_reward', { 'content-length': 100 * 2 ** 20, authorization: `Bearer ${TOKEN}` })}{"query":[`,
    );
    expect(r.status).toBe(413);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/request body over 67108864 bytes/);
  });

  it('an Expect: 100-continue upload is refused before the client is told to send', async () => {
    const r = await rawSend(
      rewardPort,
      head('POST', '/verify', { 'content-length': 60_000_000, expect: '100-continue' }),
    );
    expect(r.status).toBe(401);
    expect(r.text).not.toMatch(/100 Continue/);
    const ok = await rawSend(
      rewardPort,
      head('POST', '/verify', {
        'content-length': 13,
        expect: '100-continue',
        authorization: `Bearer ${TOKEN}`,
      }),
      { waitMs: 500 },
    );
    expect(ok.text).toMatch(/^HTTP\/1\.1 100 Continue/);
  });

  it('serve answers 413 to a declared body over the limit, and to a chunked body that grows past it', async () => {
    const declared = await rawSend(
      servePort,
      `${head('POST', '/v1/completions', { 'content-length': 1_000_000, authorization: `Bearer ${TOKEN}` })}{"prompt":"`,
    );
    expect(declared.status).toBe(413);
    expect(declared.closed).toBe(true);
    // chunks of 16 KiB, past the 64 KiB limit, and the body never ends: the answer must not wait for its end
    const chunk = 'x'.repeat(16_384);
    const chunked = await rawSend(
      servePort,
      `${head('POST', '/v1/completions', { 'transfer-encoding': 'chunked', authorization: `Bearer ${TOKEN}` })}${`4000\r\n${chunk}\r\n`.repeat(6)}`,
    );
    expect(chunked.status).toBe(413);
    expect(chunked.text).toMatch(/request body over 65536 bytes/);
    expect(chunked.closed).toBe(true);
    await expectHealthy(servePort, serve);
  });

  it('serve answers 401 to an unauthenticated upload without reading it', async () => {
    const r = await rawSend(servePort, `${head('POST', '/v1/completions', { 'content-length': 60_000 })}{`);
    expect(r.status).toBe(401);
    expect(r.closed).toBe(true);
  });
});
