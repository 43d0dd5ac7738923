/**
 * Shared set-up of the NeoX server tests: four arithmetic problems, a stand-in policy answering them from a table
 * (one right, one wrong, one answerless completion each), the trainer tokenizer, a verifier pool, and the server
 * options built on them. `useNeoxFixture()` starts and stops them around a test file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TEMPLATES } from '../../src/export/prompt.js';
import type { ProblemRow } from '../../src/export/rows.js';
import { OpenAIBackend } from '../../src/llm/openai.js';
import type { NeoxServerEvent, NeoxServerOptions } from '../../src/scaleout/neox-server.js';
import { loadTrainerTokenizer, type TrainerTokenizer } from '../../src/scaleout/tokenizer.js';
import { VerifierPool } from '../../src/verify/pool.js';
import { type StandInPolicy, startStandInPolicy } from './stand-in-policy.js';
import { tinyTokenizerJson } from './tiny-tokenizer.js';

export const problem = (k: number, text: string, answer: string): ProblemRow => ({
  problem: text,
  answer,
  id: `p${k}`,
  extra: {},
  where: { file: 'problems.jsonl', line: k + 1 },
});

// each problem's completions: one right, one wrong, one without an answer → rewards 1, 0, 0
export const PROBLEMS = [
  problem(0, 'What is 2 + 3?', '5'),
  problem(1, 'What is 4 + 4?', '8'),
  problem(2, 'What is 9 - 2?', '7'),
  problem(3, 'What is 3 * 3?', '9'),
];
export const TABLE: Record<string, string[]> = {
  'What is 2 + 3?': [' The sum is \\boxed{5}.', ' It is \\boxed{6}.', ' I am not sure.'],
  'What is 4 + 4?': [' The sum is \\boxed{8}.', ' It is \\boxed{9}.', ' I am not sure.'],
  'What is 9 - 2?': [' The answer is \\boxed{7}.', ' It is \\boxed{3}.', ' I am not sure.'],
  'What is 3 * 3?': [' The answer is \\boxed{9}.', ' It is \\boxed{6}.', ' I am not sure.'],
};
export const SEQ = 96;

export interface NeoxFixture {
  policy: StandInPolicy;
  pool: VerifierPool;
  tokenizer: TrainerTokenizer;
  /** server options on the stand-in policy (rank 0 only, prefetch 1, 2 groups of 3), with `over` on top */
  options(over?: Partial<NeoxServerOptions> & { events?: NeoxServerEvent[] }): NeoxServerOptions;
  textOf(ids: number[]): string;
}

/** Starts the policy, pool and tokenizer before the file's tests and stops them (and removes files) after. */
export function useNeoxFixture(): NeoxFixture {
  const dir = mkdtempSync(join(tmpdir(), 'metacot-neox-'));
  const tokFile = join(dir, 'tokenizer.json');
  writeFileSync(tokFile, JSON.stringify(tinyTokenizerJson()));
  const f = {} as NeoxFixture;
  beforeAll(async () => {
    f.policy = await startStandInPolicy({ table: TABLE });
    f.pool = new VerifierPool({ size: 1, symbolic: false, timeoutMs: 5000 });
    await f.pool.ready();
    f.tokenizer = loadTrainerTokenizer(tokFile);
  });
  afterAll(async () => {
    await f.policy?.close();
    await f.pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  f.options = (over = {}) => {
    const backend = new OpenAIBackend({
      endpoints: [f.policy.url],
      model: 'stand-in',
      maxRetries: 0, // the server's own round-level retry is under test, not the backend's
      backoff: { baseMs: 5, maxMs: 20 },
    });
    const events = over.events;
    return {
      ports: [0],
      problems: { train: PROBLEMS },
      prefetch: 1,
      deps: { backend, tokenizer: f.tokenizer, verify: (items) => f.pool.verifyBatch(items) },
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
  };
  f.textOf = (ids) => f.tokenizer.decode(ids);
  return f;
}

/** Polls `done` every 20 ms, for at most `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 20));
}
