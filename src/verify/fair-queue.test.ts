import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.js';

describe('FairQueue', () => {
  it('takes one item per flow in turn, put-back items first, and drains what is left once', () => {
    const q = new FairQueue<string>();
    q.add(['a1', 'a2', 'a3', 'a4']);
    q.add(['b1']);
    q.add([]);
    expect([q.take(), q.take()]).toEqual(['a1', 'b1']);
    q.add(['c1', 'c2']);
    expect(q.take()).toBe('a2');
    q.putBack(['r1', 'r2']);
    expect([q.take(), q.take(), q.take(), q.take()]).toEqual(['r1', 'r2', 'c1', 'a3']);
    expect(q.size).toBe(2);
    expect(q.drain().sort()).toEqual(['a4', 'c2']);
    expect([q.size, q.take()]).toEqual([0, undefined]);
  });

  it('stays fast and in order with many single-item flows (many lone verify calls)', () => {
    const q = new FairQueue<number>();
    for (let k = 0; k < 100_000; k++) q.add([k]);
    const out: number[] = [];
    for (let v = q.take(); v !== undefined; v = q.take()) out.push(v);
    expect(out).toHaveLength(100_000);
    expect(out.every((v, k) => v === k)).toBe(true);
  });
});
