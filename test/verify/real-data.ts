/** Loads every problem in ../shared/data/math that has both a reference solution and a gold answer. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RealCase {
  source: string;
  id: string;
  gold: string;
  response: string;
}

export const DATA_DIR = join(process.cwd(), '..', 'shared', 'data', 'math');

export function dataAvailable(): boolean {
  return existsSync(DATA_DIR);
}

function rows(file: string): Record<string, unknown>[] {
  return readFileSync(join(DATA_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Python `repr` of a list of strings (OlympiadBench stores lists that way). */
export function pyList(s: string): string[] {
  const out: string[] = [];
  let i = s.indexOf('[') + 1;
  while (i < s.length) {
    const q = s[i];
    if (q !== "'" && q !== '"') {
      i++;
      continue;
    }
    let j = i + 1;
    let cur = '';
    while (j < s.length && s[j] !== q) {
      if (s[j] === '\\') {
        const n = s[j + 1]!;
        cur += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        j += 2;
      } else cur += s[j++];
    }
    out.push(cur);
    i = j + 1;
  }
  return out;
}

function lastBoxed(s: string): string | undefined {
  const k = s.lastIndexOf('\\boxed');
  if (k < 0) return undefined;
  let i = s.indexOf('{', k);
  const start = i + 1;
  let depth = 0;
  for (; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return s.slice(start, i);
  }
  return undefined;
}

export function loadRealCases(): RealCase[] {
  const out: RealCase[] = [];
  const add = (source: string, id: unknown, gold: string, response: string): void => {
    out.push({ source, id: String(id), gold, response });
  };
  for (const r of rows('math500.test.jsonl'))
    add('math500', r.unique_id, String(r.answer), String(r.solution));
  for (const r of rows('aime24.test.jsonl')) add('aime24', r.id, String(r.answer), String(r.solution));
  // Minerva has no separate gold: the gold is the boxed answer of the reference solution itself
  for (const r of rows('minerva_math.test.jsonl')) {
    const sol = String(r.solution);
    const gold = lastBoxed(sol);
    if (gold !== undefined) add('minerva', r.idx, gold, sol);
  }
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : pyList(String(v)));
  for (const r of rows('olympiadbench.test.jsonl')) {
    const sols = list(r.solution);
    const gold = list(r.final_answer).join(', ');
    if (sols.length > 0 && gold) add('olympiadbench', r.id, gold, sols[0]!);
  }
  for (const file of ['gsm8k.test.jsonl', 'gsm8k_openai.train.jsonl']) {
    let k = 0;
    for (const r of rows(file)) {
      const a = String(r.answer);
      add(file.replace('.jsonl', ''), r.idx ?? k, a.slice(a.lastIndexOf('####') + 4).trim(), a);
      k++;
    }
  }
  let k = 0;
  for (const r of rows('aqua.test.jsonl')) add('aqua', k++, String(r.correct), String(r.rationale));
  k = 0;
  for (const r of rows('carp_en.test.jsonl')) add('carp_en', k++, String(r.answer), String(r.steps));
  // SVAMP and ASDiv carry the solving equation: its value must equal the answer
  for (const r of rows('svamp.test.jsonl')) add('svamp', r.ID, String(r.Answer), `$${String(r.Equation)}$`);
  // ASDiv formulas are steps separated by ';': the last step is the conclusion
  for (const r of rows('asdiv.test.jsonl')) {
    const step = String(r.formula).split(';').pop()!.trim();
    add('asdiv', r.idx, String(r.answer), `$${step}$`);
  }
  return out;
}
