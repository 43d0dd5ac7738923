import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adversarialCorpus, randomCorpus } from '../../src/verify/adversarial.js';
import { VerifierPool } from '../../src/verify/pool.js';
import { loadSymbolicEngine } from '../../src/verify/symbolic.js';
import { verify } from '../../src/verify/verify.js';

const REASONS = new Set([
  'equal',
  'not_equal',
  'no_answer',
  'hedged',
  'gold_unparsable',
  'input_too_large',
  'invalid_input',
]);

beforeAll(async () => {
  await loadSymbolicEngine();
});

describe('fuzz: random LaTeX-flavoured strings (in-process)', () => {
  it('never throws and always answers with a known reason', () => {
    for (const input of randomCorpus(3000, 7)) {
      const r = verify(input);
      expect(REASONS.has(r.reason), JSON.stringify({ input, r })).toBe(true);
      expect(typeof r.correct).toBe('boolean');
    }
  });

  it('is symmetric in its refusals: garbage never equals a different garbage', () => {
    let hits = 0;
    for (const input of randomCorpus(1000, 99)) if (verify(input).correct) hits++;
    // random pairs can coincide (e.g. both reduce to "1"); a flood of matches would mean a leak
    expect(hits).toBeLessThan(20);
  });
});

describe('adversarial corpus through the worker pool', () => {
  const pool = new VerifierPool({ size: 2, timeoutMs: 10_000 });
  afterAll(() => pool.close());

  it('answers every item promptly: no timeout, no crash, nothing hostile accepted', async () => {
    const corpus = adversarialCorpus();
    const t0 = Date.now();
    const out = await pool.verifyBatch(corpus);
    out.forEach((r, k) => {
      expect(REASONS.has(r.reason), `item ${k}: ${JSON.stringify(r).slice(0, 300)}`).toBe(true);
      // item 0 is a thousand-fold braced "1" against gold "1": the one legitimate match
      if (k > 0) expect(r.correct, `item ${k}`).toBe(false);
    });
    expect(pool.timeouts).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
