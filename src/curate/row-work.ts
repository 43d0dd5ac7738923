/**
 * The per-row work of a build, free of shared state so it can run in worker threads: map fields,
 * resolve and parse the gold answer, compute every rule signal, check contamination, and (for rows
 * no removing signal hit) the MinHash signature that near-duplicate search needs.
 */
import { loadSymbolicEngine } from '../verify/symbolic.js';
import { type DecontaminationOptions, Decontaminator } from './decontaminate.js';
import { type FieldMapping, FieldTypeError, type MappingOverrides, mapRow } from './field-map.js';
import { RULE_FILTERS } from './filters/index.js';
import { LshIndex } from './lsh.js';
import { MinHasher, type MinHashOptions } from './minhash.js';
import { hash32 } from './text.js';
import type { ProblemRecord, RawRow, SignalName, Signals } from './types.js';

export interface RowWorkConfig {
  symbolic: boolean;
  removing: SignalName[];
  decontaminateAgainst: string[];
  decontamination: DecontaminationOptions;
  overrides?: MappingOverrides;
  /** null: no near-duplicate search, so no signatures */
  minhash: MinHashOptions | null;
}

export interface RowContext {
  config: RowWorkConfig;
  removing: Set<SignalName>;
  decon: Decontaminator | null;
  hasher: MinHasher | null;
}

export type RowResult =
  | { kind: 'malformed'; line: number; message: string }
  | {
      kind: 'row';
      line: number;
      record: ProblemRecord;
      signals: Signals;
      /** 8-bit MinHash signature, only for rows still clean after the rule filters */
      reduced: Uint8Array | null;
      /** hash of the verifier's canonical answer (0: no answer), so near duplicates must agree on it */
      answerKey: number;
    };

export async function createRowContext(config: RowWorkConfig): Promise<RowContext> {
  if (config.symbolic) await loadSymbolicEngine();
  const decon =
    config.decontaminateAgainst.length > 0
      ? await Decontaminator.fromFiles(config.decontaminateAgainst, config.decontamination, config.overrides)
      : null;
  return {
    config,
    removing: new Set(config.removing),
    decon,
    hasher: config.minhash ? new MinHasher(config.minhash) : null,
  };
}

export function processRow(ctx: RowContext, mapping: FieldMapping, raw: RawRow): RowResult {
  if (raw.kind === 'malformed') return { kind: 'malformed', line: raw.line, message: raw.message };
  let record: ProblemRecord;
  try {
    record = mapRow(mapping, raw.value, raw.file, raw.line);
  } catch (err) {
    // a field of the wrong type is bad input, reported like a bad line: file:line and the field
    if (err instanceof FieldTypeError) return { kind: 'malformed', line: raw.line, message: err.message };
    return { kind: 'malformed', line: raw.line, message: `cannot map fields (${(err as Error).message})` };
  }
  if (record.problem.trim() === '') {
    const tried = mapping.problem.length > 0 ? mapping.problem.join(', ') : 'none detected';
    return { kind: 'malformed', line: raw.line, message: `no problem text (fields: ${tried})` };
  }
  const signals: Signals = {};
  for (const f of RULE_FILTERS) {
    const why = f.check(record);
    if (why !== null) signals[f.name] = why;
  }
  const contaminated = ctx.decon?.check(record.problem) ?? null;
  if (contaminated) signals.contaminated = contaminated;
  const clean = !(Object.keys(signals) as SignalName[]).some((s) => ctx.removing.has(s));
  const reduced = clean && ctx.hasher ? LshIndex.reduce(ctx.hasher.signature(record.problem)) : null;
  const answerKey = record.answerCanonical ? hash32(record.answerCanonical) | 1 : 0;
  return { kind: 'row', line: raw.line, record, signals, reduced, answerKey };
}
