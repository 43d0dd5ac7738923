/** A self-contained HTML page for an EvalReport: a table and inline SVG plots (Vega-Lite, no scripts, offline). */
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml as esc, vegaLiteSvg as svg } from '../report/html.js';
import type { EvalReport } from './evaluate.js';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export async function evalReportHtml(r: EvalReport, title: string): Promise<string> {
  const points = r.ks.flatMap((k) =>
    (['pass', 'maj', 'bon'] as const)
      .filter((m) => r.metrics[`${m}@${k}`] !== null)
      .map((m) => ({ k, metric: `${m}@k`, value: r.metrics[`${m}@${k}`] })),
  );
  const figures: Array<[string, TopLevelSpec]> = [
    [
      'Accuracy against the number of samples k',
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 420,
        height: 260,
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'k', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'k (samples)' },
          y: {
            field: 'value',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: { format: '%' },
            title: 'accuracy',
          },
          color: { field: 'metric', type: 'nominal', title: null },
        },
      },
    ],
  ];
  if (r.accuracy_vs_tokens)
    figures.push([
      'Accuracy against response length (bins of equal sample count)',
      {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 420,
        height: 260,
        data: { values: r.accuracy_vs_tokens },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'mean_tokens', type: 'quantitative', title: 'mean tokens in bin' },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: { format: '%' },
            title: 'accuracy',
          },
        },
      },
    ]);
  const rows = r.ks
    .map(
      (k) =>
        `<tr><td>${k}</td><td>${pct(r.metrics[`pass@${k}`])}</td><td>${pct(r.metrics[`maj@${k}`])}</td><td>${pct(r.metrics[`bon@${k}`])}</td></tr>`,
    )
    .join('\n');
  const plots = await Promise.all(
    figures.map(async ([t, spec]) => `<figure><figcaption>${esc(t)}</figcaption>${await svg(spec)}</figure>`),
  );
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}figure{margin:1.5em 0}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>${r.problems} problems, ${r.samples} samples (${r.min_samples_per_problem}–${r.max_samples_per_problem} per problem);
${pct(r.accuracy)} of samples correct${r.mean_tokens === null ? '' : `; ${r.mean_tokens.toFixed(1)} tokens on average`}.
pass@k is the unbiased estimator of Chen et al. (2021); maj@k and best-of-N@k average over disjoint groups of k samples.</p>
<table><thead><tr><th>k</th><th>pass@k</th><th>maj@k</th><th>best-of-N@k</th></tr></thead><tbody>
${rows}
</tbody></table>
${plots.join('\n')}
</body></html>
`;
}
