import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml as esc, vegaLiteSvg as svg } from '../report/html.js';
import type { EvalSummary } from './evaluate.js';
import type { GoalCheckStats } from './goal-checks.js';

export const MODEL_KEYS = ['cot', 'metacot', 'metacot_star', 'metacot_rl'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];

export const MODEL_LABELS: Record<ModelKey, string> = {
  cot: 'CoT (optimal path)',
  metacot: 'Meta-CoT (stream of search)',
  metacot_star: 'Meta-CoT + STaR',
  metacot_rl: 'Meta-CoT + RL',
};

/** One model on one test set. */
export interface TestSetResult extends EvalSummary {
  /** Test problems none of the symbolic solvers in the training mix solved, and how many of those this model solved. */
  symbolic_unsolved: number;
  solved_symbolic_unsolved: number;
  /**
   * Distinct prompts among the n_eval problems. Test problems are independent draws, so a small
   * problem space repeats prompts, and intervals that assume n_eval independent problems are too narrow.
   */
  n_distinct: number;
  /** Every goal check in the outputs against whether its result is the target (`goalChecks`). */
  goal_checks: GoalCheckStats;
  /** Of mean_tokens, how many a tool wrote per problem (runs with tools). */
  mean_tool_tokens?: number;
}

/** The top-level numbers are held-out targets (the contract's); held-out inputs beside them when the task has them. */
export interface ModelResult extends TestSetResult {
  held_out_inputs?: TestSetResult;
}

export interface Results {
  name: string;
  models: Partial<Record<ModelKey, ModelResult>>;
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

/** The table printed at the end of a run: one block per test set. */
export function resultsTable(r: Results): string {
  const keys = MODEL_KEYS.filter((k) => r.models[k]);
  const tools = (r.config as { tools?: string[] } | null)?.tools ?? [];
  // With the goal test the checks are the tool's, right by construction: no column for them then.
  const columns = { goalChecks: !tools.includes('goal-test'), toolTokens: tools.length > 0 };
  const blocks = [
    testSetTable(
      'held-out targets',
      keys.map((k) => [k, r.models[k]!]),
      columns,
    ),
  ];
  const inputs = keys.flatMap((k) => {
    const m = r.models[k]!.held_out_inputs;
    return m ? [[k, m] as [ModelKey, TestSetResult]] : [];
  });
  if (inputs.length > 0) blocks.push(testSetTable('held-out inputs (train targets)', inputs, columns));
  if (tools.length > 0) blocks.push(`tools (every model alike): ${tools.join(', ')}`);
  return blocks.join('\n\n');
}

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
      'Accuracy on held-out problems (95% Wilson interval)',
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
