import { createReadStream } from 'node:fs';
import type { RawRow } from '../types.js';

/**
 * A JSON file holding one top-level array of objects, streamed element by element: a scanner
 * tracks strings and nesting and hands each complete element to JSON.parse, so memory is bounded
 * by the largest element, not the file. Each element's line is the line where it starts.
 */
export async function* readJsonArrayRows(file: string): AsyncGenerator<RawRow> {
  let line = 1;
  let started = false; // saw the opening '['
  let ended = false; // saw the closing ']'
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let buf = ''; // text of the current element from earlier chunks
  let elementLine = 0; // 0 while between elements

  const finish = (text: string): RawRow | null => {
    const at = elementLine;
    elementLine = 0;
    text = text.trim();
    if (text === '') return null;
    try {
      const value = JSON.parse(text) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { kind: 'malformed', file, line: at, message: 'expected a JSON object' };
      }
      return { kind: 'row', file, line: at, value: value as Record<string, unknown> };
    } catch (err) {
      return { kind: 'malformed', file, line: at, message: `not valid JSON (${(err as Error).message})` };
    }
  };

  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const s = chunk as string;
    let from = 0; // where the current element's text starts in this chunk
    for (let i = 0; i < s.length && !ended; i++) {
      const c = s.charCodeAt(i);
      if (c === 10) line++;
      if (!started) {
        if (c === 91 /* [ */) {
          started = true;
          from = i + 1;
        } else if (!isSpace(c) && c !== 0xfeff) {
          yield { kind: 'malformed', file, line, message: 'expected a JSON array of objects' };
          return;
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (depth === 0 && elementLine === 0 && !isSpace(c) && c !== 44 && c !== 93) elementLine = line;
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if ((c === 125 || c === 93) && depth > 0) depth--;
      else if (depth === 0 && (c === 44 /* , */ || c === 93) /* ] */) {
        const row = finish(buf + s.slice(from, i));
        buf = '';
        from = i + 1;
        if (c === 93) ended = true;
        if (row) yield row;
      }
    }
    if (!ended) buf += s.slice(from);
  }
  if (!started) yield { kind: 'malformed', file, line: 1, message: 'expected a JSON array of objects' };
  else if (!ended) yield { kind: 'malformed', file, line, message: 'unterminated JSON array' };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
