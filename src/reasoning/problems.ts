import { located, UserError } from '../core/errors.js';
import { parseProblem } from '../export/rows.js';
import { readJsonl } from '../io/jsonl.js';

/** A problem with a verifiable final answer (Big-Math's `problem` / `answer` columns). */
export interface MathProblem {
  id: string;
  problem: string;
  /** The gold final answer, as the verifier compares it (LaTeX or plain). */
  gold: string;
}

/**
 * Reads problems from JSONL with the field names every exporter reads (`parseProblem`: `problem` or
 * `question`, `answer` or `gold` or `solution`), so a file `metacot export` takes is one `metacot search`
 * takes. `id` is optional (the 1-based line number otherwise). Ids must be unique, since a store resumes
 * and merges by them.
 */
export async function loadProblems(file: string): Promise<MathProblem[]> {
  const out: MathProblem[] = [];
  const seen = new Set<string>();
  for await (const { line, value } of readJsonl(file)) {
    const row = parseProblem(value, { file, line });
    if (value.id !== undefined && typeof value.id !== 'string' && typeof value.id !== 'number')
      throw new UserError(located({ file, line, field: 'id' }, 'expected a string or number'));
    const id = row.id ?? String(line);
    if (seen.has(id)) throw new UserError(located({ file, line, field: 'id' }, `duplicate id '${id}'`));
    seen.add(id);
    out.push({ id, problem: row.problem, gold: row.answer });
  }
  if (out.length === 0) throw new UserError(`${file}: no problems`);
  return out;
}
