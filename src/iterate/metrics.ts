/** Per-round metrics of `metacot iterate`: `round-<k>/metrics.json`, `iterate/metrics.json` and the table. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RoundMetrics, RoundState } from './state.js';

export function roundMetrics(r: RoundState): RoundMetrics {
  const s = r.search!;
  const e = r.export!;
  const t = r.train!;
  return {
    round: r.round,
    policy: r.policy,
    problems: s.problems,
    solved: s.solved,
    solve_rate: s.problems > 0 ? s.solved / s.problems : 0,
    errors: s.errors,
    nodes: s.nodes,
    tokens: s.tokens,
    kept: e.kept,
    trained: t.trained,
    checkpoint: t.checkpoint,
    server_restarts: r.server_restarts,
    seconds: { search: s.seconds, export: e.seconds, train: t.seconds },
  };
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function metricsTable(rows: RoundMetrics[]): string {
  const head = [
    'round',
    'problems',
    'solved',
    'solve rate',
    'tokens',
    'kept',
    'trained',
    'restarts',
    'seconds',
  ];
  const body = rows.map((m) => [
    String(m.round),
    String(m.problems),
    String(m.solved),
    `${(100 * m.solve_rate).toFixed(1)}%`,
    String(m.tokens),
    String(m.kept),
    m.trained ? 'yes' : 'no',
    String(m.server_restarts),
    (m.seconds.search + m.seconds.export + m.seconds.train).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
