import type { SweepResultRow } from '../../workflows/contracts';
import { metricArrow } from './report-html';
import { barChart } from './svg-charts';
import { escapeMarkup } from './escape-markup';

/**
 * The comparison section of a sweep: for each stimulus set, a chart of pixel identification per
 * point and method (chance 0.5), and a table of every metric per point — one self-contained page.
 */
export function sweepReportHtml(sweep: string, rows: readonly SweepResultRow[], createdAt: string): string {
  const points = [...new Set(rows.map((r) => r.point))];
  const sets = [...new Set(rows.map((r) => r.stimulusSet))];
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const methods = [...new Set(rows.map((r) => r.method))];
  const paramsOf = new Map(rows.map((r) => [r.point, r.params]));
  const charts = sets
    .map((set) =>
      barChart(
        `Pixel pairwise identification — ${set}`,
        rows.filter((r) => r.stimulusSet === set && r.metric === 'pixel-identification').map((r) => ({ group: r.point.slice(-28), series: r.method, value: r.value })),
        { value: 0.5, label: 'chance 0.5' },
      ),
    )
    .join('\n');
  const tables = sets
    .map((set) => {
      const head = `<tr><th>point</th><th>parameters</th><th>method</th>${metrics.map((m) => `<th>${escapeMarkup(m)} ${metricArrow(m)}</th>`).join('')}</tr>`;
      const body = points
        .flatMap((point) =>
          methods.map((method) => {
            const cells = metrics.map((m) => {
              const row = rows.find((r) => r.point === point && r.method === method && r.stimulusSet === set && r.metric === m);
              return `<td class="num">${row && Number.isFinite(row.value) ? row.value.toFixed(3) : '–'}</td>`;
            });
            return `<tr><td>${escapeMarkup(point)}</td><td><code>${escapeMarkup(paramsOf.get(point) ?? '')}</code></td><td>${escapeMarkup(method)}</td>${cells.join('')}</tr>`;
          }),
        )
        .join('');
      return `<h3>${escapeMarkup(set)}</h3><table>${head}${body}</table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deeprecon sweep — ${escapeMarkup(sweep)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}td.num{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:2em}</style>
</head><body>
<h1>deeprecon sweep — ${escapeMarkup(sweep)}</h1>
<p>${points.length} points. Created ${escapeMarkup(createdAt)}. Each point's own report is in <code>runs/&lt;point&gt;/</code> when run as an experiment.</p>
<h2>Comparison</h2><div class="charts">${charts}</div>
${tables}
</body></html>
`;
}
