import { METRIC_INFO, isMetricName } from '../evaluation/metric-names';
import type { LayerAccuracy, Score } from '../../workflows/contracts';
import { barChart, lineChart } from './svg-charts';
import { escapeMarkup } from './escape-markup';

export interface ReportGrid {
  readonly subject: string;
  readonly stimulusSet: string;
  /** Row labels, top to bottom: "true image" then one per method. */
  readonly rows: readonly string[];
  readonly ids: readonly string[];
  readonly png: Uint8Array;
  /** Pixel height of one grid row, to align the row labels. */
  readonly rowHeight: number;
}

export interface ReportContent {
  readonly experiment: string;
  readonly description?: string;
  readonly createdAt: string;
  readonly scores: readonly Score[];
  readonly decoding: readonly LayerAccuracy[];
  readonly grids: readonly ReportGrid[];
}

function baseMetric(metric: string): string {
  return metric.split(':')[0]!;
}

/** ↑ when higher is better, ↓ otherwise; nothing for unknown metrics. */
export function metricArrow(metric: string): string {
  const base = baseMetric(metric);
  return isMetricName(base) ? (METRIC_INFO[base].higherIsBetter ? '↑' : '↓') : '';
}

/** The identification bar chart of one subject: stimulus sets × methods, chance at 0.5. */
export function identificationChart(scores: readonly Score[], subject: string): string {
  const bars = scores.filter((s) => s.subject === subject && s.metric === 'pixel-identification').map((s) => ({ group: s.stimulusSet, series: s.method, value: s.value }));
  return barChart(`Pixel pairwise identification — ${subject}`, bars, { value: 0.5, label: 'chance 0.5' });
}

/** Per-layer decoding accuracy (pattern and profile correlation, feature identification) of one subject. */
export function decodingChart(decoding: readonly LayerAccuracy[], subject: string): string {
  const rows = decoding.filter((d) => d.subject === subject);
  const layers = [...new Set(rows.map((d) => d.layer))];
  const sets = [...new Set(rows.map((d) => d.stimulusSet))];
  const lines = sets.flatMap((set) => [
    { series: `${set} pattern r`, points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.patternCorrelation })) },
    { series: `${set} profile r`, points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.profileCorrelation })) },
    { series: `${set} identification`, points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.identification })) },
  ]);
  return lineChart(`Decoding accuracy per layer — ${subject}`, layers, lines, 'correlation');
}

function metricsTable(scores: readonly Score[]): string {
  const metrics = [...new Set(scores.map((s) => s.metric))];
  const keys = [...new Set(scores.map((s) => `${s.subject}\u0000${s.method}\u0000${s.stimulusSet}`))];
  const head = `<tr><th>subject</th><th>method</th><th>stimulus set</th>${metrics.map((m) => `<th>${escapeMarkup(m)} ${metricArrow(m)}</th>`).join('')}</tr>`;
  const body = keys
    .map((key) => {
      const [subject, method, set] = key.split('\u0000') as [string, string, string];
      const cells = metrics.map((m) => {
        const score = scores.find((s) => s.subject === subject && s.method === method && s.stimulusSet === set && s.metric === m);
        return `<td class="num">${score && Number.isFinite(score.value) ? score.value.toFixed(3) : '–'}</td>`;
      });
      return `<tr><td>${escapeMarkup(subject)}</td><td>${escapeMarkup(method)}</td><td>${escapeMarkup(set)}</td>${cells.join('')}</tr>`;
    })
    .join('');
  return `<table>${head}${body}</table>`;
}

function gridFigure(grid: ReportGrid): string {
  const b64 = Buffer.from(grid.png).toString('base64');
  const labels = grid.rows.map((r) => `<div>${escapeMarkup(r)}</div>`).join('');
  return `<figure><figcaption>${escapeMarkup(grid.subject)} · ${escapeMarkup(grid.stimulusSet)} (${grid.ids.length} of the set; ${escapeMarkup(grid.ids.join(', '))})</figcaption><div class="grid"><div class="rowlabels" style="--row:${grid.rowHeight}px">${labels}</div><img alt="${escapeMarkup(`${grid.stimulusSet} reconstructions`)}" src="data:image/png;base64,${b64}"></div></figure>`;
}

/**
 * A self-contained HTML report (inline CSS, SVG charts and base64 PNGs; no scripts, nothing
 * fetched), so it opens offline and can be mailed or archived as one file.
 */
export function reportHtml(content: ReportContent): string {
  const subjects = [...new Set(content.scores.map((s) => s.subject))];
  const legend = Object.entries(METRIC_INFO)
    .map(([name, info]) => `<li><b>${name}</b> ${info.higherIsBetter ? '↑' : '↓'} — ${escapeMarkup(info.description)}${info.chance !== undefined ? ` (chance ${info.chance})` : ''}</li>`)
    .join('');
  const sections = subjects
    .map(
      (subject) => `<section><h2>${escapeMarkup(subject)}</h2>
<div class="charts">${identificationChart(content.scores, subject)}${decodingChart(content.decoding, subject)}</div>
${content.grids.filter((g) => g.subject === subject).map(gridFigure).join('\n')}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deeprecon — ${escapeMarkup(content.experiment)}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:2em}.grid{display:flex;align-items:flex-start;gap:8px}
.rowlabels{padding-top:2px}.rowlabels div{height:var(--row,98px);display:flex;align-items:center;font-size:12px}
img{image-rendering:pixelated}figure{margin:1.5em 0}
</style></head><body>
<h1>deeprecon report — ${escapeMarkup(content.experiment)}</h1>
<p>${escapeMarkup(content.description ?? '')}</p><p>Created ${escapeMarkup(content.createdAt)}.</p>
<h2>Metrics</h2>${metricsTable(content.scores)}
<ul>${legend}</ul>
${sections}
</body></html>
`;
}
