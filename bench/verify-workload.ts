/**
 * The verifier benchmark's workload: real reference solutions (MATH-500, GSM8K, AIME, Minerva, OlympiadBench from
 * ../shared/data/math) paired half with their own gold (mostly equal) and half with another problem's gold (not
 * equal), so both verdicts and full-text extraction are measured. Without ../shared/data it uses the hand-written
 * cases.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CASES, RESPONSE_CASES } from '../src/verify/cases.js';
import type { VerifyInput } from '../src/verify/verify.js';
import { loadRealCases } from '../test/verify/real-data.js';

export function verifyWorkload(n: number): { items: VerifyInput[]; source: string } {
  const dataDir = join(process.cwd(), '..', 'shared', 'data', 'math');
  let base: VerifyInput[];
  let source: string;
  if (existsSync(dataDir)) {
    const keep = new Set(['math500', 'gsm8k.test', 'aime24', 'minerva', 'olympiadbench']);
    base = loadRealCases()
      .filter((c) => keep.has(c.source))
      .map((c) => ({ gold: c.gold, response: c.response }));
    source =
      'reference solutions from ../shared/data/math (MATH-500, GSM8K test, AIME24, Minerva, OlympiadBench)';
  } else {
    base = [...Object.values(CASES).flat(), ...RESPONSE_CASES];
    source = 'hand-written cases (../shared/data absent)';
  }
  const items: VerifyInput[] = [];
  for (let k = 0; items.length < n; k++) {
    const c = base[k % base.length]!;
    // every other item gets another problem's gold: a realistic share of wrong answers
    const gold = k % 2 === 0 ? c.gold : base[(k * 7919 + 13) % base.length]!.gold;
    items.push({ gold, response: c.response });
  }
  return { items, source };
}
