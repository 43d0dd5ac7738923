/**
 * The two kinds of rows every exporter (and the NeoX rollout server) reads:
 *
 * - problems, for RL: `{ problem, answer, source?, id?, ... }`. The gold `answer` is what the verifier
 *   grades against; other fields are kept as extra info.
 * - SFT records (linearized search traces or plain solutions): `{ prompt, completion, messages?, meta? }`.
 *
 * Both are read from JSONL with file:line errors. `question`/`solution`/`gold` are accepted as aliases,
 * because those are the names other datasets use for the same thing.
 */
import { located, UserError } from '../core/errors.js';
import { readJsonl } from '../io/jsonl.js';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ProblemRow {
  problem: string;
  answer: string;
  source?: string;
  id?: string;
  /** other fields of the input line, kept for `extra_info` / metadata */
  extra: Record<string, unknown>;
  /** where it came from, for messages */
  where: { file: string; line: number };
}

export interface SftRow {
  prompt: string;
  completion: string;
  messages?: ChatTurn[];
  meta?: Record<string, unknown>;
  where: { file: string; line: number };
}

export type RowKind = 'problems' | 'sft';

const PROBLEM_KEYS = ['problem', 'question'];
const ANSWER_KEYS = ['answer', 'gold', 'solution'];

function pick(v: Record<string, unknown>, keys: string[]): [string, unknown] | undefined {
  for (const k of keys) if (v[k] !== undefined) return [k, v[k]];
  return undefined;
}

/** Which kind a line is: SFT when it has `completion` or `messages`, problems when it has a problem text. */
export function rowKind(v: Record<string, unknown>): RowKind | undefined {
  if (v.completion !== undefined || v.messages !== undefined) return 'sft';
  if (pick(v, PROBLEM_KEYS) !== undefined) return 'problems';
  return undefined;
}

function parseMessages(v: unknown, where: { file: string; line: number }): ChatTurn[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new UserError(
      located({ ...where, field: 'messages' }, 'expected a non-empty array of {role, content}'),
    );
  return v.map((m, k) => {
    const o = m as Record<string, unknown> | null;
    if (
      o === null ||
      typeof o !== 'object' ||
      !['system', 'user', 'assistant'].includes(o.role as string) ||
      typeof o.content !== 'string'
    )
      throw new UserError(
        located(
          { ...where, field: `messages[${k}]` },
          'expected {role: system|user|assistant, content: string}',
        ),
      );
    return { role: o.role as ChatTurn['role'], content: o.content };
  });
}

export function parseProblem(v: Record<string, unknown>, where: { file: string; line: number }): ProblemRow {
  const p = pick(v, PROBLEM_KEYS);
  if (p === undefined || typeof p[1] !== 'string' || p[1].trim() === '')
    throw new UserError(located({ ...where, field: 'problem' }, 'expected a non-empty string'));
  const a = pick(v, ANSWER_KEYS);
  if (a === undefined)
    throw new UserError(located({ ...where, field: 'answer' }, 'missing (the gold answer)'));
  const answer = typeof a[1] === 'number' ? String(a[1]) : a[1];
  if (typeof answer !== 'string' || answer.trim() === '')
    throw new UserError(located({ ...where, field: a[0] }, 'expected a non-empty string or a number'));
  if (v.source !== undefined && typeof v.source !== 'string')
    throw new UserError(located({ ...where, field: 'source' }, 'expected a string'));
  const id = v.id === undefined ? undefined : String(v.id);
  const extra: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    if (k !== p[0] && k !== a[0] && k !== 'source' && k !== 'id') extra[k] = x;
  return { problem: p[1], answer, source: v.source as string | undefined, id, extra, where };
}

export function parseSft(v: Record<string, unknown>, where: { file: string; line: number }): SftRow {
  const messages = v.messages === undefined ? undefined : parseMessages(v.messages, where);
  let prompt = v.prompt;
  let completion = v.completion;
  if (messages && (prompt === undefined || completion === undefined)) {
    // a conversation alone: the last assistant turn is the completion, the user turn before it the prompt
    const last = messages.length - 1;
    if (messages[last]!.role !== 'assistant')
      throw new UserError(
        located({ ...where, field: 'messages' }, 'the last message must be the assistant turn'),
      );
    completion ??= messages[last]!.content;
    prompt ??= [...messages.slice(0, last)].reverse().find((m) => m.role === 'user')?.content ?? '';
  }
  if (typeof prompt !== 'string')
    throw new UserError(located({ ...where, field: 'prompt' }, 'expected a string'));
  if (typeof completion !== 'string' || completion === '')
    throw new UserError(located({ ...where, field: 'completion' }, 'expected a non-empty string'));
  if (v.meta !== undefined && (v.meta === null || typeof v.meta !== 'object' || Array.isArray(v.meta)))
    throw new UserError(located({ ...where, field: 'meta' }, 'expected an object'));
  return { prompt, completion, messages, meta: v.meta as Record<string, unknown> | undefined, where };
}

/** The chat form of an SFT row: its own messages, else one user turn and one assistant turn. */
export function sftMessages(row: SftRow, system?: string): ChatTurn[] {
  const turns: ChatTurn[] = row.messages ?? [
    { role: 'user', content: row.prompt },
    { role: 'assistant', content: row.completion },
  ];
  return system !== undefined && turns[0]?.role !== 'system'
    ? [{ role: 'system', content: system }, ...turns]
    : turns;
}

export type AnyRows = { kind: 'problems'; rows: ProblemRow[] } | { kind: 'sft'; rows: SftRow[] };

/**
 * Reads a whole JSONL file of one kind. `kind` forces it; otherwise the first line decides, and a later
 * line of the other kind is an error naming its line.
 */
export async function readRows(file: string, kind?: RowKind): Promise<AnyRows> {
  const problems: ProblemRow[] = [];
  const sft: SftRow[] = [];
  let decided = kind;
  for await (const { line, value } of readJsonl(file)) {
    const where = { file, line };
    const k = rowKind(value);
    if (k === undefined)
      throw new UserError(
        located(
          where,
          'neither a problem ({problem, answer}) nor an SFT record ({prompt, completion} or {messages})',
        ),
      );
    decided ??= k;
    if (k !== decided)
      throw new UserError(
        located(
          where,
          `looks like ${k === 'sft' ? 'an SFT record' : 'a problem'}, but the file holds ${decided}`,
        ),
      );
    if (decided === 'problems') problems.push(parseProblem(value, where));
    else sft.push(parseSft(value, where));
  }
  if (decided === undefined) throw new UserError(`${file}: no rows`);
  return decided === 'problems' ? { kind: 'problems', rows: problems } : { kind: 'sft', rows: sft };
}

/** Problems only (the RL exporters and the rollout server). */
export async function readProblems(file: string): Promise<ProblemRow[]> {
  const r = await readRows(file, 'problems');
  return r.rows as ProblemRow[];
}
