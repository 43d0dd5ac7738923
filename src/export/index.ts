/**
 * Dataset exporters for distributed trainers: verl (Parquet), OpenRLHF, TRL and plain chat (JSONL). Input is
 * a JSONL of problems (`{problem, answer}`, for RL) or of SFT records (`{prompt, completion}` / `{messages}`);
 * docs/scale-out.md has the trainer-side commands for each.
 *
 * ```ts
 * import { exportDataset } from 'metacot';
 * await exportDataset({ input: 'problems.jsonl', output: 'train.parquet', format: 'verl' });
 * ```
 */

import { writeFileAtomic } from '../io/atomic-file.js';
import { writeJsonlAtomic } from '../io/atomic-lines.js';
import { chatRecords } from './chat.js';
import { openrlhfRecords } from './openrlhf.js';
import { DEFAULT_EXPORT_OPTIONS, type ExportOptions } from './options.js';
import { resolveTemplate } from './prompt.js';
import { type AnyRows, type RowKind, readRows } from './rows.js';
import { trlRecords } from './trl.js';
import { verlParquet } from './verl.js';

export const EXPORT_FORMATS = ['verl', 'openrlhf', 'trl', 'chat'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest extends Partial<ExportOptions> {
  input: string;
  output: string;
  format: ExportFormat;
  /** `plain`, `explore`, or template text with `{problem}` (ExportOptions.template) */
  template?: string;
  /** force the input kind instead of detecting it from the first line */
  kind?: RowKind;
}

export interface ExportSummary {
  kind: RowKind;
  rows: number;
  output: string;
}

/** Renders already-read rows in a format: Parquet bytes for verl, JSON records for the others. */
export function renderExport(
  rows: AnyRows,
  format: ExportFormat,
  o: ExportOptions,
): { parquet: Uint8Array } | { records: Iterable<Record<string, unknown>> } {
  if (format === 'verl') return { parquet: verlParquet(rows, o) };
  if (format === 'openrlhf') return { records: openrlhfRecords(rows, o) };
  if (format === 'trl') return { records: trlRecords(rows, o) };
  return { records: chatRecords(rows, o) };
}

export async function exportDataset(req: ExportRequest): Promise<ExportSummary> {
  const { input, output, format, kind, ...given } = req;
  const o: ExportOptions = { ...DEFAULT_EXPORT_OPTIONS };
  // an option passed as undefined keeps its default
  for (const [k, v] of Object.entries(given))
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  // `plain` / `explore` name built-in templates; anything else must be a template text with {problem}
  o.template = resolveTemplate(o.template);
  const rows = await readRows(input, kind);
  const out = renderExport(rows, format, o);
  if ('parquet' in out) writeFileAtomic(output, out.parquet);
  else await writeJsonlAtomic(output, out.records);
  return { kind: rows.kind, rows: rows.rows.length, output };
}

export { chatRecords } from './chat.js';
export { openrlhfRecords } from './openrlhf.js';
export { DEFAULT_EXPORT_OPTIONS, type ExportOptions } from './options.js';
export {
  BOXED_INSTRUCTION,
  EXPLORE_INSTRUCTION,
  renderPrompt,
  resolveTemplate,
  TEMPLATES,
} from './prompt.js';
export {
  type AnyRows,
  type ChatTurn,
  type ProblemRow,
  type RowKind,
  readProblems,
  readRows,
  type SftRow,
} from './rows.js';
export { trlRecords } from './trl.js';
export { verlParquet } from './verl.js';
