import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { located, UserError } from '../core/errors.js';

export type JsonlLine =
  | { line: number; value: Record<string, unknown>; error?: undefined }
  | { line: number; value?: undefined; error: string };

/**
 * Every non-blank line of a JSONL file, streamed with bounded memory, parsed into an object or
 * paired with why it is not one. Callers decide whether a bad line is fatal (`readJsonl`) or is
 * reported and skipped (Big-Math curation, where one bad line must not stop a million-row build).
 */
export async function* readJsonlLines(file: string): AsyncGenerator<JsonlLine> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, error: `not valid JSON (${(err as Error).message})` };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, error: 'expected a JSON object' };
      continue;
    }
    yield { line, value: value as Record<string, unknown> };
  }
}

/**
 * Reads a JSONL file line by line with bounded memory, yielding each parsed object with its
 * 1-based line number. Blank lines are skipped; a line that is not a JSON object is a UserError
 * naming file and line.
 */
export async function* readJsonl(
  file: string,
): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
  if (!existsSync(file)) throw new UserError(`${file}: no such file`);
  if (statSync(file).isDirectory()) throw new UserError(`${file}: is a folder, expected a .jsonl file`);
  for await (const l of readJsonlLines(file)) {
    if (l.error !== undefined) throw new UserError(located({ file, line: l.line }, l.error));
    yield l;
  }
}
