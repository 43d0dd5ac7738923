/**
 * Request and response shapes of the reward server. The OpenRLHF remote-reward contract (`--reward.remote_url`):
 * POST `{ query, prompts, labels }` → `{ rewards, scores, extra_logs }`. Plus `/verify` for clients that want the
 * whole verdict (the verl and TRL shims in integrations/).
 */
import type { VerifyInput, VerifyResult } from '../verify/verify.js';

export interface RewardRequest {
  /** full decoded prompt + response per sample (OpenRLHF sends special tokens too) */
  query: string[];
  /** the prompt of each sample; stripped from the front of `query` so only the response is graded */
  prompts?: string[];
  /** gold answers, one per sample */
  labels: string[];
}

export interface RewardResponse {
  /** used for advantages: 1 when the answer verifies, else 0 */
  rewards: number[];
  /** 0-1 scores for dynamic filtering (same as rewards here) */
  scores: number[];
  /** per-sample 0/1 flags, logged by OpenRLHF to wandb */
  extra_logs: Record<'correct' | 'no_answer' | 'hedged' | 'timeout', number[]>;
}

export interface VerifyRequest {
  items: VerifyInput[];
}

export interface VerifyResponse {
  results: VerifyResult[];
}

export interface ErrorResponse {
  error: string;
}
