import type { CganEpoch } from '../gan/train-cgan';
import type { ImageBatch } from '../images/image-batch';
import { imageView } from '../images/image-batch';
import { encodePng } from '../images/png';
import { escapeMarkup } from './escape-markup';
import { imageGrid } from './image-grid';
import type { LabelledGrid } from './labelled-grid';

/** The curves of the loss chart: label and value of each epoch's row. */
const curves = (klDimensions: number): readonly { label: string; value: (e: CganEpoch) => number }[] => [
  { label: 'D real/right', value: (e) => e.dRealRight },
  { label: 'D real/wrong', value: (e) => e.dRealWrong },
  { label: 'D fake/right', value: (e) => e.dFakeRight },
  { label: 'G adversarial', value: (e) => e.gLoss },
  // KL in nats per trial is ~100× the cross-entropies; per dimension it shares their axis.
  { label: 'KL per c dimension', value: (e) => e.kl / klDimensions },
  { label: 'pixel L1', value: (e) => e.pixelL1 },
];
const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#a463f2'];

/**
 * The cGAN's per-epoch losses as an SVG line chart (x: epoch, y: loss in nats from 0 to the
 * largest value; the KL divided by klDimensions, the length of c, so it shares the axis). A discriminator that separates matched from mismatched pairs shows real/wrong
 * falling below log 2 ≈ 0.69 (the dashed line, a discriminator at chance).
 */
export function cganLossChart(title: string, history: readonly CganEpoch[], klDimensions: number): string {
  const CURVES = curves(klDimensions);
  const [left, top, plotW, plotH] = [50, 30, 360, 200];
  const width = left + plotW + 190;
  const height = top + plotH + 50;
  const values = history.flatMap((e) => CURVES.map((c) => c.value(e))).filter(Number.isFinite);
  const hi = Math.max(Math.LN2, ...values) * 1.05;
  const epochs = history.map((e) => e.epoch);
  const first = Math.min(...epochs);
  const span = Math.max(1, Math.max(...epochs) - first);
  const x = (epoch: number): number => left + (plotW * (epoch - first)) / span;
  const y = (v: number): number => top + plotH * (1 - v / hi);
  const parts: string[] = [`<text x="${left}" y="18" font-size="14" font-weight="bold">${escapeMarkup(title)}</text>`];
  const step = hi > 4 ? 1 : hi > 2 ? 0.5 : 0.25;
  for (let t = 0; t <= hi; t += step) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  const tick = Math.max(1, Math.ceil(span / 10));
  for (let e = first; e <= first + span; e += tick) parts.push(`<text x="${x(e)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle">${e}</text>`);
  parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" font-size="12" text-anchor="middle">epoch</text>`);
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(Math.LN2)}" y2="${y(Math.LN2)}" stroke="#333" stroke-dasharray="5,4"><title>log 2: a discriminator at chance</title></line>`);
  CURVES.forEach((curve, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const points = history.filter((e) => Number.isFinite(curve.value(e)));
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((e) => `${x(e.epoch)},${y(curve.value(e))}`).join(' ')}"/>`);
    for (const e of points) parts.push(`<circle cx="${x(e.epoch)}" cy="${y(curve.value(e))}" r="2.5" fill="${colour}"><title>${escapeMarkup(`${curve.label}, epoch ${e.epoch}: ${curve.value(e).toFixed(3)}`)}</title></circle>`);
    parts.push(`<rect x="${left + plotW + 20}" y="${top + i * 18}" width="12" height="12" fill="${colour}"/><text x="${left + plotW + 38}" y="${top + i * 18 + 10}" font-size="12">${escapeMarkup(curve.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}

/** At most `max` epochs of 1..epochs, evenly spaced, always the first and the last. */
export function shownEpochs(epochs: number, max = 10): number[] {
  if (epochs <= max) return Array.from({ length: epochs }, (_, i) => i + 1);
  return [...new Set(Array.from({ length: max }, (_, i) => 1 + Math.round((i * (epochs - 1)) / (max - 1))))];
}

/**
 * The fixed-noise sample grid: the true images of a few fixed training pairs on top, then one row
 * per shown epoch with what the generator made of those pairs' conditions, always from the same z
 * (so a row differs from the one above only by training). `samples.get(epoch)` holds one image per
 * column; epochs missing from the map are left out.
 */
export function cganSampleGrid(truth: ImageBatch, ids: readonly string[], samples: ReadonlyMap<number, ImageBatch>, scale: number, margin = 2): LabelledGrid {
  const epochs = [...samples.keys()].sort((a, b) => a - b);
  const row = (b: ImageBatch): Float32Array[] => Array.from({ length: b.count }, (_, i) => imageView(b, i));
  const grid = imageGrid([row(truth), ...epochs.map((e) => row(samples.get(e)!))], truth.height, scale, margin);
  return {
    rows: ['true image', ...epochs.map((e) => `epoch ${e}`)],
    columns: ids,
    png: encodePng(grid.data, grid.height, grid.width),
    width: grid.width,
    height: grid.height,
    tile: truth.height * scale,
    margin,
  };
}

/** The report's cGAN training figure of one subject: the loss chart beside the labelled sample grid. */
export function cganTrainingFigure(subject: string, lossChartSvg: string, samplesSvg: string): string {
  return `<figure><figcaption>${escapeMarkup(subject)} · cGAN training: losses per epoch (left) and fixed-noise samples of fixed training conditions after each epoch (right)</figcaption><div class="charts">${lossChartSvg}${samplesSvg}</div></figure>`;
}

/** `count` indices evenly spread over 0..n − 1 (all of them when n ≤ count): the pairs the sample grid follows. */
export function evenlySpaced(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}
