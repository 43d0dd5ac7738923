/** One line of the curated output: Big-Math's columns, then provenance and signals. */
import type { Signals } from './types.js';

export interface OutputRow {
  /** content hash of problem + answer: stable across runs, the key of the difficulty checkpoint */
  id: string;
  problem: string;
  answer: string | null;
  source: string;
  domain: string | null;
  /** fraction of verified-correct rollouts, null when difficulty was not measured */
  solve_rate: number | null;
  /** Big-Math quintile by solve rate: 1 = easiest (> 80%) … 5 = hardest (< 20%) */
  difficulty: number | null;
  file: string;
  line: number;
  answer_from: 'field' | 'solution' | null;
  /** signals that fired on this row (kept rows carry only those configured not to remove) */
  signals: Signals;
  /** removed rows only: the signals that removed it */
  removed_by?: string[];
}

/** The files `metacot data build` writes in its output folder. */
export const BUILD_FILES = {
  jsonl: 'problems.jsonl',
  parquet: 'problems.parquet',
  removed: 'removed.jsonl',
  reportJson: 'report.json',
  reportHtml: 'report.html',
  /** kept rows waiting for their difficulty (removed once the final outputs are written) */
  staging: 'kept.staging.jsonl',
  /** finished difficulty measurements: kept, so a rerun resumes */
  difficultyCheckpoint: 'difficulty.checkpoint.jsonl',
} as const;
