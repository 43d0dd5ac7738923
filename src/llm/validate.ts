import { UserError } from '../core/errors.js';
import type { CompletionRequest } from './backend.js';

const ROLES = new Set(['system', 'user', 'assistant']);

/** Checks a CompletionRequest before any backend spends time on it; throws a one-line UserError. */
export function validateRequest(r: CompletionRequest): void {
  const bad = (field: string, msg: string): never => {
    throw new UserError(`completion request: ${field} ${msg}`);
  };
  if ((r.prompt === undefined) === (r.messages === undefined))
    bad('prompt/messages', 'exactly one must be set');
  if (r.prompt !== undefined && typeof r.prompt !== 'string') bad('prompt', 'must be a string');
  if (r.messages !== undefined) {
    if (!Array.isArray(r.messages) || r.messages.length === 0) bad('messages', 'must be a non-empty array');
    r.messages.forEach((m, i) => {
      if (!m || !ROLES.has(m.role)) bad(`messages[${i}].role`, 'must be system, user or assistant');
      if (typeof m.content !== 'string') bad(`messages[${i}].content`, 'must be a string');
    });
  }
  if (!Number.isInteger(r.maxTokens) || r.maxTokens < 0)
    bad('maxTokens', `must be an integer >= 0, got ${r.maxTokens}`);
  if (r.n !== undefined && (!Number.isInteger(r.n) || r.n < 1))
    bad('n', `must be an integer >= 1, got ${r.n}`);
  if (r.temperature !== undefined && !(r.temperature >= 0))
    bad('temperature', `must be >= 0, got ${r.temperature}`);
  if (r.topP !== undefined && !(r.topP > 0 && r.topP <= 1)) bad('topP', `must be in (0, 1], got ${r.topP}`);
  if (
    r.stop !== undefined &&
    (!Array.isArray(r.stop) || !r.stop.every((s) => typeof s === 'string' && s !== ''))
  )
    bad('stop', 'must be an array of non-empty strings');
  if (r.seed !== undefined && !Number.isSafeInteger(r.seed)) bad('seed', `must be an integer, got ${r.seed}`);
}
