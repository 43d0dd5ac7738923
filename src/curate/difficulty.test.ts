/**
 * Difficulty by rollouts against a scripted in-process LMBackend (a fake: no language model runs in
 * a unit test; the HTTP backend is tested in src/llm). Verification is real: the verifier's worker pool.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompletionRequest, CompletionResult, LMBackend } from '../llm/backend.js';
import { difficultyQuintile, measureDifficulty, readCheckpoint } from './difficulty.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-difficulty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers problem P correctly in the first `right[P]` of every K rollouts; returns at most 3 completions per call. */
class ScriptedBackend implements LMBackend {
  readonly name = 'scripted';
  calls = 0;
  private served = new Map<string, number>();
  constructor(
    private readonly right: Record<string, number>,
    private readonly gold: Record<string, string>,
  ) {}
  async complete(req: CompletionRequest): Promise<CompletionResult> {
    this.calls++;
    const problem = req.messages!.at(-1)!.content;
    expect(req.messages![0]!.content).toMatch(/\\boxed/);
    const n = Math.min(req.n ?? 1, 3);
    const completions = Array.from({ length: n }, () => {
      const k = this.served.get(problem) ?? 0;
      this.served.set(problem, k + 1);
      const ok = k < this.right[problem]!;
      const text = ok
        ? `Working... so the answer is $\\boxed{${this.gold[problem]}}$.`
        : 'I think it is \\boxed{-12345}.';
      return { text, finishReason: 'stop' as const, tokens: 10 };
    });
    return { completions, promptTokens: 5, completionTokens: 10 * n };
  }
}

const problems = [
  { id: 'p1', problem: 'What is 1/2 + 1/4?', answer: '\\frac{3}{4}' },
  { id: 'p2', problem: 'What is 2^10?', answer: '1024' },
  { id: 'p3', problem: 'Hard one', answer: '7' },
];
const gold = Object.fromEntries(problems.map((p) => [p.problem, p.answer]));

describe('difficulty', () => {
  it('K verified rollouts per problem give the solve rate; the checkpoint resumes', async () => {
    const checkpoint = join(dir, 'ck.jsonl');
    // p1: 8 of 8 right, p2: 3 of 8, p3: none
    const backend = new ScriptedBackend(
      { [problems[0]!.problem]: 8, [problems[1]!.problem]: 3, 'Hard one': 0 },
      gold,
    );
    const counts = await measureDifficulty(problems, { backend, rollouts: 8, checkpoint, concurrency: 2 });
    expect(Object.fromEntries(counts)).toEqual({
      p1: { solved: 8, total: 8 },
      p2: { solved: 3, total: 8 },
      p3: { solved: 0, total: 8 },
    });
    // the backend gave 3 completions a call: 8 rollouts took 3 calls per problem
    expect(backend.calls).toBe(9);
    expect(readFileSync(checkpoint, 'utf8').trim().split('\n')).toHaveLength(3);

    // a killed run leaves a torn last line: it is ignored and that problem measured again
    appendFileSync(checkpoint, '{"id":"p4","sol');
    const again = new ScriptedBackend({ 'New one': 2 }, { 'New one': '5' });
    const more = await measureDifficulty([...problems, { id: 'p4', problem: 'New one', answer: '5' }], {
      backend: again,
      rollouts: 4,
      checkpoint,
    });
    expect(again.calls).toBe(2);
    expect(more.get('p4')).toEqual({ solved: 2, total: 4 });
    expect(more.get('p2')).toEqual({ solved: 3, total: 8 });
    expect(readCheckpoint(checkpoint).size).toBe(4);
  });

  it("uses Big-Math's quintiles: > 80% easiest … < 20% hardest", () => {
    expect([1, 0.81, 0.8, 0.61, 0.5, 0.4, 0.2, 0.19, 0].map(difficultyQuintile)).toEqual([
      1, 1, 2, 2, 3, 4, 4, 5, 5,
    ]);
  });
});
