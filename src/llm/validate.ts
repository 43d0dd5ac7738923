import { UserError } from '../core/errors.js';
import type { CompletionRequest, SamplingKnob } from './backend.js';

const ROLES = new Set(['system', 'user', 'assistant']);

/** A knob's value that changes nothing, so any backend honours it. */
const NEUTRAL: Record<SamplingKnob, number> = { topK: 0, minP: 0, repetitionPenalty: 1 };

/**
 * Checks a CompletionRequest before any backend spends time on it; throws a one-line UserError. A sampling knob
 * outside `knobs` (the ones the calling backend honours) is refused unless it is set to its neutral value.
 */
export function validateRequest(r: CompletionRequest, knobs: readonly SamplingKnob[] = []): void {
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
  if (r.topK !== undefined && !(Number.isInteger(r.topK) && r.topK >= 0))
    bad('topK', `must be an integer >= 0, got ${r.topK}`);
  if (r.minP !== undefined && !(r.minP >= 0 && r.minP <= 1)) bad('minP', `must be in [0, 1], got ${r.minP}`);
  if (r.repetitionPenalty !== undefined && !(r.repetitionPenalty > 0 && Number.isFinite(r.repetitionPenalty)))
    bad('repetitionPenalty', `must be a number > 0, got ${r.repetitionPenalty}`);
  for (const k of Object.keys(NEUTRAL) as SamplingKnob[])
    if (r[k] !== undefined && r[k] !== NEUTRAL[k] && !knobs.includes(k))
      bad(k, 'is not supported by this backend');
  if (
    r.stop !== undefined &&
    (!Array.isArray(r.stop) || !r.stop.every((s) => typeof s === 'string' && s !== ''))
  )
    bad('stop', 'must be an array of non-empty strings');
  if (r.seed !== undefined && !Number.isSafeInteger(r.seed)) bad('seed', `must be an integer, got ${r.seed}`);
}
