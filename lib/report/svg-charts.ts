import { escapeMarkup } from './escape-markup';

/** Small self-contained SVG charts for the report: no scripts, no external fonts or styles. */

export interface Bar {
  readonly group: string;
  readonly series: string;
  readonly value: number;
}

const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5'];

/** Stroke patterns for lines that share a colour: solid, dashed, dotted, dash-dot. */
const DASHES = ['', '7,4', '2,3', '7,3,2,3'];

function legend(series: readonly string[], x: number, y: number): string {
  return series
    .map((s, i) => `<rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 18}" y="${y + i * 18 + 10}" font-size="12">${escapeMarkup(s)}</text>`)
    .join('');
}

/** Distinct values in first-seen order, and each value's index. */
function indexOf(keys: readonly string[]): (key: string) => number {
  const distinct = [...new Set(keys)];
  return (key) => distinct.indexOf(key);
}

/**
 * Grouped bars on a 0–1 axis with an optional dashed reference line (chance level).
 */
export function barChart(title: string, bars: readonly Bar[], reference?: { value: number; label: string }): string {
  const groups = [...new Set(bars.map((b) => b.group))];
  const series = [...new Set(bars.map((b) => b.series))];
  const [left, top, plotH, barW, gap] = [50, 30, 220, 18, 24];
  const groupW = series.length * barW + gap;
  const plotW = Math.max(200, groups.length * groupW);
  const width = left + plotW + 280;
  const height = top + plotH + 60;
  const y = (v: number) => top + plotH * (1 - Math.max(0, Math.min(1, v)));
  const parts: string[] = [`<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeMarkup(title)}</text>`];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t}</text>`);
  }
  groups.forEach((g, gi) => {
    const x0 = left + gap / 2 + gi * groupW;
    series.forEach((s, si) => {
      const bar = bars.find((b) => b.group === g && b.series === s);
      if (!bar || !Number.isFinite(bar.value)) return;
      const x = x0 + si * barW;
      parts.push(`<rect x="${x}" y="${y(bar.value)}" width="${barW - 2}" height="${y(0) - y(bar.value)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeMarkup(`${g} · ${s}: ${bar.value.toFixed(3)}`)}</title></rect>`);
    });
    parts.push(`<text x="${x0 + (series.length * barW) / 2}" y="${top + plotH + 16}" font-size="12" text-anchor="middle">${escapeMarkup(g)}</text>`);
  });
  if (reference) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(reference.value)}" y2="${y(reference.value)}" stroke="#333" stroke-dasharray="5,4"/>`);
    parts.push(`<text x="${left + plotW + 4}" y="${y(reference.value) + 4}" font-size="11">${escapeMarkup(reference.label)}</text>`);
  }
  parts.push(legend(series, left + plotW + 70, top));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}

export interface Line {
  readonly series: string;
  readonly points: readonly { x: string; y: number }[];
  /** Lines with the same colour key share a colour (default: the series), */
  readonly colourKey?: string;
  /** and lines with the same dash key a stroke pattern (default: solid), so many lines stay distinguishable. */
  readonly dashKey?: string;
}

/** Lines over categorical x positions (layers), y on [min(0, data), 1]. */
export function lineChart(title: string, xLabels: readonly string[], lines: readonly Line[], yLabel: string): string {
  const [left, top, plotH, step] = [55, 30, 220, 60];
  const plotW = Math.max(200, (xLabels.length - 1) * step + 20);
  const width = left + plotW + 220;
  const height = top + plotH + 70;
  const values = lines.flatMap((l) => l.points.map((p) => p.y)).filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  const y = (v: number) => top + plotH * (1 - (v - lo) / (1 - lo || 1));
  const x = (label: string) => left + 10 + xLabels.indexOf(label) * step;
  const parts: string[] = [`<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeMarkup(title)}</text>`];
  for (let t = Math.ceil(lo * 4) / 4; t <= 1.0001; t += 0.25) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  xLabels.forEach((label) => parts.push(`<text x="${x(label)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle">${escapeMarkup(label)}</text>`));
  parts.push(`<text x="14" y="${top + plotH / 2}" font-size="12" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${escapeMarkup(yLabel)}</text>`);
  const colourOf = indexOf(lines.map((l) => l.colourKey ?? l.series));
  const dashOf = indexOf(lines.map((l) => l.dashKey ?? ''));
  const style = (line: Line) => ({ colour: PALETTE[colourOf(line.colourKey ?? line.series) % PALETTE.length]!, dash: DASHES[dashOf(line.dashKey ?? '') % DASHES.length]! });
  for (const line of lines) {
    const { colour, dash } = style(line);
    const pts = line.points.filter((p) => Number.isFinite(p.y) && xLabels.includes(p.x));
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3" fill="${colour}"><title>${escapeMarkup(`${line.series} ${p.x}: ${p.y.toFixed(3)}`)}</title></circle>`);
  }
  // Legend entries are line samples, so the stroke pattern is part of the key.
  const lx = left + plotW + 30;
  lines.forEach((line, i) => {
    const { colour, dash } = style(line);
    const ly = top + i * 18 + 6;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${lx + 30}" y="${ly + 4}" font-size="12">${escapeMarkup(line.series)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}
