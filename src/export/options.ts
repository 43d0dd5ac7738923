/** Options shared by every exporter, and the chat form of a problem. */
import { UserError } from '../core/errors.js';
import { renderPrompt, TEMPLATES } from './prompt.js';
import type { ChatTurn, ProblemRow } from './rows.js';

export interface ExportOptions {
  /** prompt template text with `{problem}` (resolveTemplate gives the named ones) */
  template: string;
  /** system message put first in chat-shaped outputs */
  system?: string;
  /** format-specific layout (`metacot export --layout`): see each exporter */
  style?: string;
  /** OpenRLHF keys */
  inputKey: string;
  labelKey: string;
  outputKey: string;
  /** verl `data_source` (default: the row's `source`, else 'metacot') */
  dataSource?: string;
  /** verl `ability` */
  ability: string;
  /** verl `extra_info.split` */
  split: string;
}

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = {
  template: TEMPLATES.plain,
  inputKey: 'prompt',
  labelKey: 'label',
  outputKey: 'response',
  ability: 'math',
  split: 'train',
};

export function problemPrompt(p: ProblemRow, o: ExportOptions): string {
  return renderPrompt(o.template, p.problem);
}

export function problemTurns(p: ProblemRow, o: ExportOptions): ChatTurn[] {
  const user: ChatTurn = { role: 'user', content: problemPrompt(p, o) };
  return o.system !== undefined ? [{ role: 'system', content: o.system }, user] : [user];
}

/** The style a format was asked for, checked against the ones it knows. */
export function pickStyle<T extends string>(
  format: string,
  given: string | undefined,
  known: readonly T[],
): T {
  const style = (given ?? known[0]) as T;
  if (!known.includes(style))
    throw new UserError(`${format}: unknown --layout '${given}' (layouts: ${known.join(', ')})`);
  return style;
}
