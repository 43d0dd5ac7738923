/**
 * Field mapping: which fields of a source hold the problem, answer, solution, domain and options.
 * Detected from the first rows of each file, or declared in an override file for sources the
 * detection gets wrong.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { parseConfig } from '../io/config-file.js';
import { readAnswer, resolveGold } from './gold.js';
import type { ProblemRecord } from './types.js';

export interface FieldMapping {
  /** value of the `source` column */
  source: string;
  /** fields joined with a blank line, in order (`body` + `question` for ASDiv/SVAMP) */
  problem: string[];
  /** candidates in order; the first non-empty value in a row wins */
  answer: string[];
  solution: string[];
  domain: string[];
  /** option fields: any non-empty one marks the row multiple choice */
  options: string[];
}

const PROBLEM_FIELDS = ['problem', 'Problem', 'question', 'Question', 'input', 'content', 'prompt', 'query'];
/** a preamble printed before the question (SVAMP's Body, ASDiv's body, OlympiadBench's context) */
const PREAMBLE_FIELDS = ['body', 'Body', 'context', 'passage'];
const ANSWER_FIELDS = [
  'answer',
  'final_answer',
  'Answer',
  'target',
  'correct',
  'label',
  'gold',
  'expected_answer',
  'ground_truth',
];
const SOLUTION_FIELDS = ['solution', 'rationale', 'steps', 'reasoning', 'explanation', 'Solution'];
const DOMAIN_FIELDS = ['domain', 'subject', 'subfield', 'topic', 'data_topic'];
const OPTION_FIELDS = ['options', 'choices', 'Options', 'Choices', 'answer_choices', 'choice_answer'];

/** `gsm8k_openai.test.jsonl` → `gsm8k_openai`: the file name without format and split suffixes. */
export function sourceNameOf(file: string): string {
  return basename(file)
    .replace(/\.(jsonl|ndjson|json|csv|parquet|pq)$/i, '')
    .replace(/[._-](train|test|dev|val|valid|validation)$/i, '');
}

/** Guesses the mapping from the keys seen in a file's first rows. */
export function detectMapping(file: string, sample: Record<string, unknown>[]): FieldMapping {
  const keys = new Set<string>();
  for (const row of sample) for (const k of Object.keys(row)) keys.add(k);
  const present = (names: string[]) => names.filter((n) => keys.has(n));
  const question = present(PROBLEM_FIELDS)[0];
  const problem = question ? [...present(PREAMBLE_FIELDS), question] : [];
  return {
    source: sourceNameOf(file),
    problem,
    answer: present(ANSWER_FIELDS),
    solution: present(SOLUTION_FIELDS),
    domain: present(DOMAIN_FIELDS),
    options: present(OPTION_FIELDS),
  };
}

const fieldList = z
  .union([z.string(), z.array(z.string()), z.null()])
  .transform((v) => (v === null ? [] : typeof v === 'string' ? [v] : v));

const sourceOverride = z
  .object({
    /** glob on the file name (`*` and `?`), e.g. `svamp*.jsonl` */
    match: z.string().min(1),
    source: z.string().min(1).optional(),
    problem: fieldList.optional(),
    answer: fieldList.optional(),
    solution: fieldList.optional(),
    domain: fieldList.optional(),
    options: fieldList.optional(),
  })
  .strict();

const overrideFile = z.object({ sources: z.array(sourceOverride) }).strict();
export type MappingOverrides = z.infer<typeof overrideFile>;

/** Reads a YAML or JSON override file; errors name the file and field. */
export function loadMappingOverrides(file: string): MappingOverrides {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read mapping file (${(err as Error).message})`);
  }
  return parseConfig(overrideFile, raw, file);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** The detected mapping with the first matching override's fields laid over it. */
export function applyOverrides(
  file: string,
  detected: FieldMapping,
  overrides?: MappingOverrides,
): FieldMapping {
  const o = overrides?.sources.find((s) => globToRegExp(s.match).test(basename(file)));
  if (!o) return detected;
  return {
    source: o.source ?? detected.source,
    problem: o.problem ?? detected.problem,
    answer: o.answer ?? detected.answer,
    solution: o.solution ?? detected.solution,
    domain: o.domain ?? detected.domain,
    options: o.options ?? detected.options,
  };
}

function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const parts = v.map(textOf).filter((x): x is string => x !== null);
    return parts.length === 0 ? null : parts.join('\n\n');
  }
  return null;
}

/** Option fields as one text ("A) 5 B) 6" or a list or a {A: .., B: ..} object); null when empty. */
function optionsText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map((x) => String(x)).join(' | ');
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length === 0 ? null : entries.map(([k, x]) => `${k}: ${String(x)}`).join(' | ');
  }
  return null;
}

/**
 * A field whose value has a type the build cannot read as meant (`problem: 7`, `answer: [1]`, an object):
 * the row is reported as bad input naming the field, never turned into text by a guess.
 */
export class FieldTypeError extends Error {
  override name = 'FieldTypeError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field '${field}': ${problem}`);
  }
}

const isTextList = (v: unknown): boolean =>
  Array.isArray(v) && v.every((x) => typeof x === 'string' || x === null);

function shown(v: unknown): string {
  const json = JSON.stringify(v) ?? String(v);
  const short = json.length > 40 ? `${json.slice(0, 37)}...` : json;
  if (typeof v === 'number') return `the number ${short}`;
  if (typeof v === 'boolean') return `the boolean ${short}`;
  if (Array.isArray(v)) return `the list ${short}`;
  return `the object ${short}`;
}

/** Checks one field's value; null and missing values are simply absent. */
function requireType(value: unknown, field: string, ok: (v: unknown) => boolean, expected: string): void {
  if (value === null || value === undefined || ok(value)) return;
  throw new FieldTypeError(field, `expected ${expected}, got ${shown(value)}`);
}

const TEXT = (v: unknown) => typeof v === 'string' || isTextList(v);
/** numbers (SVAMP's 3.0, MMLU's choice index) and booleans (true/false questions) are answers as they are */
const ANSWER = (v: unknown) =>
  TEXT(v) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

/** One raw row mapped onto a ProblemRecord, gold answer resolved and read by the verifier. */
export function mapRow(
  mapping: FieldMapping,
  value: Record<string, unknown>,
  file: string,
  line: number,
): ProblemRecord {
  for (const f of mapping.problem) requireType(value[f], f, TEXT, 'text (a string or a list of strings)');
  const problem = mapping.problem
    .map((f) => textOf(value[f]))
    .filter((x): x is string => x !== null)
    .join('\n\n');
  let answerValue: unknown = null;
  for (const f of mapping.answer) {
    const v = value[f];
    if (v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '')) {
      requireType(v, f, ANSWER, 'a string, a number or a list of strings');
      answerValue = v;
      break;
    }
  }
  let solution: string | null = null;
  for (const f of mapping.solution) {
    requireType(value[f], f, TEXT, 'text (a string or a list of strings)');
    solution = textOf(value[f]);
    if (solution !== null) break;
  }
  let domain: string | null = null;
  for (const f of mapping.domain) {
    domain = textOf(value[f]);
    if (domain !== null) break;
  }
  let options: string | null = null;
  let optionsField: string | null = null;
  for (const f of mapping.options) {
    options = optionsText(value[f]);
    if (options !== null) {
      optionsField = f;
      break;
    }
  }
  const gold = resolveGold(answerValue, solution);
  const read = gold.answer !== null ? readAnswer(gold.answer) : null;
  return {
    problem,
    answer: gold.answer,
    answerFrom: gold.from,
    answerNote: gold.note,
    answerType: read?.type ?? null,
    answerCanonical: read?.canonical ?? null,
    solution: solution ?? gold.solutionText,
    source: mapping.source,
    domain,
    options,
    optionsField,
    file,
    line,
  };
}
