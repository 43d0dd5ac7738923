import { describe, expect, it } from 'vitest';
import { attentionBias, Batcher, evalBatches, packedBatches } from './batching.js';
import { learningRate } from './schedule.js';

describe('Batcher', () => {
  it('packs sequences into rows with segments, restarting positions, and shifts the loss mask to targets', () => {
    const b = new Batcher(
      [
        { tokens: [1, 2, 3], lossMask: [0, 0, 1] },
        { tokens: [4, 5, 6, 7] },
        { tokens: [8, 9, 10, 11, 12, 13] },
      ],
      { batchSize: 2, seqLen: 5, pack: true },
    ).next();
    expect(Array.from(b.tokens)).toEqual([1, 2, 4, 5, 6, 8, 9, 10, 11, 12]);
    expect(Array.from(b.targets)).toEqual([2, 3, 5, 6, 7, 9, 10, 11, 12, 13]);
    expect(Array.from(b.lossMask)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(b.segments!)).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 3, 3]);
    expect(Array.from(b.positions!)).toEqual([0, 1, 0, 1, 2, 0, 1, 2, 3, 4]);
    const bias = attentionBias(b);
    // row 0, query 3 (segment 2) sees keys 2..3 only
    expect(Array.from(bias.subarray(15, 20)).map((v) => v === 0)).toEqual([false, false, true, true, false]);
  });

  it('pads one sequence per row without packing, and evalBatches covers each example once', () => {
    const ex = [{ tokens: [1, 2, 3] }, { tokens: [4, 5] }, { tokens: [6, 7, 8] }];
    const batches = evalBatches(ex, { batchSize: 2, seqLen: 3, pack: false });
    expect(batches).toHaveLength(2);
    expect(Array.from(batches[0].tokens)).toEqual([1, 2, 0, 4, 0, 0]);
    expect(Array.from(batches[0].lossMask)).toEqual([1, 1, 0, 1, 0, 0]);
    expect(Array.from(batches[1].segments!)).toEqual([1, 1, 0, 0, 0, 0]); // segment ids are per batch
  });

  it('shuffles deterministically per epoch and can resume from a saved position', () => {
    const ex = Array.from({ length: 10 }, (_, i) => ({ tokens: [i, i + 1] }));
    const a = new Batcher(ex, { batchSize: 3, seqLen: 1, seed: 5 });
    const seq = Array.from({ length: 8 }, () => Array.from(a.next().tokens));
    const b = new Batcher(ex, { batchSize: 3, seqLen: 1, seed: 5 });
    for (let i = 0; i < 5; i++) b.next();
    const c = new Batcher(ex, { batchSize: 3, seqLen: 1, seed: 5 });
    c.position = { ...b.position };
    expect(Array.from(c.next().tokens)).toEqual(seq[5]);
    expect(
      seq
        .slice(0, 4)
        .flat()
        .slice(0, 10)
        .sort((x, y) => x - y),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('packedBatches', () => {
  it('packs longest first into the first row with room, each example once, with its loss weights', () => {
    const ex = [
      { tokens: [1, 2, 3] }, // 2 positions
      { tokens: [4, 5, 6, 7, 8], lossMask: [0, 0, 0.5, 0.5, 0.5] }, // 4
      { tokens: [9, 10, 11] }, // 2
      { tokens: [12, 13, 14, 15] }, // 3
    ];
    const batches = packedBatches(ex, { batchSize: 2, seqLen: 5 });
    // longest first: row 0 takes ex1 (4 positions), row 1 ex3 (3) then ex0 (2), row 2 ex2 (2)
    expect(batches).toHaveLength(2);
    expect(Array.from(batches[0].tokens)).toEqual([4, 5, 6, 7, 0, 12, 13, 14, 1, 2]);
    expect(Array.from(batches[0].lossMask)).toEqual([0, 0.5, 0.5, 0.5, 0, 1, 1, 1, 1, 1]);
    expect(Array.from(batches[0].positions!)).toEqual([0, 1, 2, 3, 0, 0, 1, 2, 0, 1]);
    expect(Array.from(batches[1].tokens)).toEqual([9, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    // every learned target appears once
    const targets = batches.flatMap((b) => Array.from(b.targets).filter((_, i) => b.lossMask[i] > 0));
    expect(targets.sort((a, b) => a - b)).toEqual([2, 3, 6, 7, 8, 10, 11, 13, 14, 15]);
  });

  it('fills rows better than packing in order', () => {
    const ex = Array.from({ length: 40 }, (_, i) => ({ tokens: new Array(i < 20 ? 170 : 120).fill(1) }));
    const count = (bs: ReturnType<typeof packedBatches>) =>
      bs.reduce((n, b) => n + Array.from(b.segments!).filter((s) => s > 0).length, 0) / (bs.length * 2 * 300);
    const ordered = evalBatches(ex, { batchSize: 2, seqLen: 300, pack: true });
    const packed = packedBatches(ex, { batchSize: 2, seqLen: 300 });
    expect(packed.length).toBeLessThan(ordered.length);
    expect(count(packed)).toBeGreaterThan(0.95);
  });
});

describe('learningRate', () => {
  it('warms up linearly, then decays by cosine to minLr', () => {
    const o = { lr: 1, warmup: 4, totalSteps: 14, minLrRatio: 0.1 };
    expect([0, 1, 3].map((s) => learningRate(s, o))).toEqual([0.25, 0.5, 1]);
    expect(learningRate(4, o)).toBe(1);
    expect(learningRate(9, o)).toBeCloseTo(0.55, 10);
    expect(learningRate(14, o)).toBeCloseTo(0.1, 10);
    expect(learningRate(100, o)).toBeCloseTo(0.1, 10);
  });
});
