import { readJsonlLines } from '../../io/jsonl.js';
import type { RawRow } from '../types.js';

/**
 * JSON Lines, streamed line by line. A line that is not a JSON object becomes a `malformed` row
 * (file, line, why) instead of an error: one bad line must not stop a million-row build.
 */
export async function* readJsonlRows(file: string): AsyncGenerator<RawRow> {
  for await (const l of readJsonlLines(file)) {
    if (l.error !== undefined) yield { kind: 'malformed', file, line: l.line, message: l.error };
    else yield { kind: 'row', file, line: l.line, value: l.value };
  }
}
