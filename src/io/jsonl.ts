import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { located, UserError } from '../core/errors.js';

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
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UserError(located({ file, line }, `not valid JSON (${(err as Error).message})`));
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError(located({ file, line }, 'expected a JSON object'));
    }
    yield { line, value: value as Record<string, unknown> };
  }
}
