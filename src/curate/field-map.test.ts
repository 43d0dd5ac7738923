/** Field mapping on every shared source (different schemas), and declarative overrides. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_MATH } from '../../test/curate/shared-rows.js';
import { applyOverrides, detectMapping, loadMappingOverrides, mapRow, sourceNameOf } from './field-map.js';
import { answerText, resolveGold } from './gold.js';

const dir = mkdtempSync(join(tmpdir(), 'metacot-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE_SHARED)('detectMapping on ../shared/data/math', () => {
  const expected: Record<string, { problem: string[]; answer: string[] }> = {
    'aime24.test.jsonl': { problem: ['problem'], answer: ['answer'] },
    'aqua.test.jsonl': { problem: ['question'], answer: ['correct'] },
    'asdiv.test.jsonl': { problem: ['body', 'question'], answer: ['answer'] },
    'carp_en.test.jsonl': { problem: ['content'], answer: ['answer'] },
    'gaokao_math_qa.test.jsonl': { problem: ['passage', 'question'], answer: ['answer', 'label'] },
    'mawps.test.jsonl': { problem: ['input'], answer: ['target'] },
    'minerva_math.test.jsonl': { problem: ['problem'], answer: [] },
    'olympiadbench.test.jsonl': { problem: ['context', 'question'], answer: ['final_answer'] },
    'sat_math.test.jsonl': { problem: ['question'], answer: ['Answer'] },
    'svamp.test.jsonl': { problem: ['Body', 'Question'], answer: ['Answer'] },
  };
  it('finds a problem field in every file, and the expected fields in each schema', () => {
    for (const file of readdirSync(SHARED_MATH)) {
      const rows = readFileSync(join(SHARED_MATH, file), 'utf8')
        .split('\n')
        .filter(Boolean)
        .slice(0, 20)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const m = detectMapping(file, rows);
      expect(m.problem.length, file).toBeGreaterThan(0);
      if (expected[file]) expect({ problem: m.problem, answer: m.answer }, file).toEqual(expected[file]);
      const rec = mapRow(m, rows[0]!, file, 1);
      expect(rec.problem.length, file).toBeGreaterThan(5);
    }
  });
  it('joins SVAMP Body + Question, and takes the next answer field when the first is null', () => {
    const svamp = detectMapping('svamp.test.jsonl', [{ Body: 'b', Question: 'q', Answer: 1 }]);
    expect(
      mapRow(svamp, { Body: 'There are 3 cats.', Question: 'How many?', Answer: 3.0 }, 'f', 1),
    ).toMatchObject({
      problem: 'There are 3 cats.\n\nHow many?',
      answer: '3',
    });
    const qa = detectMapping('gaokao_math_qa.test.jsonl', [
      { question: 'q', answer: null, label: 'D', options: {} },
    ]);
    expect(
      mapRow(qa, { question: 'q', answer: null, label: 'D', options: { A: '1' } }, 'f', 1),
    ).toMatchObject({
      answer: 'D',
      optionsField: 'options',
      answerType: 'choice',
    });
  });
});

describe('gold answers', () => {
  it('reads numbers, lists and GSM8K solutions in answer fields; extracts from solutions', () => {
    expect(answerText(27.0)).toBe('27');
    expect(answerText(['$1$', '$2$'])).toBe('$1$, $2$');
    expect(answerText([])).toBeNull();
    expect(resolveGold('Janet sells 16 - 3 - 4 = 9 eggs.\n#### 18', null)).toMatchObject({
      answer: '18',
      from: 'field',
    });
    expect(resolveGold(null, 'so $x = \\boxed{5}$.')).toMatchObject({ answer: '5', from: 'solution' });
    expect(resolveGold(null, 'either \\boxed{5} or \\boxed{6}')).toMatchObject({
      answer: null,
      note: '2 different \\boxed{} answers in the solution',
    });
    expect(resolveGold(null, null).note).toBe('no answer field and no solution');
  });
});

describe('overrides', () => {
  it('declared fields replace detected ones for matching files; bad files name the field', () => {
    const f = join(dir, 'map.yaml');
    writeFileSync(
      f,
      'sources:\n  - match: "weird*.csv"\n    source: weird\n    problem: [stem, ask]\n    answer: gold_value\n',
    );
    const o = loadMappingOverrides(f);
    const detected = detectMapping('weird_1.csv', [{ stem: 'a', ask: 'b', gold_value: '1', question: 'x' }]);
    expect(detected.problem).toEqual(['question']);
    const m = applyOverrides('/data/weird_1.csv', detected, o);
    expect(m).toMatchObject({ source: 'weird', problem: ['stem', 'ask'], answer: ['gold_value'] });
    expect(applyOverrides('/data/other.csv', detected, o)).toBe(detected);
    writeFileSync(f, 'sources:\n  - match: "x"\n    problme: q\n');
    expect(() => loadMappingOverrides(f)).toThrow(/map\.yaml: field 'sources\.0'/);
  });
  it('names sources after the file without format and split', () => {
    expect(sourceNameOf('/x/gsm8k_openai.test.jsonl')).toBe('gsm8k_openai');
    expect(sourceNameOf('numina-train.parquet')).toBe('numina');
  });
});
