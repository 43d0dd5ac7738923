import { located, UserError } from '../core/errors.js';
import { readJsonl } from '../io/jsonl.js';

/** A problem with a verifiable final answer (Big-Math's `problem` / `answer` columns). */
export interface MathProblem {
  id: string;
  problem: string;
  /** The gold final answer, as the verifier compares it (LaTeX or plain). */
  gold: string;
}

/**
 * Reads problems from JSONL: `problem` and `answer` (or `gold`) are required, `id` is optional (the
 * 1-based line number otherwise). Ids must be unique, since a store resumes and merges by them.
 */
export async function loadProblems(file: string): Promise<MathProblem[]> {
  const out: MathProblem[] = [];
  const seen = new Set<string>();
  for await (const { line, value } of readJsonl(file)) {
    const text = value.problem;
    if (typeof text !== 'string' || text.trim() === '')
      throw new UserError(located({ file, line, field: 'problem' }, 'expected a non-empty string'));
    const gold = value.answer ?? value.gold;
    if (typeof gold !== 'string' && typeof gold !== 'number')
      throw new UserError(
        located({ file, line, field: 'answer' }, 'expected a string or number (or a `gold` field)'),
      );
    const rawId = value.id ?? String(line);
    if (typeof rawId !== 'string' && typeof rawId !== 'number')
      throw new UserError(located({ file, line, field: 'id' }, 'expected a string or number'));
    const id = String(rawId);
    if (seen.has(id)) throw new UserError(located({ file, line, field: 'id' }, `duplicate id '${id}'`));
    seen.add(id);
    out.push({ id, problem: text, gold: String(gold) });
  }
  if (out.length === 0) throw new UserError(`${file}: no problems`);
  return out;
}
