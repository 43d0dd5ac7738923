import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Comparison } from './evidence.js';
import { MODEL_KEYS, MODEL_LABELS, type ModelKey, type ModelResult, type Results } from './report.js';

/** What `metacot seeds` reads from each run folder: its seed and results.json. */
interface SeedRun {
  dir: string;
  seed: number;
  results: Results & Record<string, unknown>;
}

function readRun(dir: string): SeedRun {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new UserError(`${dir}: no results.json (not a finished run folder)`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as SeedRun['results'];
  if (!Array.isArray(results.comparisons)) {
    throw new UserError(
      `${file}: no 'comparisons' (written by a metacot older than the paired tests); rerun it`,
    );
  }
  if (results.top_level_set?.startsWith('validation')) {
    throw new UserError(
      `${dir}: a validation-only run (eval.validationOnly) has no test results to tabulate`,
    );
  }
  const seed = (results.config as { seed?: number } | undefined)?.seed ?? Number.NaN;
  return { dir, seed, results };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(1)}`;
const p = (x: number) => (x < 0.001 ? x.toExponential(0) : x.toPrecision(2));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const SETS: Array<[Comparison['set'], string, (m: ModelResult) => ModelResult | undefined]> = [
  ['inputs', 'held-out inputs', (m) => m.held_out_inputs],
  ['targets', 'held-out targets', (m) => m],
];

/**
 * Markdown tables of several runs of the main job (one per seed): each model's test accuracy per seed
 * with its bootstrap interval, and the mean; then each claim's paired difference per seed with its
 * McNemar p, and the mean difference. Reads only results.json: every number is the runs' own.
 */
export function seedsTable(dirs: readonly string[]): string {
  if (dirs.length === 0) throw new UserError('name at least one run folder');
  const runs = dirs.map(readRun);
  const keys = MODEL_KEYS.filter((k) => runs.every((r) => r.results.models[k]));
  const head = (first: string) =>
    `| ${first} | ${runs.map((r) => `seed ${r.seed}`).join(' | ')} | mean |\n|---|${runs.map(() => '---|').join('')}---|`;
  const out: string[] = [];
  for (const [set, title, pick] of SETS) {
    const rows = keys.flatMap((k: ModelKey) => {
      const per = runs.map((r) => pick(r.results.models[k]!));
      if (per.some((m) => m === undefined)) return [];
      const cells = per.map((m) => `${pct(m!.accuracy)} (${pct(m!.ci95[0])}–${pct(m!.ci95[1])})`);
      return [`| ${MODEL_LABELS[k]} | ${cells.join(' | ')} | ${pct(mean(per.map((m) => m!.accuracy)))} |`];
    });
    if (rows.length === 0) continue;
    const n = runs.map((r) => pick(r.results.models[keys[0]]!)?.n_eval ?? 0);
    out.push(`${title}, test set (% solved, 95% bootstrap interval; ${n.join(', ')} distinct prompts)\n`);
    out.push(head('model'), ...rows, '');
    const claims = runs[0].results.comparisons.filter((c) => c.set === set);
    const claimRows = claims.map((c) => {
      const per = runs.map((r) =>
        r.results.comparisons.find((x) => x.set === set && x.a === c.a && x.b === c.b),
      );
      const cells = per.map((x) => (x ? `${signed(x.diff)} (p ${p(x.p_mcnemar)})` : '–'));
      const diffs = per.flatMap((x) => (x ? [x.diff] : []));
      return `| ${c.a} vs ${c.b} | ${cells.join(' | ')} | ${signed(mean(diffs))} |`;
    });
    // The meta-RL model each seed chose on validation, against Meta-CoT: the claim the choice is for.
    const chosen = runs.map((r) =>
      r.results.comparisons.find((x) => x.set === set && x.a === r.results.rl_choice && x.b === 'metacot'),
    );
    if (chosen.every((x) => x !== undefined)) {
      const cells = chosen.map((x) => `${signed(x!.diff)} (p ${p(x!.p_mcnemar)})`);
      claimRows.push(
        `| rl_choice vs metacot | ${cells.join(' | ')} | ${signed(mean(chosen.map((x) => x!.diff)))} |`,
      );
    }
    out.push(`${title}: paired differences (points; exact McNemar p)\n`, head('claim'), ...claimRows, '');
  }
  const choices = runs.map((r) => `seed ${r.seed}: ${r.results.rl_choice ?? '–'}`);
  out.push(`meta-RL model chosen on validation: ${choices.join(', ')}`);
  return out.join('\n');
}
