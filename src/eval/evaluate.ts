/**
 * Grades sampled responses with the math verifier and computes pass@k, maj@k, best-of-N@k and accuracy against
 * response length. Reusable by search runs: give it samples, get one report.
 *
 * ```ts
 * const pool = new VerifierPool();
 * const report = await evaluateSamples(samples, { ks: [1, 8], pool });
 * report.metrics['pass@8']; report.metrics['maj@8']; report.metrics['bon@8']; // bon is null without scores
 * await pool.close();
 * ```
 */
import { UserError } from '../core/errors.js';
import type { VerifierPool } from '../verify/pool.js';
import type { VerifyResult } from '../verify/verify.js';
import { accuracyByTokens, type TokenBin } from './accuracy-tokens.js';
import { bestByScore } from './best-of-n.js';
import { meanOverGroups } from './groups.js';
import { clusterAnswers, majorityIndex } from './majority.js';
import { passAtK } from './pass-at-k.js';
import type { EvalSample } from './samples.js';

export interface GradedSample extends EvalSample {
  correct: boolean;
  extracted: string | null;
  reason: VerifyResult['reason'];
}

export interface EvalReport {
  problems: number;
  samples: number;
  min_samples_per_problem: number;
  max_samples_per_problem: number;
  /** Fraction of all samples that are correct. */
  accuracy: number;
  ks: number[];
  /** "pass@k", "maj@k", "bon@k" for every k (bon@k is null when some sample has no score). */
  metrics: Record<string, number | null>;
  mean_tokens: number | null;
  /** Null when some sample has no `tokens`. */
  accuracy_vs_tokens: TokenBin[] | null;
}

export interface EvaluateOptions {
  ks: number[];
  pool: VerifierPool;
  /** Called with the number of responses graded so far. */
  onProgress?: (done: number, total: number) => void;
}

/** The samples of each problem, in first-appearance order, as indices into `samples`. */
function byProblem(samples: readonly EvalSample[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const list = m.get(s.problemId);
    if (list) list.push(i);
    else m.set(s.problemId, [i]);
  });
  return m;
}

/** Verifies every response against its gold (input order kept). */
export async function gradeSamples(
  samples: readonly EvalSample[],
  pool: VerifierPool,
  onProgress?: (done: number, total: number) => void,
): Promise<GradedSample[]> {
  const out: GradedSample[] = [];
  const CHUNK = 256;
  for (let i = 0; i < samples.length; i += CHUNK) {
    const part = samples.slice(i, i + CHUNK);
    const rs = await pool.verifyBatch(part.map((s) => ({ gold: s.gold, response: s.response })));
    for (const [j, r] of rs.entries())
      out.push({ ...part[j], correct: r.correct, extracted: r.extracted, reason: r.reason });
    onProgress?.(out.length, samples.length);
  }
  return out;
}

export async function evaluateSamples(
  samples: readonly EvalSample[],
  o: EvaluateOptions,
): Promise<EvalReport> {
  const ks = [...new Set(o.ks)].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new UserError(`k must be a list of integers >= 1, got ${o.ks.join(',')}`);
  const problems = byProblem(samples);
  let minN = Number.POSITIVE_INFINITY;
  let minProblem = '';
  for (const [id, idx] of problems)
    if (idx.length < minN) {
      minN = idx.length;
      minProblem = id;
    }
  const maxK = ks[ks.length - 1];
  if (maxK > minN)
    throw new UserError(
      `k=${maxK} needs at least ${maxK} samples per problem, but problem ${minProblem} has ${minN}`,
    );

  const graded = await gradeSamples(samples, o.pool, o.onProgress);
  const correct = graded.map((g) => g.correct);

  // Majority clusters per problem: answers equal under the verifier (the first answer as gold, the second boxed
  // as a response) share a cluster. Hedged answers ("3 ; 5") vote as their own string.
  const equivalent = async (a: string, b: string) =>
    (await o.pool.verify({ gold: a, response: `\\boxed{${b}}` })).correct;
  const cluster = new Array<number>(samples.length).fill(-1);
  for (const idx of problems.values()) {
    const ids = await clusterAnswers(
      idx.map((i) => graded[i].extracted),
      equivalent,
    );
    idx.forEach((i, j) => {
      cluster[i] = ids[j];
    });
  }

  const scores = samples.map((s) => s.score);
  const allScored = scores.every((s) => s !== undefined);
  const metrics: Record<string, number | null> = {};
  const P = problems.size;
  for (const k of ks) {
    let pass = 0;
    let maj = 0;
    let bon = 0;
    for (const idx of problems.values()) {
      pass += passAtK(idx.length, idx.filter((i) => correct[i]).length, k);
      maj += meanOverGroups(idx, k, (g) => {
        const w = majorityIndex(cluster, g);
        return w >= 0 && correct[w] ? 1 : 0;
      });
      if (allScored)
        bon += meanOverGroups(idx, k, (g) => {
          const w = bestByScore(scores, g);
          return w >= 0 && correct[w] ? 1 : 0;
        });
    }
    metrics[`pass@${k}`] = pass / P;
    metrics[`maj@${k}`] = maj / P;
    metrics[`bon@${k}`] = allScored ? bon / P : null;
  }
  const allTokens = samples.every((s) => s.tokens !== undefined);
  const sizes = [...problems.values()].map((x) => x.length);
  return {
    problems: P,
    samples: samples.length,
    min_samples_per_problem: Math.min(...sizes),
    max_samples_per_problem: Math.max(...sizes),
    accuracy: correct.filter(Boolean).length / samples.length,
    ks,
    metrics,
    mean_tokens: allTokens ? samples.reduce((s, x) => s + x.tokens!, 0) / samples.length : null,
    accuracy_vs_tokens: allTokens
      ? accuracyByTokens(graded.map((g) => ({ tokens: g.tokens!, correct: g.correct })))
      : null,
  };
}
