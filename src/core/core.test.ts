import { describe, expect, it } from 'vitest';
import { Frontier } from '../search/frontier.js';
import { Rng } from './rng.js';
import { checkTreeInvariants, SearchTree } from './tree.js';

describe('Rng', () => {
  it('is deterministic, resumable from its state, and uniform enough', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    const resumed = new Rng(a.state());
    expect(resumed.nextUint32()).toBe(a.nextUint32());
    expect(new Rng(43).nextUint32()).not.toBe(new Rng(42).nextUint32());
    const counts = [0, 0, 0, 0];
    const r = new Rng(1);
    for (let i = 0; i < 40000; i++) counts[r.int(4)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(Rng.derive(1, 2).nextUint32()).toBe(Rng.derive(1, 2).nextUint32());
    expect(Rng.derive(1, 2).nextUint32()).not.toBe(Rng.derive(1, 3).nextUint32());
  });

  it('shuffles into a permutation', () => {
    const xs = new Rng(3).shuffle([1, 2, 3, 4, 5, 6]);
    expect([...xs].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('SearchTree', () => {
  const build = () => {
    const t = new SearchTree<number, string, { goal: number }>('toy', { goal: 3 }, 0);
    t.visit(0);
    const a = t.addChild(0, '+1', 1, { h: 2 });
    const b = t.addChild(0, '+2', 2, { h: 1 });
    t.visit(b.id);
    const c = t.addChild(b.id, '+1', 3, { h: 0 });
    c.terminal = true;
    c.verified = true;
    t.backup(b.id, 0.5);
    return { t, a, b, c };
  };

  it('keeps parents, depths, paths and the visit log', () => {
    const { t, b, c } = build();
    expect(t.pathTo(c.id)).toEqual([0, b.id, c.id]);
    expect(t.stepsTo(c.id)).toEqual(['+2', '+1']);
    expect(t.node(c.id).depth).toBe(2);
    expect(t.events.map((e) => e.kind)).toEqual([
      'visit',
      'generate',
      'generate',
      'visit',
      'generate',
      'backup',
    ]);
    expect(t.node(b.id).valueSum).toBe(0.5);
    expect(checkTreeInvariants(t)).toEqual([]);
  });

  it('round-trips through JSON losslessly', () => {
    const { t } = build();
    const json = JSON.parse(JSON.stringify(t.toJSON()));
    const back = SearchTree.fromJSON(json);
    expect(back.toJSON()).toEqual(t.toJSON());
    expect(back.node(2).children).toEqual([3]);
  });

  it('rejects malformed trees', () => {
    const { t } = build();
    const json = t.toJSON();
    expect(() => SearchTree.fromJSON({ ...json, version: 2 as 1 })).toThrow(/v1/);
    expect(() =>
      SearchTree.fromJSON({ ...json, nodes: [json.nodes[0], { ...json.nodes[1], parent: 5 }] }),
    ).toThrow(/does not precede/);
    expect(() => SearchTree.fromJSON({ ...json, events: [['visit', 99]] })).toThrow(/missing node 99/);
  });

  it('reports broken invariants', () => {
    const { t } = build();
    t.events.push({ kind: 'visit', node: 1 });
    t.events.unshift({ kind: 'visit', node: 3 });
    t.node(1).depth = 5;
    const problems = checkTreeInvariants(t);
    expect(problems.some((p) => p.includes('before it was generated'))).toBe(true);
    expect(problems.some((p) => p.includes('depth 5'))).toBe(true);
  });
});

describe('Frontier', () => {
  it('pops lowest key first, ties in insertion order', () => {
    const f = new Frontier<string>();
    for (const [item, key] of [
      ['a', 3],
      ['b', 1],
      ['c', 3],
      ['d', 0],
      ['e', 1],
    ] as const)
      f.push(item, key);
    const out: string[] = [];
    while (f.size) out.push(f.pop()!);
    expect(out).toEqual(['d', 'b', 'e', 'a', 'c']);
    expect(f.pop()).toBeUndefined();
  });
});
