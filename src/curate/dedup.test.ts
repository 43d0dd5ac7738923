/** Exact dedup, MinHash estimates, the LSH index and decontamination. */
import { describe, expect, it } from 'vitest';
import { Decontaminator } from './decontaminate.js';
import { ExactDedup } from './exact-dedup.js';
import { LshIndex } from './lsh.js';
import { MinHasher, similarity } from './minhash.js';

const A =
  'Mary is baking a cake. The recipe wants 8 cups of flour. She already put in 2 cups. How many more cups does she need to add?';
// mawps.test.jsonl:1073 vs :4 (the same problem re-spaced, "more" dropped)
const A_NEAR =
  'Mary is baking a cake . The recipe wants 8 cups of flour . She already put in 2 cups . How many cups does she need to add ?';
const B =
  'Joan found 70 seashells on the beach. She gave Sam some of her seashells. She has 27 left. How many did she give to Sam?';

describe('exact dedup', () => {
  it('matches case, spacing, quote and \\dfrac variants, and points at the first occurrence', () => {
    const d = new ExactDedup();
    expect(d.check('Janet’s ducks lay $16$ eggs.  Find \\dfrac{1}{2} of them.', 'a.jsonl', 1)).toBeNull();
    expect(d.check("janet's ducks lay 16 eggs. find \\frac{1}{2} of them.", 'b.jsonl', 7)).toBe('a.jsonl:1');
    expect(d.check('Janet’s ducks lay 17 eggs. Find \\frac{1}{2} of them.', 'b.jsonl', 8)).toBeNull();
    expect(d.size).toBe(2);
  });
});

describe('MinHash + LSH', () => {
  const h = new MinHasher();
  it('estimates Jaccard: identical 1, reworded high, unrelated low', () => {
    expect(similarity(h.signature(A), h.signature(A))).toBe(1);
    expect(similarity(h.signature(A), h.signature(A_NEAR))).toBeGreaterThan(0.5);
    expect(similarity(h.signature(A), h.signature(B))).toBeLessThan(0.1);
  });
  it('finds the near duplicate with the same answer, not with a different one, and grows past its initial table', () => {
    const lsh = new LshIndex({ numPerm: 128, bands: 21, rows: 6, threshold: 0.5 });
    const key6 = 6 * 2 + 1;
    lsh.add(LshIndex.reduce(h.signature(A)), key6, 'mawps.jsonl', 4);
    // many unrelated problems force the band table to grow and rehash
    for (let i = 0; i < 4000; i++) {
      const p = `Problem ${i}: a train leaves station ${i % 97} at ${i} km/h towards town ${i * 7}; how long until it covers ${i * 3} km?`;
      lsh.add(LshIndex.reduce(h.signature(p)), 0, 'gen.jsonl', i + 1);
    }
    const q = LshIndex.reduce(h.signature(A_NEAR));
    const hit = lsh.query(q, key6);
    expect(hit?.where).toBe('mawps.jsonl:4');
    expect(hit!.similarity).toBeGreaterThan(0.5);
    expect(lsh.query(q, 99)).toBeNull();
    expect(lsh.query(LshIndex.reduce(h.signature(B)), 0)).toBeNull();
    expect(lsh.size).toBe(4001);
  });
});

describe('decontamination', () => {
  it('flags problems whose n-grams are mostly in a test set, not ones sharing a phrase', () => {
    const d = new Decontaminator({ n: 8, minOverlap: 0.5 });
    d.addTestSet('math500.test.jsonl', [A, 'What is 1+1?']);
    // the re-spaced MAWPS copy shares 13 of its 19 8-grams
    expect(d.check(A_NEAR)).toMatch(/^68% of 8-grams \(13\/19\)/);
    // one shared 8-gram in a longer, different problem
    expect(
      d.check(
        'Tom is baking a pie. The recipe wants 8 cups of flour and 3 eggs; eggs cost $2 each. What do the eggs cost?',
      ),
    ).toBeNull();
    expect(d.check(`${A} Give your answer in cups.`)).toMatch(/of 8-grams .* in math500\.test\.jsonl/);
    expect(d.check(B)).toBeNull();
    expect(d.check('what is 1 + 1 ?')).toMatch(/whole text/);
    expect(d.testSets).toEqual([{ name: 'math500.test.jsonl', problems: 2 }]);
  });
});
