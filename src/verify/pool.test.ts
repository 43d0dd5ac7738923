import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerifierPool } from './pool.js';

const HANG_WORKER = join(process.cwd(), 'test', 'verify', 'fixtures', 'hang-worker.mjs');

describe('VerifierPool mechanics (scripted worker)', () => {
  const pool = new VerifierPool({ size: 2, timeoutMs: 1000, workerPath: HANG_WORKER });
  afterAll(() => pool.close());

  it('terminates a stuck check, answers timeout, and keeps serving', async () => {
    const t0 = Date.now();
    const [stuck, ok] = await Promise.all([
      pool.verify({ gold: 'hang', response: 'x' }),
      pool.verify({ gold: 'a', response: 'a' }),
    ]);
    expect(stuck).toMatchObject({ correct: false, reason: 'timeout' });
    expect(ok).toMatchObject({ correct: true });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await pool.verify({ gold: 'b', response: 'b' })).toMatchObject({ correct: true });
    expect(pool.timeouts).toBe(1);
  });

  it('re-queues the checks waiting behind a stuck one on the same worker', async () => {
    const single = new VerifierPool({ size: 1, timeoutMs: 1000, workerPath: HANG_WORKER });
    try {
      const out = await single.verifyBatch([
        { gold: 'hang', response: 'x' },
        { gold: 'a', response: 'a' },
        { gold: 'b', response: 'c' },
      ]);
      expect(out.map((r) => r.reason)).toEqual(['timeout', 'equal', 'not_equal']);
      expect(single.restarts).toBe(1);
    } finally {
      await single.close();
    }
  });

  it('survives a crashing worker', async () => {
    expect(await pool.verify({ gold: 'crash', response: 'x' })).toMatchObject({
      correct: false,
      reason: 'error',
    });
    expect(await pool.verify({ gold: 'c', response: 'c' })).toMatchObject({ correct: true });
  });

  it('keeps input order in batches', async () => {
    const items = Array.from({ length: 50 }, (_, k) => ({
      gold: String(k),
      response: String(k % 2 ? k : -k),
    }));
    const out = await pool.verifyBatch(items);
    expect(out.map((r) => r.correct)).toEqual(items.map((_, k) => k % 2 === 1 || k === 0));
  });
});

describe('VerifierPool with a worker that cannot start', () => {
  it('gives up after a few failed starts and answers error instead of respawning forever', async () => {
    const pool = new VerifierPool({
      size: 1,
      workerPath: join(process.cwd(), 'test', 'verify', 'fixtures', 'missing.mjs'),
    });
    try {
      const r = await pool.verify({ gold: '1', response: '1' });
      expect(r).toMatchObject({ correct: false, reason: 'error' });
      expect(r.detail).toMatch(/fail to start/);
      await expect(pool.ready()).rejects.toThrow(/fail to start/);
    } finally {
      await pool.close();
    }
  });
});

describe('VerifierPool with the real verifier (dist/verify/worker.js)', () => {
  it('verifies in worker threads', async () => {
    const pool = new VerifierPool({ size: 2, timeoutMs: 5_000 });
    try {
      const out = await pool.verifyBatch([
        { gold: '\\frac{1}{2}', response: 'so $\\boxed{0.5}$' },
        { gold: '2^{2020}', response: '\\boxed{2^{2021}}' },
        { gold: 'y^{\\prime}+r y=0', response: '\\boxed{r y + y^{\\prime} = 0}' },
      ]);
      expect(out.map((r) => r.correct)).toEqual([true, false, true]);
    } finally {
      await pool.close();
    }
  });

  it('resolves pending checks when closed', async () => {
    const pool = new VerifierPool({ size: 1 });
    const pending = pool.verify({ gold: '1', response: '1' });
    await pool.close();
    expect((await pending).correct === true || (await pending).reason === 'error').toBe(true);
    expect(await pool.verify({ gold: '1', response: '1' })).toMatchObject({ reason: 'error' });
  });
});
