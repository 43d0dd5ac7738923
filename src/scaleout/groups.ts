/**
 * One NeoX group: a problem's prompt ids, K ≥ 2 sampled completions as ids, and one reward per completion.
 *
 * - Ids come from the trainer's tokenizer: the prompt is encoded as the serving engine sees it (with BOS), each
 *   completion's text is re-encoded without specials and gets EOS when it ended by itself. OpenAI-compatible
 *   servers return text, not ids (protocol note §7), so re-encoding is the only portable route.
 * - Length: NeoX pads to seq_length + 1 and never truncates, so prefix + completion must fit in it. Generation
 *   is capped to the room left (one token kept for EOS); a completion that re-encodes longer is cut to fit and
 *   graded 0, like one that hit the limit. A prompt that leaves no room is skipped with a reason, never sent.
 * - Rewards (E-RL²): the verifier grades the final answer only; a completion cut by the length limit has no
 *   final answer and gets 0. With `gamma`, a correct completion of |Z| tokens earns γ^|Z|, which prefers the
 *   shorter of two correct searches. NeoX computes the leave-one-out baseline itself.
 */
import type { ProblemRow } from '../export/rows.js';
import type { Completion, LMBackend } from '../llm/backend.js';
import type { VerifyInput, VerifyResult } from '../verify/verify.js';
import type { TrainerTokenizer } from './tokenizer.js';

export interface NeoxGroup {
  prefix: number[];
  completions: number[][];
  rewards: number[];
}

export interface GroupOptions {
  /** completions per prompt (≥ 2, for the leave-one-out baseline) */
  k: number;
  /** NeoX `seq_length`: prefix + completion ≤ seqLength + 1 */
  seqLength: number;
  /** upper bound on generated tokens, below what the context leaves */
  maxTokens: number;
  temperature: number;
  topP?: number;
  /** discount γ in (0, 1]: reward γ^|Z| for a correct completion of |Z| tokens; undefined = no discount */
  gamma?: number;
  /** extra stop strings (the EOS token's text is added by the server) */
  stop?: string[];
}

export interface GroupDeps {
  backend: LMBackend;
  tokenizer: TrainerTokenizer;
  verify: (items: VerifyInput[]) => Promise<VerifyResult[]>;
}

export type GroupOutcome =
  | { ok: true; group: NeoxGroup; correct: number; cut: number }
  | { ok: false; reason: 'prompt_too_long' | 'too_few_completions'; message: string };

/** Smallest room worth generating into: one content token and EOS. */
const MIN_ROOM = 2;

/** Prompt ids as the server tokenizes the text: with BOS, unless the text already starts with it. */
export function promptIds(tokenizer: TrainerTokenizer, text: string): number[] {
  const withSpecials = tokenizer.encodePrompt(text);
  const plain = tokenizer.encodeCompletion(text);
  // a template that spells out BOS itself would otherwise get a second one from the post-processor
  if (withSpecials.length > plain.length && plain.length > 0 && withSpecials[0] === plain[0]) return plain;
  return withSpecials;
}

export function describeProblem(p: ProblemRow): string {
  return `${p.where.file}:${p.where.line}${p.id !== undefined ? ` (id ${p.id})` : ''}`;
}

export async function buildGroup(
  problem: ProblemRow,
  promptText: string,
  opts: GroupOptions,
  deps: GroupDeps,
  signal?: AbortSignal,
): Promise<GroupOutcome> {
  const { tokenizer } = deps;
  const prefix = promptIds(tokenizer, promptText);
  const limit = opts.seqLength + 1;
  const room = limit - prefix.length;
  if (room < MIN_ROOM) {
    return {
      ok: false,
      reason: 'prompt_too_long',
      message:
        `${describeProblem(problem)}: prompt is ${prefix.length} tokens, but the trainer's seq_length + 1 = ${limit} ` +
        `leaves room for ${Math.max(0, room)} completion tokens; skipped, not sent`,
    };
  }
  const result = await deps.backend.complete(
    {
      prompt: promptText,
      n: opts.k,
      maxTokens: Math.min(opts.maxTokens, room - 1),
      temperature: opts.temperature,
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      stop: [...new Set([tokenizer.eosToken, ...(opts.stop ?? [])])],
    },
    signal,
  );
  const samples: Completion[] = result.completions.slice(0, opts.k);
  if (samples.length < 2) {
    return {
      ok: false,
      reason: 'too_few_completions',
      message: `${describeProblem(problem)}: the policy returned ${samples.length} completion(s), need ≥ 2 for leave-one-out; skipped`,
    };
  }
  const completions: number[][] = [];
  const cutFlags: boolean[] = [];
  for (const s of samples) {
    let ids = tokenizer.encodeCompletion(s.text);
    if (s.finishReason === 'stop') ids.push(tokenizer.eosId);
    let cut = s.finishReason === 'length';
    if (ids.length > room) {
      ids = ids.slice(0, room);
      cut = true;
    }
    completions.push(ids);
    cutFlags.push(cut);
  }
  const verdicts = await deps.verify(samples.map((s) => ({ gold: problem.answer, response: s.text })));
  let correct = 0;
  const rewards = verdicts.map((v, k) => {
    if (!v.correct || cutFlags[k]) return 0;
    correct++;
    return opts.gamma === undefined ? 1 : opts.gamma ** completions[k]!.length;
  });
  return {
    ok: true,
    group: { prefix, completions, rewards },
    correct,
    cut: cutFlags.filter(Boolean).length,
  };
}
