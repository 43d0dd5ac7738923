/** Rewrites real-data-exceptions.json from the current verifier. Run: npx tsx test/verify/update-exceptions.ts */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSymbolicEngine } from '../../src/verify/symbolic.js';
import { verify } from '../../src/verify/verify.js';
import { loadRealCases } from './real-data.js';
import type { ExceptionCode, ExceptionEntry } from './real-data-exceptions.js';

const KNOWN_DATASET_ERRORS = new Set(['svamp:chal-680']);

function classify(
  source: string,
  id: string,
  gold: string,
  extracted: string | null,
  rule: string | null,
): ExceptionCode {
  if (KNOWN_DATASET_ERRORS.has(`${source}:${id}`)) return 'dataset-error';
  if (source === 'olympiadbench') return rule === 'final_answer' ? 'answer-phrase-is-prose' : 'proof-style';
  if (source === 'carp_en') {
    const g = gold.replace(/\s+/g, '');
    const e = (extracted ?? '').replace(/\s+/g, '');
    return /^\d/.test(g) && e.endsWith(`=-${g}`) ? 'carp-gold-sign' : 'carp-intermediate';
  }
  if (source === 'asdiv')
    return /^[\d.]+(\s*\(.*\))?$/.test(gold.trim()) ? 'asdiv-formula-not-answer' : 'asdiv-word-answer';
  if (source === 'aqua') return 'aqua-no-letter';
  throw new Error(`unexplained failure ${source}:${id} gold=${gold} extracted=${extracted}`);
}

await loadSymbolicEngine();
const out: ExceptionEntry[] = [];
for (const c of loadRealCases()) {
  const r = verify({ gold: c.gold, response: c.response });
  if (r.correct) continue;
  out.push({
    source: c.source,
    id: c.id,
    code: classify(c.source, c.id, c.gold, r.extracted, r.rule),
    gold: c.gold.slice(0, 120),
    extracted: r.extracted === null ? null : r.extracted.slice(0, 120),
  });
}
writeFileSync(join(import.meta.dirname, 'real-data-exceptions.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`${out.length} exceptions written`);
