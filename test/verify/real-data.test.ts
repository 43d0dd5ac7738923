/**
 * Every problem in ../shared/data/math with both a reference solution and a gold answer: the answer extracted
 * from the reference solution must verify against the gold. The exceptions are listed one by one in
 * real-data-exceptions.json, each with a reason code explained in real-data-exceptions.ts; this test fails on any
 * new failure and on any listed exception that now passes (so the list stays exact).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSymbolicEngine } from '../../src/verify/symbolic.js';
import { verify } from '../../src/verify/verify.js';
import { DATA_DIR, dataAvailable, loadRealCases } from './real-data.js';
import { EXCEPTION_REASONS, type ExceptionEntry } from './real-data-exceptions.js';

const available = dataAvailable();
if (!available) console.warn(`skipping real-data verifier test: ${DATA_DIR} is absent`);

describe.skipIf(!available)('reference solutions verify against their gold answers', () => {
  const exceptions = JSON.parse(
    readFileSync(join(import.meta.dirname, 'real-data-exceptions.json'), 'utf8'),
  ) as ExceptionEntry[];
  const listed = new Map(exceptions.map((e) => [`${e.source}:${e.id}`, e]));

  beforeAll(async () => {
    await loadSymbolicEngine();
  });

  it('every exception names a documented reason', () => {
    for (const e of exceptions) expect(EXCEPTION_REASONS[e.code], JSON.stringify(e)).toBeTypeOf('string');
  });

  it('fails exactly on the listed exceptions', () => {
    const cases = loadRealCases();
    const unexpected: string[] = [];
    const fixed: string[] = [];
    const tally: Record<string, { pass: number; total: number; listed: number }> = {};
    for (const c of cases) {
      const key = `${c.source}:${c.id}`;
      const r = verify({ gold: c.gold, response: c.response });
      tally[c.source] ??= { pass: 0, total: 0, listed: 0 };
      const t = tally[c.source]!;
      t.total++;
      if (r.correct) t.pass++;
      if (listed.has(key)) t.listed++;
      if (!r.correct && !listed.has(key)) {
        unexpected.push(
          `${key} gold=${JSON.stringify(c.gold)} extracted=${JSON.stringify(r.extracted)} (${r.reason})`,
        );
      }
      if (r.correct && listed.has(key)) fixed.push(key);
    }
    console.log(
      Object.entries(tally)
        .map(([s, t]) => `${s}: ${t.pass}/${t.total} verified, ${t.listed} listed exceptions`)
        .join('\n'),
    );
    expect(unexpected, 'new failures (fix the verifier, or list them with a reason)').toEqual([]);
    expect(fixed, 'listed exceptions that now pass: remove them from real-data-exceptions.json').toEqual([]);
    // a source whose golds are all derivable must stay at 100%
    for (const s of ['math500', 'aime24', 'minerva', 'gsm8k.test', 'gsm8k_openai.train']) {
      expect(tally[s]!.pass, s).toBe(tally[s]!.total);
    }
  });
});
