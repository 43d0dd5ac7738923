/**
 * `metacot serve` end to end: a tiny model is trained here on natural-language arithmetic, served by the built
 * CLI as a child process on port 0, and called over real HTTP through OpenAIBackend (and raw fetch for errors).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/cli.js';
import { EngineBackend } from '../engine.js';
import { LMRequestError } from '../errors.js';
import { OpenAIBackend } from '../openai.js';
import { backendFromSpec } from '../spec.js';
import { trainTinyTextModel } from '../testing/tiny-model.js';

const TOKEN = 'test-token-123';
const dir = mkdtempSync(join(tmpdir(), 'metacot-serve-'));
const modelDir = join(dir, 'arith');
let child: ChildProcess | undefined;
let url = '';
let local: EngineBackend;
let lm: OpenAIBackend;
let chatLm: OpenAIBackend;

beforeAll(async () => {
  await trainTinyTextModel(modelDir);
  local = await EngineBackend.load(modelDir);
  child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/cli/main.js'),
      'serve',
      '--model',
      modelDir,
      '--port',
      '0',
      '--token',
      TOKEN,
      '--max-body-bytes',
      '65536',
      '--max-tokens-limit',
      '40',
      '--max-n',
      '8',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]);
    });
    child!.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  lm = new OpenAIBackend({ endpoints: [url], model: 'arith', apiKey: TOKEN, maxRetries: 0 });
  chatLm = new OpenAIBackend({
    endpoints: [url],
    model: 'arith',
    apiKey: TOKEN,
    mode: 'chat',
    maxRetries: 0,
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await local?.close();
  rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;
const jsonOf = async (r: Response): Promise<Json> => r.json();

const raw = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  fetch(url + path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

describe('metacot serve', () => {
  it('lists the model and answers greedy completions exactly as the engine does in-process', async () => {
    const models = await jsonOf(await raw('/models'));
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['arith']);
    for (const prompt of ['3 plus 4 is', '1 plus 1 is', '6 plus 2 is']) {
      const req = { prompt, maxTokens: 10, temperature: 0 };
      const served = await lm.complete(req);
      const inproc = await local.complete(req);
      expect(served.completions.map((c) => c.text)).toEqual(inproc.completions.map((c) => c.text));
      // the model learned the line format: " <number>." then <eos>
      expect(served.completions[0].text).toMatch(/^ \d+\.$/);
      expect(served.completions[0].finishReason).toBe('stop');
      expect(served.promptTokens).toBe(prompt.length + 1); // <bos> + one token per character
    }
  });

  it('samples n completions, reproducibly for a seed', async () => {
    const req = { prompt: '2 plus', maxTokens: 12, n: 5, temperature: 1, seed: 42 };
    const a = await lm.complete(req);
    const b = await lm.complete(req);
    const c = await lm.complete({ ...req, seed: 43 });
    expect(a.completions).toHaveLength(5);
    expect(b.completions.map((x) => x.text)).toEqual(a.completions.map((x) => x.text));
    expect(c.completions.map((x) => x.text)).not.toEqual(a.completions.map((x) => x.text));
    expect(a.completionTokens).toBe(a.completions.reduce((s, x) => s + x.tokens, 0));
    expect(a.completions.map((x) => x.text)).toEqual(
      (await local.complete(req)).completions.map((x) => x.text),
    );
  });

  it('stops before a stop string and reports finish reasons', async () => {
    const r = await lm.complete({
      prompt: '5 plus',
      maxTokens: 20,
      n: 3,
      temperature: 0.7,
      seed: 1,
      stop: ['is'],
    });
    for (const c of r.completions) {
      expect(c.text).not.toContain('is');
      expect(c.finishReason).toBe('stop');
      expect(c.text).toMatch(/^ \d+ $/);
    }
    const cut = await lm.complete({ prompt: '5 plus', maxTokens: 2, temperature: 0 });
    expect(cut.completions[0]).toMatchObject({ finishReason: 'length', tokens: 2 });
  });

  it('returns logprobs equal to teacher-forced scores', async () => {
    const r = await lm.complete({ prompt: '4 plus 4 is', maxTokens: 10, temperature: 0, logprobs: true });
    const c = r.completions[0];
    expect(c.logprobs).toHaveLength(c.tokens);
    const scored = await local.score('4 plus 4 is', c.text);
    scored.logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - c.logprobs![i])).toBeLessThan(1e-4);
    });
    // the raw answer carries OpenAI's fields: one token text per logprob
    const res = await raw('/completions', {
      method: 'POST',
      body: JSON.stringify({
        model: 'arith',
        prompt: '4 plus 4 is',
        max_tokens: 10,
        temperature: 0,
        logprobs: 1,
      }),
    });
    const body = await jsonOf(res);
    expect(body.object).toBe('text_completion');
    expect(body.choices[0].logprobs.tokens.join('')).toBe(`${c.text}`); // <eos> decodes to ''
    expect(body.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: c.tokens,
      total_tokens: 12 + c.tokens,
    });
  });

  it('scores text through echo, as our engine scores it in-process', async () => {
    const served = await lm.score('7 plus 1 is', ' 8.');
    const inproc = await local.score('7 plus 1 is', ' 8.');
    expect(served.tokenTexts).toEqual([' ', '8', '.']);
    expect(served.logprobs).toHaveLength(3);
    served.logprobs.forEach((lp, i) => {
      expect(Math.abs(lp - inproc.logprobs[i])).toBeLessThan(1e-4);
    });
  });

  it('serves chat completions through the plain template', async () => {
    const r = await chatLm.complete({
      messages: [{ role: 'user', content: '3 plus 3' }],
      maxTokens: 15,
      n: 2,
      temperature: 0,
      logprobs: true,
    });
    expect(r.completions).toHaveLength(2);
    const direct = await local.complete({
      prompt: 'User: 3 plus 3\nAssistant:',
      maxTokens: 15,
      temperature: 0,
    });
    expect(r.completions[0].text).toBe(direct.completions[0].text);
    expect(r.completions[0].logprobs).toHaveLength(r.completions[0].tokens);
  });

  it('serves concurrent requests (batched together) with the same results as alone', async () => {
    const reqs = [11, 12, 13].map((seed) => ({
      prompt: `${seed % 10} plus`,
      maxTokens: 12,
      n: 2,
      temperature: 1,
      seed,
    }));
    const together = await Promise.all(reqs.map((r) => lm.complete(r)));
    for (const [i, r] of reqs.entries())
      expect(together[i].completions.map((c) => c.text)).toEqual(
        (await lm.complete(r)).completions.map((c) => c.text),
      );
  });

  it('honours top_k, min_p and repetition_penalty (the docs example sends top_k through extraBody)', async () => {
    const greedy = await local.complete({ prompt: '2 plus 5 is', maxTokens: 10, temperature: 0 });
    const viaExtra = new OpenAIBackend({
      endpoints: [url],
      model: 'arith',
      apiKey: TOKEN,
      maxRetries: 0,
      extraBody: { top_k: 1 },
    });
    const k1 = await viaExtra.complete({
      prompt: '2 plus 5 is',
      maxTokens: 10,
      temperature: 1,
      seed: 3,
      n: 3,
    });
    expect(k1.completions.map((c) => c.text)).toEqual(new Array(3).fill(greedy.completions[0]!.text));
    const docs = new OpenAIBackend({
      endpoints: [url],
      model: 'arith',
      apiKey: TOKEN,
      extraBody: { top_k: 20 },
    });
    expect((await docs.complete({ prompt: '1 plus', maxTokens: 5, seed: 1 })).completions).toHaveLength(1);
    const p1 = await lm.complete({ prompt: '2 plus 5 is', maxTokens: 10, minP: 1, seed: 4 });
    expect(p1.completions[0]!.text).toBe(greedy.completions[0]!.text);
    // a penalty changes what is sampled (answers that repeat a digit of the question), exactly as in-process
    let changed = 0;
    for (const prompt of ['1 plus 0 is', '2 plus 0 is', '4 plus 4 is', '5 plus 0 is']) {
      const req = { prompt, maxTokens: 12, temperature: 0, repetitionPenalty: 10 };
      const penalized = (await lm.complete(req)).completions[0]!.text;
      expect(penalized).toBe((await local.complete(req)).completions[0]!.text);
      if (penalized !== (await local.complete({ ...req, repetitionPenalty: undefined })).completions[0]!.text)
        changed++;
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('refuses unknown fields and knobs it cannot honour with a 400 naming the field; ignores bookkeeping', async () => {
    const post = async (body: unknown) => {
      const res = await raw('/completions', { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: await jsonOf(res) };
    };
    const unknown = await post({ prompt: '1', max_tokens: 2, temprature: 0.5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('temprature');
    expect(unknown.body.error.message).toMatch(
      /^unknown field 'temprature' for \/v1\/completions; this server takes model, max_tokens/,
    );
    for (const [field, value] of [
      ['presence_penalty', 0.5],
      ['frequency_penalty', 1],
      ['logit_bias', { '5': 1 }],
      ['suffix', 'x'],
    ] as const) {
      const r = await post({ prompt: '1', max_tokens: 2, [field]: value });
      expect(r.status, field).toBe(400);
      expect(r.body.error.param).toBe(field);
    }
    // neutral values and bookkeeping fields change nothing, so they are accepted
    const fine = await post({
      prompt: '1',
      max_tokens: 2,
      user: 'u-1',
      presence_penalty: 0,
      stream: false,
      top_k: -1,
      repetition_penalty: 1,
    });
    expect(fine.status).toBe(200);
    const chat = await raw('/chat/completions', {
      method: 'POST',
      body: JSON.stringify({
        messages: [{ role: 'user', content: '1' }],
        max_tokens: 2,
        metadata: { a: 'b' },
        store: false,
        prompt: 'x',
      }),
    });
    expect(chat.status).toBe(400);
    expect((await jsonOf(chat)).error.param).toBe('prompt');
  });

  it('is reachable through backendFromSpec, which asks /v1/models for the model and reads the key from key_env', async () => {
    process.env.METACOT_SERVE_TEST_KEY = TOKEN;
    const viaSpec = await backendFromSpec(`openai:${url}#key_env=METACOT_SERVE_TEST_KEY&mode=chat`);
    expect(viaSpec.name).toBe(`openai:${url} model=arith mode=chat`);
    const r = await viaSpec.complete({
      messages: [{ role: 'user', content: '1 plus 2' }],
      maxTokens: 5,
      temperature: 0,
    });
    expect(r.completions).toHaveLength(1);
    delete process.env.METACOT_SERVE_TEST_KEY;
    await expect(backendFromSpec(`openai:${url}#key_env=METACOT_SERVE_TEST_KEY`)).rejects.toThrow(
      /METACOT_SERVE_TEST_KEY \(key_env\) is not set/,
    );
  });

  it('refuses requests without the token (401), over the body limit (413), and bad fields (400, OpenAI error shape)', async () => {
    const noKey = new OpenAIBackend({ endpoints: [url], model: 'arith', maxRetries: 0 });
    const e401 = await noKey.complete({ prompt: '1', maxTokens: 2 }).catch((e) => e);
    expect(e401).toBeInstanceOf(LMRequestError);
    expect(e401.status).toBe(401);
    expect((await raw('/models', {}, 'wrong')).status).toBe(401);
    expect((await fetch(url.replace(/\/v1$/, '/health'))).status).toBe(200);

    const huge = await raw('/completions', {
      method: 'POST',
      body: JSON.stringify({ prompt: 'x'.repeat(100_000), max_tokens: 1 }),
    });
    expect(huge.status).toBe(413);
    expect((await jsonOf(huge)).error.message).toMatch(/over 65536 bytes/);

    const post = async (path: string, body: unknown) => {
      const res = await raw(path, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: await jsonOf(res) };
    };
    const tooMany = await post('/completions', { prompt: '1', max_tokens: 41 });
    expect(tooMany).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', param: 'max_tokens' } },
    });
    expect(tooMany.body.error.message).toMatch(/'max_tokens' must be an integer in \[0, 40\]/);
    expect((await post('/completions', { prompt: '1', n: 9 })).body.error.param).toBe('n');
    expect((await post('/completions', { prompt: '1', stream: true })).body.error.message).toMatch(
      /streaming/,
    );
    expect((await post('/completions', { model: 'gpt-4', prompt: '1' })).status).toBe(404);
    expect((await post('/chat/completions', { messages: [] })).body.error.param).toBe('messages');
    // a prompt longer than the context is the backend's UserError, mapped to 400
    const long = await post('/completions', { prompt: '1 plus 1 is 2. '.repeat(5), max_tokens: 1 });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/exceed the context length 48/);
    const badJson = await raw('/completions', { method: 'POST', body: '{"prompt":' });
    expect(badJson.status).toBe(400);
    expect((await raw('/nope')).status).toBe(404);
    expect((await raw('/completions')).status).toBe(405);
  });
});
