/**
 * Pieces shared by every self-contained HTML report (the demo, `metacot eval`, `metacot data build`):
 * escaping, and Vega-Lite charts rendered to inline SVG, so reports need no scripts and no network.
 */
import type { TopLevelSpec } from 'vega-lite';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * Vega and Vega-Lite take ~1 s to import, and every `metacot` command loads the whole CLI: importing
 * them only when a chart is drawn keeps `metacot --help` and short commands fast.
 */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
