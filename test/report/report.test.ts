import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../lib/images/png';
import { dumpDom, findChromium, screenshot, svgSize } from '../../lib/report/chromium';
import { imageGrid } from '../../lib/report/image-grid';
import { labelledGridSvg } from '../../lib/report/labelled-grid';
import { decodingChart, identificationChart, metricArrow, metricsTable, reportHtml } from '../../lib/report/report-html';
import type { LayerAccuracy, NetworkProvenance, Score } from '../../workflows/contracts';

const scores: Score[] = [
  { subject: 'sim01', method: 'icnn-gd-shuffled', stimulusSet: 'natural', metric: 'pixel-identification', value: 0.52, low: 0.44, high: 0.6, images: 2 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'pixel-identification', value: 0.91, low: 0.85, high: 0.95, images: 2 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'nway-identification', value: 0.5, low: 0, high: 1, images: 2 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'shapes', metric: 'pixel-identification', value: 0.93 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'natural', metric: 'ssim', value: 0.41 },
];
const decoding: LayerAccuracy[] = ['conv1_1', 'conv2_1', 'fc1'].map((layer, i) => ({ subject: 'sim01', stimulusSet: 'natural', layer, profileCorrelation: 0.2 + 0.1 * i, patternCorrelation: 0.5 + 0.2 * i, identification: 0.7 + 0.1 * i }));
const networks: NetworkProvenance[] = [
  { role: 'features', name: 'vgg-mini', seed: 7, weights: 'random He-normal weights' },
  { role: 'evaluation', name: 'vgg-mini', seed: 1001, weights: 'random He-normal weights' },
];

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-report-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function report(): string {
  const red = new Float32Array(4 * 4 * 3).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const grid = imageGrid([[red, red], [red, undefined], [red, red]], 4, 3);
  const png = encodePng(grid.data, grid.height, grid.width);
  return reportHtml({
    experiment: 'demo', createdAt: '2026-11-23T00:00:00Z', scores, decoding, networks,
    grids: [{ subject: 'sim01', stimulusSet: 'natural', rows: ['true image', 'icnn-gd', 'icnn-gd-shuffled'], columns: ['natural-0001', 'natural-0002'], png, width: grid.width, height: grid.height, tile: 12, margin: 2 }],
  });
}

describe('the report', () => {
  it('tiles images with margins and nearest-neighbour upscaling', () => {
    const px = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1); // 2×2: red, green / blue, white
    const grid = imageGrid([[px]], 2, 2, 1);
    expect([grid.height, grid.width]).toEqual([6, 6]);
    const at = (y: number, x: number) => Array.from(grid.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([1, 1, 1]); // margin
    expect(at(1, 1)).toEqual([1, 0, 0]);
    expect(at(2, 2)).toEqual([1, 0, 0]);
    expect(at(1, 3)).toEqual([0, 1, 0]);
    expect(at(3, 1)).toEqual([0, 0, 1]);
  });

  it('is one self-contained page: metrics with arrows and intervals, charts, labelled grids, networks, nothing fetched', () => {
    const html = report();
    expect(html).toContain('<th>pixel-identification ↑</th>');
    expect(html).toContain('<td class="num">0.910<span class="ci"> [0.850, 0.950]</span></td>');
    expect(html).toContain('<td class="num">0.930</td>'); // no interval given, none shown
    expect(html).toContain('chance 0.5');
    expect(html).toContain('chance 1/N, N = images in the set');
    expect(html).toContain('<h2>How to read this</h2>');
    expect(html).toMatch(/low-frequency colour alone/);
    expect(html).toMatch(/<b>evaluation network — used only for feature-identification<\/b>: vgg-mini, seed 1001, random He-normal weights/);
    expect(html).toMatch(/<b>feature network — decoded from the brain and matched by the reconstructions<\/b>: vgg-mini, seed 7/);
    // Two charts and one labelled grid.
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    const images = [...html.matchAll(/href="data:image\/png;base64,([^"]+)"/g)];
    expect(images).toHaveLength(1);
    expect(decodePng(new Uint8Array(Buffer.from(images[0]![1]!, 'base64'))).width).toBe(4 * 3 * 2 + 2 * 3);
    // No external resources: no http(s) URLs in src/href, no scripts.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(metricArrow('feature-identification:fc1')).toBe('↑');
  });

  it('labels every row and column of the image grid, controls as controls', () => {
    const svg = labelledGridSvg({ rows: ['true image', 'icnn-gd', 'icnn-gd-shuffled'], columns: ['natural-0001', 'natural-0002'], png: new Uint8Array(8), width: 32, height: 44, tile: 12, margin: 2 });
    const texts = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(['natural-0001', 'natural-0002', 'true image', 'icnn-gd', 'icnn-gd-shuffled — control (should be at chance)']);
    // Row labels sit at the centre of their tile row: margin + r·(tile + margin) + tile/2 below the header.
    const ys = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" font-size="12"/g)].map((m) => Number(m[1]));
    expect(ys[1]! - ys[0]!).toBe(14);
    expect(ys[2]! - ys[1]!).toBe(14);
    expect(svg).toContain('fill="#777" font-style="italic">icnn-gd-shuffled');
  });

  it('lists real methods first and then any control method, under its own heading', () => {
    const table = metricsTable(scores);
    const order = [...table.matchAll(/<tr(?: class="[a-z]+")?><td>sim01<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual(['icnn-gd natural (2)', 'icnn-gd shapes', 'icnn-gd-shuffled natural (2)']);
    expect(table.indexOf('control (should be at chance)')).toBeLessThan(table.indexOf('icnn-gd-shuffled'));
    expect(table.indexOf('<td>shapes')).toBeLessThan(table.indexOf('control (should be at chance)'));
    // Any method name renders, escaped.
    expect(metricsTable([{ subject: 's', method: '<odd>&-shuffled', stimulusSet: 'x', metric: 'm', value: 1 }])).toContain('&lt;odd&gt;&amp;-shuffled');
    // The chart puts the control after the real method and says what it is.
    const chart = identificationChart(scores, 'sim01');
    expect(chart.indexOf('>icnn-gd<')).toBeLessThan(chart.indexOf('>icnn-gd-shuffled (control)<'));
  });

  it('draws the chance line at 0.5 and one bar per set and method', () => {
    const svg = identificationChart(scores, 'sim01');
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3);
    const size = svgSize(svg)!;
    expect(size.width).toBeGreaterThan(200);
    // The dashed line sits half-way up the 220-px plot that starts at y=30: y = 30 + 110.
    expect(svg).toMatch(/<line x1="50" x2="\d+" y1="140" y2="140" stroke="#333" stroke-dasharray/);
    expect((decodingChart(decoding, 'sim01').match(/<polyline/g) ?? []).length).toBe(3);
  });

  it('gives each set of the decoding chart one colour and each measure one stroke pattern', () => {
    const sets = ['natural', 'shapes', 'letters', 'imagery'];
    const many = sets.flatMap((set) => ['conv1', 'fc1'].map((layer) => ({ subject: 's', stimulusSet: set, layer, profileCorrelation: 0.3, patternCorrelation: 0.5, identification: 0.8 })));
    const lines = [...decodingChart(many, 's').matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="2"(?: stroke-dasharray="([^"]+)")?/g)].map((m) => ({ colour: m[1]!, dash: m[2] ?? 'solid' }));
    expect(lines).toHaveLength(12);
    // Lines come set by set, three measures each: 4 colours, 3 patterns, 12 distinct pairs.
    sets.forEach((_, i) => expect(new Set(lines.slice(3 * i, 3 * i + 3).map((l) => l.colour)).size).toBe(1));
    expect(new Set(lines.map((l) => l.colour)).size).toBe(4);
    expect(new Set(lines.map((l) => l.dash)).size).toBe(3);
    expect(new Set(lines.map((l) => `${l.colour} ${l.dash}`)).size).toBe(12);
  });

  const chromium = findChromium();
  it.runIf(chromium)('renders in headless Chromium', async () => {
    const file = path.join(dir, 'report.html');
    await fs.writeFile(file, report());
    const dom = await dumpDom(chromium!, file);
    expect(dom).toContain('deeprecon report — demo');
    expect(dom).toContain('0.910');
    const png = path.join(dir, 'page.png');
    // Tall enough to get past the "How to read this" note to the tables, charts and grid.
    await screenshot(chromium!, file, png, 900, 1800);
    const shot = decodePng(new Uint8Array(await fs.readFile(png)));
    expect([shot.width, shot.height]).toEqual([900, 1800]);
    // Not a blank page: the red tiles of the grid or the coloured bars make some pixels saturated.
    let coloured = 0;
    for (let p = 0; p < shot.width * shot.height; p++) if (Math.abs(shot.data[p * 3]! - shot.data[p * 3 + 2]!) > 0.3) coloured++;
    expect(coloured).toBeGreaterThan(100);
  });
});
