import { METRIC_INFO, isMetricName } from '../evaluation/metric-names';
import type { NetworkProvenance } from '../evaluation/network-provenance';
import type { LayerAccuracy, Score } from '../../workflows/contracts';
import { barChart, lineChart } from './svg-charts';
import { cganTrainingFigure } from './cgan-training';
import { escapeMarkup } from './escape-markup';
import { type LabelledGrid, labelledGridSvg } from './labelled-grid';
import { CONTROL_LABEL, isControlMethod, orderMethods } from './method-groups';

/** One stimulus set's grid of one subject: true images above each method's reconstructions. */
export interface ReportGrid extends LabelledGrid {
  readonly subject: string;
  readonly stimulusSet: string;
}

/** One subject's cGAN training record: the loss chart and the labelled sample grid (SVG each; samples may be empty). */
export interface CganTraining {
  readonly subject: string;
  readonly lossChart: string;
  readonly samples: string;
}

export interface ReportContent {
  readonly experiment: string;
  readonly description?: string;
  readonly createdAt: string;
  readonly scores: readonly Score[];
  readonly decoding: readonly LayerAccuracy[];
  readonly grids: readonly ReportGrid[];
  /** Per subject with a cgan: how its training went. */
  readonly cganTraining?: readonly CganTraining[];
  /** The feature network and the evaluation network, as the evaluate stage recorded them. */
  readonly networks?: readonly NetworkProvenance[];
}

function baseMetric(metric: string): string {
  return metric.split(':')[0]!;
}

/** ↑ when higher is better, ↓ otherwise; nothing for unknown metrics. */
export function metricArrow(metric: string): string {
  const base = baseMetric(metric);
  return isMetricName(base) ? (METRIC_INFO[base].higherIsBetter ? '↑' : '↓') : '';
}

/** The identification bar chart of one subject: stimulus sets × methods (controls last), chance at 0.5. */
export function identificationChart(scores: readonly Score[], subject: string): string {
  const rows = scores.filter((s) => s.subject === subject && s.metric === 'pixel-identification');
  const order = orderMethods(rows.map((s) => s.method));
  const bars = [...rows]
    .sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method))
    .map((s) => ({ group: s.stimulusSet, series: isControlMethod(s.method) ? `${s.method} (control)` : s.method, value: s.value }));
  return barChart(`Pixel pairwise identification — ${subject}`, bars, { value: 0.5, label: 'chance 0.5' });
}

/** Per-layer decoding accuracy (pattern and profile correlation, feature identification) of one subject: a colour per set, a stroke per measure. */
export function decodingChart(decoding: readonly LayerAccuracy[], subject: string): string {
  const rows = decoding.filter((d) => d.subject === subject);
  const layers = [...new Set(rows.map((d) => d.layer))];
  const sets = [...new Set(rows.map((d) => d.stimulusSet))];
  const lines = sets.flatMap((set) => [
    { series: `${set} pattern r`, colourKey: set, dashKey: 'pattern r', points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.patternCorrelation })) },
    { series: `${set} profile r`, colourKey: set, dashKey: 'profile r', points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.profileCorrelation })) },
    { series: `${set} identification`, colourKey: set, dashKey: 'identification', points: rows.filter((d) => d.stimulusSet === set).map((d) => ({ x: d.layer, y: d.identification })) },
  ]);
  return lineChart(`Decoding accuracy per layer — ${subject}`, layers, lines, 'correlation');
}

/** A score cell: the mean, then its bootstrap interval when there is one. */
function scoreCell(score: Score | undefined): string {
  if (!score || !Number.isFinite(score.value)) return '<td class="num">–</td>';
  const interval = score.low !== undefined && score.high !== undefined && Number.isFinite(score.low) && Number.isFinite(score.high) ? `<span class="ci"> [${score.low.toFixed(3)}, ${score.high.toFixed(3)}]</span>` : '';
  return `<td class="num">${score.value.toFixed(3)}${interval}</td>`;
}

/** Every score: one row per subject, method and set (real methods first, then the controls), one column per metric. */
export function metricsTable(scores: readonly Score[]): string {
  const metrics = [...new Set(scores.map((s) => s.metric))];
  const head = `<tr><th>subject</th><th>method</th><th>stimulus set (N images)</th>${metrics.map((m) => `<th>${escapeMarkup(m)} ${metricArrow(m)}</th>`).join('')}</tr>`;
  const body: string[] = [];
  for (const subject of [...new Set(scores.map((s) => s.subject))]) {
    const ofSubject = scores.filter((s) => s.subject === subject);
    const methods = orderMethods(ofSubject.map((s) => s.method));
    let controlsStarted = false;
    for (const method of methods) {
      if (isControlMethod(method) && !controlsStarted) {
        controlsStarted = true;
        body.push(`<tr class="group"><td colspan="${3 + metrics.length}">${escapeMarkup(subject)} · ${escapeMarkup(CONTROL_LABEL)}</td></tr>`);
      }
      const ofMethod = ofSubject.filter((s) => s.method === method);
      for (const set of [...new Set(ofMethod.map((s) => s.stimulusSet))]) {
        const row = ofMethod.filter((s) => s.stimulusSet === set);
        const images = Math.max(0, ...row.map((s) => s.images ?? 0));
        const setCell = `${escapeMarkup(set)}${images > 0 ? ` (${images})` : ''}`;
        const cells = metrics.map((m) => scoreCell(row.find((s) => s.metric === m)));
        body.push(`<tr${isControlMethod(method) ? ' class="control"' : ''}><td>${escapeMarkup(subject)}</td><td>${escapeMarkup(method)}</td><td>${setCell}</td>${cells.join('')}</tr>`);
      }
    }
  }
  return `<table>${head}${body.join('')}</table>`;
}

/** What each network did, so a reader can check that feature identification was not self-scored. */
export function networksSection(networks: readonly NetworkProvenance[]): string {
  if (networks.length === 0) return '';
  const role = (n: NetworkProvenance) => (n.role === 'features' ? 'feature network — decoded from the brain and matched by the reconstructions' : 'evaluation network — used only for feature-identification');
  const items = networks.map((n) => `<li><b>${escapeMarkup(role(n))}</b>: ${escapeMarkup(n.name)}${n.seed !== undefined ? `, seed ${n.seed}` : ''}, ${escapeMarkup(n.weights)}</li>`);
  return `<h2>Networks</h2><ul>${items.join('')}</ul>`;
}

/** The short guide printed above the numbers. */
export const HOW_TO_READ = [
  'Each number is the mean over the images of a set; the brackets give its 95 % bootstrap interval over images (1,000 seeded resamples): how much the mean depends on which images happen to be in the set. It does not cover measurement noise or other subjects. Methods whose intervals overlap widely are not shown to differ.',
  'Pairwise identification (pixel-identification, feature-identification): chance 0.5. The reconstruction must be more correlated with its own true image than with one other image of the set, one foil at a time. It can be passed by low-frequency colour alone — a blur of the right average colour beats most foils — so a high score does not mean that a person would recognise the image.',
  'N-way identification (nway-identification): chance 1/N for a set of N images. The own true image must be the most correlated of all N at once; one close foil is a failure.',
  'feature-identification is measured in an evaluation network that was neither decoded nor optimised (see Networks), so a reconstruction cannot score by matching the optimiser’s own objective.',
  'Controls (methods ending in -shuffled) come from the same pipeline with the pairing of brain data and images shuffled. They must be at chance; a control above chance means information about the test images reaches the reconstructions by another route than the brain data.',
  'imagery mixes imagined natural images and imagined shapes, so it can be passed by telling the two kinds apart; imagery-natural and imagery-shapes score each kind with candidates of that kind only.',
  'diversity: the spread of a set’s reconstructions relative to that of its true images (1 = as varied). A generator that makes the same image for every input scores near 0 even when its colour earns some pairwise identification; a control keeps the diversity of its method, since shuffling changes which image is made, not how many kinds.',
  'The cGAN training figure shows its losses per epoch — the discriminator on real images with their own voxel pattern (real/right), with another image’s pattern (real/wrong) and on generated images (fake/right) — and what the generator made of a few fixed training patterns with fixed noise after each epoch. real/wrong falling below log 2 means the discriminator has learnt which pattern belongs to which image.',
  'The reconstructions in the figures are shown as in the DIR papers: clipped at their own 2nd and 98th percentiles and stretched to the full range. The metrics are computed on the raw reconstructions.',
] as const;

function gridFigure(grid: ReportGrid): string {
  return `<figure><figcaption>${escapeMarkup(grid.subject)} · ${escapeMarkup(grid.stimulusSet)} (${grid.columns.length} images of the set)</figcaption>${labelledGridSvg(grid)}</figure>`;
}

/**
 * A self-contained HTML report (inline CSS, SVG charts and base64 PNGs; no scripts, nothing
 * fetched), so it opens offline and can be mailed or archived as one file.
 */
export function reportHtml(content: ReportContent): string {
  const subjects = [...new Set(content.scores.map((s) => s.subject))];
  const legend = Object.entries(METRIC_INFO)
    .map(([name, info]) => {
      const chance = info.chance !== undefined ? ` (chance ${info.chance})` : info.chanceText ? ` (chance ${escapeMarkup(info.chanceText)})` : '';
      return `<li><b>${name}</b> ${info.higherIsBetter ? '↑' : '↓'} — ${escapeMarkup(info.description)}${chance}</li>`;
    })
    .join('');
  const sections = subjects
    .map(
      (subject) => `<section><h2>${escapeMarkup(subject)}</h2>
<div class="charts">${identificationChart(content.scores, subject)}${decodingChart(content.decoding, subject)}</div>
${content.grids.filter((g) => g.subject === subject).map(gridFigure).join('\n')}
${(content.cganTraining ?? []).filter((t) => t.subject === subject).map((t) => cganTrainingFigure(subject, t.lossChart, t.samples)).join('\n')}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deeprecon — ${escapeMarkup(content.experiment)}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#777;font-size:85%}tr.group td{background:#f3f3f3;font-style:italic}tr.control td{color:#555}
.charts{display:flex;flex-wrap:wrap;gap:2em}.howto li{margin:.3em 0}
figure{margin:1.5em 0}
</style></head><body>
<h1>deeprecon report — ${escapeMarkup(content.experiment)}</h1>
<p>${escapeMarkup(content.description ?? '')}</p><p>Created ${escapeMarkup(content.createdAt)}.</p>
<h2>How to read this</h2><ul class="howto">${HOW_TO_READ.map((t) => `<li>${escapeMarkup(t)}</li>`).join('')}</ul>
<h2>Metrics</h2>${metricsTable(content.scores)}
<ul>${legend}</ul>
${networksSection(content.networks ?? [])}
${sections}
</body></html>
`;
}
