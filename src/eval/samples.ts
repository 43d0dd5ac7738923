/**
 * Evaluation input: JSONL lines `{"problem_id", "gold", "response", "score"?, "tokens"?}`, one per sampled
 * response (several per problem). Numbers are accepted for problem_id and gold and read as strings; a
 * response must be text.
 */
import { located, UserError } from '../core/errors.js';
import { readJsonl } from '../io/jsonl.js';

export interface EvalSample {
  problemId: string;
  gold: string;
  response: string;
  /** A reward model's or verifier's score; higher is better (best-of-N picks by it). */
  score?: number;
  /** Tokens in the response (accuracy vs tokens). */
  tokens?: number;
}

function str(v: unknown, file: string, line: number, field: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new UserError(located({ file, line, field }, 'expected a string'));
}

function text(v: unknown, file: string, line: number, field: string): string {
  if (typeof v === 'string') return v;
  const got =
    v === undefined
      ? 'it is missing'
      : `got ${JSON.stringify(v)?.slice(0, 40)} (${Array.isArray(v) ? 'a list' : typeof v})`;
  throw new UserError(located({ file, line, field }, `expected the model's text (a string), ${got}`));
}

export async function readSamples(file: string): Promise<EvalSample[]> {
  const out: EvalSample[] = [];
  const golds = new Map<string, { gold: string; line: number }>();
  for await (const { line, value: v } of readJsonl(file)) {
    const s: EvalSample = {
      problemId: str(v.problem_id, file, line, 'problem_id'),
      gold: str(v.gold, file, line, 'gold'),
      // a response is model output, always text: a number here means the file is not what it claims to be
      response: text(v.response, file, line, 'response'),
    };
    if (v.score !== undefined && v.score !== null) {
      if (typeof v.score !== 'number' || !Number.isFinite(v.score))
        throw new UserError(located({ file, line, field: 'score' }, 'expected a finite number'));
      s.score = v.score;
    }
    if (v.tokens !== undefined && v.tokens !== null) {
      if (!Number.isInteger(v.tokens) || (v.tokens as number) < 0)
        throw new UserError(located({ file, line, field: 'tokens' }, 'expected a non-negative integer'));
      s.tokens = v.tokens as number;
    }
    const seen = golds.get(s.problemId);
    if (seen && seen.gold !== s.gold)
      throw new UserError(
        located(
          { file, line, field: 'gold' },
          `problem ${s.problemId} had gold ${JSON.stringify(seen.gold)} on line ${seen.line}`,
        ),
      );
    if (!seen) golds.set(s.problemId, { gold: s.gold, line });
    out.push(s);
  }
  if (out.length === 0) throw new UserError(`${file}: no samples`);
  return out;
}
