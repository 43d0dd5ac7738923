import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml as esc, vegaLiteSvg as svg } from '../report/html.js';
import type { EvalSummary } from './evaluate.js';
import type { Comparison, RlChoice } from './evidence.js';
import type { GoalCheckStats } from './goal-checks.js';

const BASE_LABELS = {
  cot: 'CoT (optimal path)',
  cot_resample: 'CoT resampled to budget',
  metacot: 'Meta-CoT (stream of search)',
  metacot_star: 'Meta-CoT + STaR',
  metacot_rl: 'Meta-CoT + RL',
} as const;
const NO_TOOLS_KEYS = ['cot', 'metacot'] as const;

/** Every model a run can report, in table order: with the run's tools, then the SFT models without them. */
export const MODEL_KEYS = [
  ...(Object.keys(BASE_LABELS) as Array<keyof typeof BASE_LABELS>),
  ...NO_TOOLS_KEYS.map((k) => `${k}_no_tools` as const),
] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

export const MODEL_LABELS = {
  ...BASE_LABELS,
  ...Object.fromEntries(NO_TOOLS_KEYS.map((k) => [`${k}_no_tools`, `${BASE_LABELS[k]}, no tools`])),
} as Record<ModelKey, string>;

/** One model on one set. */
export interface TestSetResult extends EvalSummary {
  /** Test problems none of the symbolic solvers in the training mix solved, and how many of those this model solved. */
  symbolic_unsolved: number;
  solved_symbolic_unsolved: number;
  /** Distinct prompts (number multiset and target) among the n_eval problems: all of them, as sets are drawn. */
  n_distinct: number;
  /** Every goal check in the outputs against whether its result is the target (`goalChecks`). */
  goal_checks: GoalCheckStats;
  /** Of mean_tokens, how many a tool wrote per problem (runs with tools). */
  mean_tool_tokens?: number;
}

/**
 * The top-level numbers are held-out targets (the contract's); held-out inputs beside them, and the
 * validation sets the run's choices were made on.
 */
export interface ModelResult extends TestSetResult {
  held_out_inputs?: TestSetResult;
  valid?: TestSetResult;
  valid_inputs?: TestSetResult;
}

export interface Results {
  name: string;
  /** Which set the models' top-level numbers are: the held-out-targets test set, or in a validation-only run its validation twin. */
  top_level_set?: string;
  models: Partial<Record<ModelKey, ModelResult>>;
  /** Every "A beats B" the run tests, on every set: paired difference, its interval, McNemar's p. */
  comparisons: Comparison[];
  /** The meta-RL model chosen on validation (both validation sets pooled), and the accuracies it was chosen on. */
  rl_choice?: RlChoice;
  rl_choice_validation?: Partial<Record<RlChoice, number>>;
  /** Training loss per step, per trained model. */
  curves: Record<string, Array<{ step: number; loss: number }>>;
  /** Accuracy and tokens after each meta-RL iteration (iteration 0 is the Meta-CoT model). */
  iterations: Record<
    string,
    Array<{
      iteration: number;
      accuracy: number;
      mean_tokens: number;
      n_eval: number;
      test_inputs_accuracy?: number;
    }>
  >;
  stages: Record<string, { seconds: number }>;
  config: unknown;
}

const SET_TITLES: Array<[keyof ModelResult | null, string]> = [
  [null, 'held-out targets (test)'],
  ['held_out_inputs', 'held-out inputs (test)'],
  ['valid', 'held-out targets (validation)'],
  ['valid_inputs', 'held-out inputs (validation)'],
];

/** The table printed at the end of a run: one block per set, then the paired tests on the test sets. */
export function resultsTable(r: Results): string {
  const keys = MODEL_KEYS.filter((k) => r.models[k]);
  const tools = (r.config as { tools?: string[] } | null)?.tools ?? [];
  // With the goal test the checks are the tool's, right by construction: no column for them then.
  const columns = { goalChecks: !tools.includes('goal-test'), toolTokens: tools.length > 0 };
  const blocks: string[] = [];
  const validationOnly = r.top_level_set?.startsWith('validation') ?? false;
  for (const [field, title] of SET_TITLES) {
    if (validationOnly && field === 'valid') continue; // the top level already is
    const rows = keys.flatMap((k) => {
      const m = field === null ? r.models[k]! : (r.models[k]![field] as TestSetResult | undefined);
      return m ? [[k, m] as [ModelKey, TestSetResult]] : [];
    });
    const named = validationOnly && field === null ? 'held-out targets (validation)' : title;
    if (rows.length > 0) blocks.push(testSetTable(named, rows, columns));
  }
  const shown = validationOnly ? ['valid', 'valid-inputs'] : ['targets', 'inputs'];
  const tests = (r.comparisons ?? []).filter((c) => shown.includes(c.set));
  if (tests.length > 0) {
    blocks.push(
      [
        `paired tests on the ${validationOnly ? 'validation' : 'test'} sets (difference in points, 95% paired-bootstrap interval, exact McNemar p)`,
        ...tests.map(
          (c) =>
            `${c.set.endsWith('inputs') ? 'held-out inputs ' : 'held-out targets'}  ${c.a} vs ${c.b}: ` +
            `${signed(c.diff)} [${signed(c.diff_ci95[0])}, ${signed(c.diff_ci95[1])}], ` +
            `${c.a_only}/${c.b_only} discordant, p = ${c.p_mcnemar.toPrecision(2)}`,
        ),
      ].join('\n'),
    );
  }
  if (r.rl_choice) {
    const names: Record<RlChoice, string> = { metacot_rl: 'RL', metacot_star: 'STaR' };
    const v = Object.entries(r.rl_choice_validation ?? {}).map(
      ([k, x]) => `${names[k as RlChoice]} ${pct(x)}`,
    );
    blocks.push(`meta-RL model chosen on validation: ${r.rl_choice} (validation accuracy: ${v.join(', ')})`);
  }
  if (tools.length > 0)
    blocks.push(`tools (every model alike, except the "no tools" rows): ${tools.join(', ')}`);
  return blocks.join('\n\n');
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

function testSetTable(
  title: string,
  results: Array<[ModelKey, TestSetResult]>,
  columns: { goalChecks: boolean; toolTokens: boolean },
): string {
  const head = [
    'model',
    'accuracy',
    '95% CI',
    'tokens/problem',
    ...(columns.toolTokens ? ['by tools'] : []),
    'problems',
    'solved beyond solvers',
    ...(columns.goalChecks ? ['targets called goal', 'other results called goal'] : []),
  ];
  const rows = results.map(([k, m]) => [
    MODEL_LABELS[k],
    pct(m.accuracy),
    `${pct(m.ci95[0])}–${pct(m.ci95[1])}`,
    m.mean_tokens.toFixed(1),
    ...(columns.toolTokens ? [(m.mean_tool_tokens ?? 0).toFixed(1)] : []),
    // Test sets with repeated prompts (run folders from before they were distinct) say so.
    m.n_distinct === m.n_eval ? String(m.n_eval) : `${m.n_eval} (${m.n_distinct} distinct)`,
    `${m.solved_symbolic_unsolved}/${m.symbolic_unsolved}`,
    ...(columns.goalChecks
      ? [
          `${m.goal_checks.hits}/${m.goal_checks.hits + m.goal_checks.misses}`,
          `${m.goal_checks.false_goals}/${m.goal_checks.false_goals + m.goal_checks.rejections}`,
        ]
      : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A self-contained HTML report (inline SVG, no scripts, no network): viewable offline. */
export async function reportHtml(r: Results): Promise<string> {
  const models = MODEL_KEYS.filter((k) => r.models[k]).flatMap((k) => {
    const m = r.models[k]!;
    const sets: Array<[string, TestSetResult]> = [['held-out targets', m]];
    if (m.held_out_inputs) sets.push(['held-out inputs', m.held_out_inputs]);
    return sets.map(([set, e]) => ({
      model: MODEL_LABELS[k],
      set,
      accuracy: e.accuracy,
      lo: e.ci95[0],
      hi: e.ci95[1],
      tokens: e.mean_tokens,
    }));
  });
  const charts: Array<[string, TopLevelSpec]> = [
    [
      'Accuracy on the test sets (95% bootstrap interval over prompts)',
      {
        width: 420,
        height: 220,
        data: { values: models },
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'model', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } },
              yOffset: { field: 'set', type: 'nominal' },
              color: { field: 'set', type: 'nominal', title: 'test set' },
              x: {
                field: 'accuracy',
                type: 'quantitative',
                scale: { domain: [0, 1] },
                axis: { format: '.0%' },
                title: 'accuracy',
              },
            },
          },
          {
            mark: { type: 'rule', color: 'black' },
            encoding: {
              y: { field: 'model', type: 'nominal', sort: null },
              yOffset: { field: 'set', type: 'nominal' },
              x: { field: 'lo', type: 'quantitative', title: 'accuracy' },
              x2: { field: 'hi' },
            },
          },
        ],
      },
    ],
    [
      'Accuracy vs tokens generated per problem',
      {
        width: 420,
        height: 260,
        data: { values: models },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 'tokens', type: 'quantitative', title: 'mean tokens per problem' },
              y: {
                field: 'accuracy',
                type: 'quantitative',
                scale: { domain: [0, 1] },
                axis: { format: '.0%' },
              },
              color: { field: 'model', type: 'nominal' },
              shape: { field: 'set', type: 'nominal', title: 'test set' },
            },
          },
        ],
      },
    ],
  ];
  const curves = Object.entries(r.curves).flatMap(([model, pts]) => pts.map((p) => ({ model, ...p })));
  if (curves.length > 0) {
    charts.push([
      'Training loss (per token, learned positions)',
      {
        width: 420,
        height: 240,
        data: { values: curves },
        mark: 'line',
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
          color: { field: 'model', type: 'nominal' },
        },
      },
    ]);
  }
  const iters = Object.entries(r.iterations).flatMap(([method, pts]) => pts.map((p) => ({ method, ...p })));
  // Accuracy per iteration on each test set: held-out inputs as their own lines.
  const itersBySet = iters.flatMap((p) =>
    p.test_inputs_accuracy === undefined
      ? [p]
      : [p, { ...p, method: `${p.method}, held-out inputs`, accuracy: p.test_inputs_accuracy }],
  );
  if (iters.length > 0) {
    const perIteration = (y: object, values: object[] = iters): TopLevelSpec => ({
      width: 420,
      height: 240,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'iteration', type: 'ordinal' },
        y,
        color: { field: 'method', type: 'nominal' },
      },
    });
    charts.push(
      [
        'Meta-RL: accuracy per iteration',
        perIteration(
          {
            field: 'accuracy',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: { format: '.0%' },
          },
          itersBySet,
        ),
      ],
      [
        'Meta-RL: tokens per problem per iteration',
        perIteration({ field: 'mean_tokens', type: 'quantitative' }),
      ],
    );
  }
  const figures = await Promise.all(
    charts.map(
      async ([title, spec]) => `<figure><figcaption>${esc(title)}</figcaption>${await svg(spec)}</figure>`,
    ),
  );
  const stages = Object.entries(r.stages)
    .map(([name, s]) => `<tr><td>${esc(name)}</td><td>${s.seconds.toFixed(1)} s</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>metacot — ${esc(r.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
pre{background:#f6f6f6;padding:1em;overflow:auto}figure{display:inline-block;margin:1em 1em 1em 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:.4em}table{border-collapse:collapse}td{padding:.2em 1em .2em 0}</style></head>
<body><h1>metacot run: ${esc(r.name)}</h1>
<p>Meta-CoT (trained on linearized search) vs classical CoT (trained on the optimal path only), same model size and token budget, then meta-RL from the Meta-CoT model. Every number is recomputable from <code>predictions/*.jsonl</code>.</p>
<pre>${esc(resultsTable(r))}</pre>
${figures.join('\n')}
<h2>Wall time per stage</h2><table>${stages}</table>
<h2>Config</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>
</body></html>
`;
}
