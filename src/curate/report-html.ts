/**
 * report.html: the build report as one offline page — totals, a per-source × per-filter table,
 * bar charts as inline SVG (no scripts), examples of each removal and malformed lines.
 */
import { escapeHtml as esc } from '../report/html.js';
import type { BuildReport } from './report.js';

/** A horizontal bar chart; each bar may be split into stacked parts. */
function barChart(
  title: string,
  rows: { label: string; parts: number[] }[],
  colors: string[],
  legend: string[],
): string {
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, b) => a + b, 0)));
  const barH = 16;
  const gap = 6;
  const labelW = 170;
  const plotW = 420;
  const h = rows.length * (barH + gap) + 40;
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * (barH + gap);
      let x = labelW;
      const rects = r.parts
        .map((v, k) => {
          const w = (v / max) * plotW;
          const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colors[k]}"><title>${esc(legend[k]!)}: ${v}</title></rect>`;
          x += w;
          return rect;
        })
        .join('');
      const total = r.parts.reduce((a, b) => a + b, 0);
      return `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(r.label)}</text>${rects}<text x="${x + 4}" y="${y + 12}">${total.toLocaleString('en-US')}</text>`;
    })
    .join('');
  const keys = legend
    .map(
      (l, k) =>
        `<rect x="${labelW + k * 110}" y="8" width="10" height="10" fill="${colors[k]}"/><text x="${labelW + 14 + k * 110}" y="17">${esc(l)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 80}" height="${h}" font-family="sans-serif" font-size="11">${keys}${bars}</svg></figure>`;
}

export function renderReportHtml(r: BuildReport): string {
  const names = r.filters.map((f) => f.name);
  const head = `<tr><th>source</th><th>rows</th><th>malformed</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>removed</th><th>kept</th></tr>`;
  const body = r.sources
    .map(
      (s) =>
        `<tr><td>${esc(s.source)}</td><td>${s.rows}</td><td>${s.malformed}</td>${names
          .map((n) => `<td>${s.signals[n] ?? 0}</td>`)
          .join('')}<td>${s.removed}</td><td><b>${s.kept}</b></td></tr>`,
    )
    .join('');
  const totalsBySignal = names.map((n) => r.sources.reduce((a, s) => a + (s.signals[n] ?? 0), 0));
  const foot = `<tr><th>total</th><th>${r.totals.rows}</th><th>${r.totals.malformed}</th>${totalsBySignal
    .map((v) => `<th>${v}</th>`)
    .join('')}<th>${r.totals.removed}</th><th>${r.totals.kept}</th></tr>`;
  const filters = r.filters
    .map(
      (f) =>
        `<li><code>${esc(f.name)}</code>${f.removes ? '' : ' (recorded, does not remove)'}: ${esc(f.description)}</li>`,
    )
    .join('');
  const keptChart = barChart(
    'Rows per source',
    r.sources.map((s) => ({ label: s.source, parts: [s.kept, s.removed, s.malformed] })),
    ['#4c78a8', '#e45756', '#bab0ac'],
    ['kept', 'removed', 'malformed'],
  );
  const signalChart = barChart(
    'Rows flagged per filter (a row can be flagged by several)',
    names.map((n, i) => ({ label: n, parts: [totalsBySignal[i]!] })),
    ['#f58518'],
    ['flagged'],
  );
  const difficulty = r.difficulty
    ? `<h2>Difficulty</h2><p>${r.difficulty.measured} problems, ${r.difficulty.rollouts} rollouts each on <code>${esc(r.difficulty.backend)}</code>; ${r.difficulty.unsolved} never solved.</p>${barChart(
        'Problems per Big-Math quintile (1 = easiest)',
        r.difficulty.quintiles.map((q) => ({ label: `Q${q.quintile} (${q.range})`, parts: [q.count] })),
        ['#54a24b'],
        ['problems'],
      )}${
        r.difficulty.skipped > 0
          ? `<p>${r.difficulty.skipped} kept problems were not measured: the backend refused them.</p><ul>${r.difficulty.skipped_rows.map((m) => `<li><code>${esc(m.file)}:${m.line}</code> (id ${esc(m.id)}) ${esc(m.message)}</li>`).join('')}</ul>`
          : ''
      }`
    : '';
  const examples = r.filters
    .map((f) => {
      const list = r.examples[f.name] ?? [];
      if (list.length === 0) return '';
      const items = list
        .map(
          (e) =>
            `<li><code>${esc(e.file)}:${e.line}</code> (${esc(e.source)}) — <i>${esc(e.reason)}</i><pre>${esc(e.problem)}</pre>${e.answer !== null ? `answer: <code>${esc(e.answer.slice(0, 200))}</code>` : ''}</li>`,
        )
        .join('');
      return `<h3>${esc(f.name)}</h3><ul>${items}</ul>`;
    })
    .join('');
  const malformed =
    r.malformed.length === 0
      ? '<p>None.</p>'
      : `<ul>${r.malformed.map((m) => `<li><code>${esc(m.file)}:${m.line}</code> ${esc(m.message)}</li>`).join('')}</ul>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>metacot data build report</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;font-size:12px}figure{margin:1em 0}figcaption{font-weight:bold}</style></head><body>
<h1>metacot data build</h1>
<p>${r.totals.rows.toLocaleString('en-US')} rows read from ${r.inputs.length} input(s), ${r.totals.malformed} malformed lines skipped; <b>${r.totals.kept.toLocaleString('en-US')} kept</b>, ${r.totals.removed.toLocaleString('en-US')} removed. ${r.timing.seconds.toFixed(1)} s (${Math.round(r.timing.rowsPerSecond)} rows/s), peak RSS ${Math.round(r.timing.maxRssMB)} MB. Created ${esc(r.created)}.</p>
<h2>Filters</h2><ul>${filters}</ul>
<p>Duplicates (exact and near) are looked for only among rows that pass every other removing filter, so the first clean occurrence is the one kept.</p>
<h2>Per source × per filter</h2><div style="overflow-x:auto"><table>${head}${body}${foot}</table></div>
${keptChart}${signalChart}${difficulty}
<h2>Examples of each removal</h2>${examples || '<p>Nothing removed.</p>'}
<h2>Malformed lines (${r.totals.malformed})</h2>${malformed}
</body></html>
`;
}
