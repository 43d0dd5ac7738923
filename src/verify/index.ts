/**
 * The math answer verifier: extraction, normalization and gold-type-aware equivalence, a worker pool with hard
 * timeouts, and batch files. Policies and differences from Math-Verify: docs/verifier.md.
 *
 * ```ts
 * import { verify, VerifierPool } from 'metacot';
 *
 * verify({ gold: '(2, \\infty)', response: 'so $\\boxed{x > 2}$' }).correct; // true
 * verify({ gold: '5', response: '$\\boxed{3}$, no: $\\boxed{5}$' }).correct; // true: the last box counts
 * verify({ gold: '5', response: '$\\boxed{3}$, no: $\\boxed{5}$' }, { boxed: 'strict' }).reason; // 'hedged'
 *
 * const pool = new VerifierPool({ size: 2, timeoutMs: 5000 });
 * const verdicts = await pool.verifyBatch([{ gold: '2^{2020}', response: '\\boxed{4^{1010}}' }]);
 * await pool.close();
 * ```
 */
export { type BatchSummary, verifyFile } from './batch.js';
export { DEFAULT_PRIORITY, type Extraction, type ExtractionRule, extract } from './extract.js';
export { type PoolOptions, VerifierPool } from './pool.js';
export { loadSymbolicEngine, symbolicEngineLoaded } from './symbolic.js';
export {
  type AnswerType,
  explainAnswer,
  type Reason,
  type VerifyInput,
  type VerifyOptions,
  type VerifyResult,
  verify,
} from './verify.js';
